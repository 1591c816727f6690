//! The handover (继承) calls against the WeCom simulator.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use ports::SystemClock;
use wecom_api::model::{TRANSFER_DONE, TRANSFER_WAITING, TransferCustomers};
use wecom_api::{MemoryTokenStore, RetryPolicy, WeComClient, WeComError, WeComSettings};
use wecom_sim::{ResignRequest, RunningSim, ScanRequest, SimConfig};

async fn sim() -> RunningSim {
    let mut config = SimConfig::demo();
    config.callback_url = None;
    wecom_sim::spawn(config).await.unwrap()
}

fn client(sim: &RunningSim) -> WeComClient {
    let config = sim.sim.current_config();
    let mut settings = WeComSettings::new(&sim.base_url, &config.corp_id, &config.corp_secret);
    settings.retry = RetryPolicy::fast();
    WeComClient::new(
        settings,
        Arc::new(MemoryTokenStore::default()),
        Arc::new(SystemClock),
    )
    .unwrap()
}

async fn customers(sim: &RunningSim, userid: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            sim.sim
                .scan(ScanRequest::new(userid))
                .await
                .unwrap()
                .external_userid,
        );
    }
    out
}

#[tokio::test]
async fn on_job_transfer_and_its_result() {
    let sim = sim().await;
    let c = client(&sim);
    let ext = customers(&sim, "zhangsan", 2).await;
    let started = c
        .transfer_customer(&TransferCustomers {
            handover_userid: "zhangsan".into(),
            takeover_userid: "lisi".into(),
            external_userid: vec![ext[0].clone(), ext[1].clone(), "wmNOBODY".into()],
            transfer_success_msg: Some("您好，之后由李四为您服务".into()),
        })
        .await
        .unwrap();
    let codes: Vec<i64> = started.iter().map(|s| s.errcode).collect();
    assert_eq!(codes, vec![0, 0, 40096]);
    let page = c.transfer_result("zhangsan", "lisi", "").await.unwrap();
    assert!(page.customer.iter().all(|s| s.status == TRANSFER_WAITING));
    assert!(page.next_cursor.is_empty());
    sim.sim.advance_clock(Duration::from_secs(86_400));
    let page = c.transfer_result("zhangsan", "lisi", "").await.unwrap();
    assert_eq!(page.customer.len(), 2);
    assert!(
        page.customer
            .iter()
            .all(|s| s.status == TRANSFER_DONE && s.takeover_time > 0)
    );
}

#[tokio::test]
async fn rules_are_checked_before_the_call() {
    let sim = sim().await;
    let c = client(&sim);
    let err = c
        .transfer_customer(&TransferCustomers {
            handover_userid: "zhangsan".into(),
            takeover_userid: "lisi".into(),
            external_userid: (0..101).map(|i| format!("wm{i}")).collect(),
            transfer_success_msg: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, WeComError::InvalidRequest { .. }), "{err:?}");
    assert!(c.get_unassigned_list("", 1001).await.is_err());
    assert_eq!(
        sim.sim
            .call_counts()
            .by_path
            .get("externalcontact/transfer_customer"),
        None
    );
}

#[tokio::test]
async fn unassigned_list_and_resigned_transfer() {
    let sim = sim().await;
    let c = client(&sim);
    let ext = customers(&sim, "wangwu", 3).await;
    sim.sim
        .resign_staff(ResignRequest {
            userid: "wangwu".into(),
            dimission_time: Some(1_700_000_000),
        })
        .unwrap();
    let first = c.get_unassigned_list("", 2).await.unwrap();
    assert_eq!(first.info.len(), 2);
    assert!(!first.is_last);
    let rest = c.get_unassigned_list(&first.next_cursor, 2).await.unwrap();
    assert_eq!(rest.info.len(), 1);
    assert!(rest.is_last);
    assert!(
        first
            .info
            .iter()
            .all(|u| u.handover_userid == "wangwu" && u.dimission_time == 1_700_000_000)
    );
    let started = c
        .resigned_transfer_customer(&TransferCustomers {
            handover_userid: "wangwu".into(),
            takeover_userid: "lisi".into(),
            external_userid: ext.clone(),
            transfer_success_msg: Some("ignored".into()),
        })
        .await
        .unwrap();
    assert!(started.iter().all(|s| s.errcode == 0));
    sim.sim.advance_clock(Duration::from_secs(86_400));
    let page = c
        .resigned_transfer_result("wangwu", "lisi", "")
        .await
        .unwrap();
    assert_eq!(page.customer.len(), 3);
    assert!(page.customer.iter().all(|s| s.status == TRANSFER_DONE));
}
