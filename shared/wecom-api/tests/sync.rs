//! The calls an hourly sync is built on, against the simulator: `batch/get_by_user` paging,
//! `externalcontact/list`, deleted tags by id, and the refusals made before any call.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use ports::SystemClock;
use wecom_api::{MemoryTokenStore, RetryPolicy, WeComClient, WeComError, WeComSettings};
use wecom_sim::{RunningSim, SeedRequest, SilentChange, SimConfig, demo};

const BATCH: &str = "externalcontact/batch/get_by_user";

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

fn seed_users(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("seed{i:04}")).collect()
}

#[tokio::test]
async fn batch_get_by_user_pages_through_every_relationship_once() {
    let sim = sim().await;
    let seeded = sim.sim.seed(&SeedRequest::new(5, 400).seed(11)).unwrap();
    let c = client(&sim);
    let users = seed_users(5);
    let mut cursor = String::new();
    let mut seen = BTreeSet::new();
    let mut pages = 0;
    loop {
        let page = c.batch_get_by_user(&users, &cursor, 100).await.unwrap();
        pages += 1;
        for item in &page.external_contact_list {
            assert!(item.external_contact.external_userid.starts_with("wm"));
            assert!(!item.follow_info.state.is_empty());
            for tag in &item.follow_info.tag_id {
                assert!(tag.starts_with("etSimDemo"), "{tag}");
            }
            assert!(seen.insert((
                item.follow_info.userid.clone(),
                item.external_contact.external_userid.clone()
            )));
        }
        if page.next_cursor.is_empty() {
            break;
        }
        cursor = page.next_cursor;
    }
    assert_eq!(seen.len() as u64, seeded.relationships);
    assert_eq!(pages, seeded.relationships.div_ceil(100));
    assert_eq!(sim.sim.call_counts().get(BATCH), pages);

    // externalcontact/list agrees with the batch view for one member.
    let listed: BTreeSet<String> = c
        .list_external_contacts("seed0002")
        .await
        .unwrap()
        .into_iter()
        .collect();
    let batched: BTreeSet<String> = seen
        .iter()
        .filter(|(u, _)| u == "seed0002")
        .map(|(_, e)| e.clone())
        .collect();
    assert_eq!(listed, batched);
    let err = c.list_external_contacts("ghost").await.unwrap_err();
    assert_eq!(err.errcode(), Some(60111));
}

#[tokio::test]
async fn out_of_range_requests_are_refused_before_the_call() {
    let sim = sim().await;
    let c = client(&sim);
    let too_many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    for (users, limit) in [
        (too_many.clone(), 50),
        (Vec::new(), 50),
        (vec!["zhangsan".to_owned()], 0),
        (vec!["zhangsan".to_owned()], 101),
    ] {
        let err = c.batch_get_by_user(&users, "", limit).await.unwrap_err();
        assert!(matches!(err, WeComError::InvalidRequest { .. }), "{err}");
    }
    assert!(matches!(
        c.list_external_contacts("").await.unwrap_err(),
        WeComError::InvalidRequest { .. }
    ));
    assert!(matches!(
        c.get_corp_tags_by_id(&[]).await.unwrap_err(),
        WeComError::InvalidRequest { .. }
    ));
    assert_eq!(sim.sim.call_counts().total, 0, "nothing reached WeCom");

    // The edges are accepted; a cursor WeCom does not know is WeCom's 40058.
    let hundred: Vec<String> = (0..100).map(|i| format!("u{i}")).collect();
    let page = c.batch_get_by_user(&hundred, "", 100).await.unwrap();
    assert!(page.external_contact_list.is_empty() && page.next_cursor.is_empty());
    let err = c
        .batch_get_by_user(&hundred, "not-a-cursor", 1)
        .await
        .unwrap_err();
    assert_eq!(err.errcode(), Some(40058));
}

#[tokio::test]
async fn a_tag_deleted_behind_our_back_comes_back_by_id_as_deleted() {
    let sim = sim().await;
    let c = client(&sim);
    sim.sim
        .silent(SilentChange::DeleteTag {
            id: demo::TAG_TIER_C.to_owned(),
        })
        .unwrap();
    let all = c.get_corp_tag_list(&[], &[]).await.unwrap();
    assert!(
        all.iter()
            .flat_map(|g| &g.tag)
            .all(|t| t.id != demo::TAG_TIER_C)
    );
    let asked = c
        .get_corp_tags_by_id(&[demo::TAG_TIER_C.to_owned(), demo::TAG_TIER_A.to_owned()])
        .await
        .unwrap();
    let tags: Vec<_> = asked.iter().flat_map(|g| &g.tag).collect();
    assert_eq!(tags.len(), 2);
    assert!(tags.iter().any(|t| t.id == demo::TAG_TIER_C && t.deleted));
    assert!(tags.iter().any(|t| t.id == demo::TAG_TIER_A && !t.deleted));
}
