//! The client against the WeCom simulator: one shared token per corp, errcode-aware retries,
//! cursors merged, errors that keep errcode and errmsg.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use ports::SystemClock;
use wecom_api::model::{AddCorpTag, MarkTag, NewTag};
use wecom_api::{
    MemoryTokenStore, RetryPolicy, TokenStore, WeComClient, WeComError, WeComSettings,
};
use wecom_sim::{FaultRule, RunningSim, ScanRequest, SimConfig, Staff};

async fn sim() -> RunningSim {
    let mut config = SimConfig::demo();
    config.callback_url = None;
    wecom_sim::spawn(config).await.unwrap()
}

fn client(sim: &RunningSim, tokens: Arc<dyn TokenStore>) -> WeComClient {
    let config = sim.sim.current_config();
    let mut settings = WeComSettings::new(&sim.base_url, &config.corp_id, &config.corp_secret);
    settings.retry = RetryPolicy::fast();
    WeComClient::new(settings, tokens, Arc::new(SystemClock)).unwrap()
}

fn calls(sim: &RunningSim, api: &str) -> u64 {
    sim.sim.call_counts().by_path.get(api).copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_processes_share_one_token_and_one_refresher() {
    let sim = sim().await;
    let shared: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::default());
    // Four "Lambdas" with their own in-process cache, one shared store.
    let clients: Vec<_> = (0..4)
        .map(|_| Arc::new(client(&sim, shared.clone())))
        .collect();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let c = clients[i % 4].clone();
        tasks.push(tokio::spawn(async move { c.get_follow_user_list().await }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().len(), 3);
    }
    assert_eq!(calls(&sim, "gettoken"), 1);
    assert_eq!(calls(&sim, "externalcontact/get_follow_user_list"), 40);
}

#[tokio::test]
async fn expired_or_invalid_token_is_refreshed_once_then_the_call_is_retried() {
    let sim = sim().await;
    let c = client(&sim, Arc::new(MemoryTokenStore::default()));
    c.get_follow_user_list().await.unwrap();
    sim.sim.expire_tokens();
    c.get_follow_user_list().await.unwrap();
    sim.sim.invalidate_tokens();
    c.get_follow_user_list().await.unwrap();
    assert_eq!(calls(&sim, "gettoken"), 3);

    // A token WeCom keeps refusing is not refreshed in a loop.
    sim.sim
        .inject_fault(FaultRule::errcode("externalcontact/get_follow_user_list", 42001).times(5))
        .unwrap();
    let err = c.get_follow_user_list().await.unwrap_err();
    assert_eq!(err.errcode(), Some(42001));
    assert_eq!(calls(&sim, "gettoken"), 4, "exactly one more refresh");
}

#[tokio::test]
async fn a_bad_secret_is_reported_as_such_and_never_retried() {
    let sim = sim().await;
    let config = sim.sim.current_config();
    let settings = WeComSettings::new(&sim.base_url, &config.corp_id, "wrong-secret");
    let c = WeComClient::new(
        settings,
        Arc::new(MemoryTokenStore::default()),
        Arc::new(SystemClock),
    )
    .unwrap();
    let err = c.get_follow_user_list().await.unwrap_err();
    assert!(matches!(err, WeComError::InvalidSecret { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert!(
        !err.to_string().contains("wrong-secret"),
        "the secret never shows"
    );
    assert_eq!(calls(&sim, "gettoken"), 1);
}

#[tokio::test]
async fn system_busy_and_server_errors_are_retried_at_most_three_times() {
    let sim = sim().await;
    let c = client(&sim, Arc::new(MemoryTokenStore::default()));
    let api = "externalcontact/get_follow_user_list";
    sim.sim
        .inject_fault(FaultRule::errcode(api, -1).times(2))
        .unwrap();
    sim.sim
        .inject_fault(FaultRule::http_status(api, 502).times(1))
        .unwrap();
    c.get_follow_user_list().await.unwrap();
    assert_eq!(calls(&sim, api), 4);

    sim.sim
        .inject_fault(FaultRule::errcode(api, 45033).times(4))
        .unwrap();
    let err = c.get_follow_user_list().await.unwrap_err();
    assert!(
        matches!(err, WeComError::Busy { errcode: 45033, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable(), "the job can try again later");
    assert_eq!(calls(&sim, api), 8);
}

#[tokio::test]
async fn a_frequency_block_is_not_hammered_but_deferred() {
    let sim = sim().await;
    let c = client(&sim, Arc::new(MemoryTokenStore::default()));
    let api = "externalcontact/get_follow_user_list";
    c.get_follow_user_list().await.unwrap();
    sim.sim
        .inject_fault(FaultRule::errcode(api, 45009).times(1))
        .unwrap();
    let err = c.get_follow_user_list().await.unwrap_err();
    assert!(matches!(err, WeComError::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(60)));
    assert_eq!(calls(&sim, api), 2, "one call, no in-process retry");
}

#[tokio::test]
async fn permanent_errors_keep_errcode_and_errmsg() {
    let sim = sim().await;
    let c = client(&sim, Arc::new(MemoryTokenStore::default()));
    let err = c
        .get_external_contact("wmNoSuchCustomer")
        .await
        .unwrap_err();
    assert_eq!(err.errcode(), Some(40096));
    assert!(!err.errmsg().unwrap_or_default().is_empty());
    assert!(!err.is_retryable());
    let access_token = c.access_token().await.unwrap();
    assert!(
        !err.to_string().contains(&access_token),
        "no token in errors"
    );

    let err = c
        .mark_tag(&MarkTag {
            userid: "zhangsan".into(),
            external_userid: "wmNoSuchCustomer".into(),
            add_tag: vec![],
            remove_tag: vec![],
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, WeComError::InvalidRequest { .. }),
        "refused before the call"
    );
}

#[tokio::test]
async fn follow_users_beyond_one_page_are_merged_through_the_cursor() {
    let sim = sim().await;
    let first = sim
        .sim
        .scan(ScanRequest::new("zhangsan").state("douyin"))
        .await
        .unwrap();
    let ext = first.external_userid.clone();
    for i in 0..520 {
        let userid = format!("staff{i:03}");
        sim.sim
            .add_staff(Staff {
                userid: userid.clone(),
                name: format!("顾问{i}"),
                customer_contact: true,
            })
            .unwrap();
        sim.sim
            .scan(ScanRequest::new(&userid).external_userid(&ext))
            .await
            .unwrap();
    }
    let c = client(&sim, Arc::new(MemoryTokenStore::default()));
    let detail = c.get_external_contact(&ext).await.unwrap();
    assert_eq!(detail.follow_user.len(), 521);
    assert_eq!(calls(&sim, "externalcontact/get"), 2, "two pages");
    assert!(
        detail
            .follow_user
            .iter()
            .any(|f| f.userid == "zhangsan" && f.state == "douyin")
    );
}

#[tokio::test]
async fn tags_created_through_the_api_can_be_marked_on_a_customer() {
    let sim = sim().await;
    let scan = sim.sim.scan(ScanRequest::new("lisi")).await.unwrap();
    let c = client(&sim, Arc::new(MemoryTokenStore::default()));
    let group = c
        .add_corp_tag(&AddCorpTag {
            group_name: Some("来源渠道".into()),
            tag: vec![NewTag {
                name: "来源:抖音".into(),
                order: None,
            }],
            ..AddCorpTag::default()
        })
        .await
        .unwrap();
    let tag_id = group.tag[0].id.clone();
    c.mark_tag(&MarkTag {
        userid: "lisi".into(),
        external_userid: scan.external_userid.clone(),
        add_tag: vec![tag_id.clone()],
        remove_tag: vec![],
    })
    .await
    .unwrap();
    let detail = c.get_external_contact(&scan.external_userid).await.unwrap();
    let tags = &detail.follow_user[0].tags;
    assert!(
        tags.iter()
            .any(|t| t.tag_id.as_deref() == Some(&tag_id) && t.tag_name == "来源:抖音")
    );
    let all = c.get_corp_tag_list(&[], &[]).await.unwrap();
    assert!(all.iter().any(|g| g.group_name == "来源渠道"));
}
