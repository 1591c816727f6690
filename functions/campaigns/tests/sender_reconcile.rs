//! The sender reconciling a lost add_msg_template answer, on the embedded adapters and the
//! WeCom simulator, with other tasks of the same consultant in WeCom's list: only a task with
//! this chunk's content sent to exactly this chunk's customers is adopted.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use crm::campaign::{Audience, Campaign, ChunkStatus, Content, ContentAttachment, RecipientStatus};
use wecom_api::model::{Attachment, AttachmentBody, LinkAttachment, MsgTemplate, Text};
use wecom_sim::FaultRule;

use common::{
    ADD_MSG_TEMPLATE, Fixture, chunk_event, drain, failures, fixture, fixture_with, sends_chunk,
};

/// A task created in WeCom by someone else (another campaign, a direct message): its msgid.
async fn other_task(
    f: &Fixture,
    to: &[String],
    text: Option<&str>,
    attachments: Vec<Attachment>,
) -> String {
    f.campaigns
        .wecom
        .add_msg_template(&MsgTemplate {
            sender: "zhangsan".into(),
            external_userid: to.to_vec(),
            text: text.map(|t| Text {
                content: t.to_owned(),
            }),
            attachments,
            allow_select: false,
        })
        .await
        .unwrap()
        .msgid
}

fn link(url: &str) -> Attachment {
    Attachment::new(AttachmentBody::Link(LinkAttachment {
        title: "Spring offer".into(),
        picurl: None,
        desc: None,
        url: url.into(),
    }))
}

/// The chunk as an attempt that started `ago` and whose answer was lost leaves it.
async fn lost_attempt(f: &Fixture, id: &str, chunk: &str, sent_text: &str, ago: Duration) {
    let repo = f.campaigns.repo();
    let (mut stored, version) = repo.chunk(id, chunk).await.unwrap().unwrap();
    stored.status = ChunkStatus::Creating;
    stored.attempts = 1;
    stored.attempt_started_ms =
        Some(f.campaigns.clock.now_ms() - i64::try_from(ago.as_millis()).unwrap());
    stored.sent_text = sent_text.to_owned();
    assert!(repo.save_chunk(&stored, version).await.unwrap());
}

/// The msgids the chunk's recipients were recorded with.
async fn recorded_msgids(f: &Fixture, id: &str) -> Vec<Option<String>> {
    f.campaigns
        .repo()
        .all_recipients(id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            assert_eq!(r.status, RecipientStatus::AwaitingStaff, "{r:?}");
            r.msgid
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_to_only_some_of_the_chunks_customers_is_not_adopted() {
    let f = fixture().await;
    let audience = f.customers("zhangsan", 3, true).await;
    let id = "01a2210383005a6b7c8d9e0f1a2b";
    let sends = f.ran(id, "Spring offer", audience.clone()).await;
    let chunk = sends_chunk(&sends);
    // The same consultant, the same text, two of the three customers.
    let partial = other_task(&f, &audience[..2], Some("Spring offer"), Vec::new()).await;
    // An attempt whose answer was lost, long enough ago to be sent again if WeCom has no task.
    lost_attempt(&f, id, &chunk, "Spring offer", Duration::from_secs(11)).await;

    let response = campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &chunk)).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    let tasks = f.sim.sim.group_msgs();
    assert_eq!(tasks.len(), 2, "the task was created, not adopted");
    let ours = tasks.iter().find(|t| t.msgid != partial).unwrap();
    assert_eq!(ours.recipients.len(), 3);
    for msgid in recorded_msgids(&f, id).await {
        assert_eq!(msgid.as_deref(), Some(ours.msgid.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_to_more_customers_than_the_chunks_is_not_adopted() {
    let f = fixture().await;
    let audience = f.customers("zhangsan", 3, true).await;
    let id = "01a2210383005b6c7d8e9f0a1b2c";
    let sends = f.ran(id, "Spring offer", audience[..2].to_vec()).await;
    let chunk = sends_chunk(&sends);
    let wider = other_task(&f, &audience, Some("Spring offer"), Vec::new()).await;
    lost_attempt(&f, id, &chunk, "Spring offer", Duration::from_secs(11)).await;

    let response = campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &chunk)).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    assert_eq!(f.sim.sim.group_msgs().len(), 2);
    for msgid in recorded_msgids(&f, id).await {
        assert_ne!(msgid.as_deref(), Some(wider.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attachment_only_task_is_adopted_only_with_the_same_attachments() {
    let f = fixture_with(Duration::from_millis(300)).await;
    let audience = f.customers("zhangsan", 2, true).await;
    let id = "01a2210383005c6d7e8f9a0b1c2d";
    f.campaigns
        .create(Campaign {
            id: id.into(),
            name: "spring card".into(),
            audience: Some(Audience::Customers {
                external_userids: audience.clone(),
            }),
            content: Content {
                text: String::new(),
                attachments: vec![ContentAttachment::Link {
                    title: "Spring offer".into(),
                    url: "https://clinic.example/spring".into(),
                    desc: None,
                    picurl: None,
                    pic_media: None,
                }],
            },
            send_at_ms: f.campaigns.clock.now_ms(),
            created_by: "manager@clinic.example".into(),
            ..Campaign::default()
        })
        .await
        .unwrap();
    let jobs = drain(&f.campaign_queue).await;
    f.campaigns.handle_job(&jobs[0]).await.unwrap();
    let chunk = sends_chunk(&drain(&f.send_queue).await);
    // The same consultant sent another card, no text, to the very same customers.
    let other = other_task(
        &f,
        &audience,
        None,
        vec![link("https://clinic.example/autumn")],
    )
    .await;

    // WeCom creates this chunk's task but its answer comes after the client gave up.
    f.sim
        .sim
        .inject_fault(FaultRule::delay(ADD_MSG_TEMPLATE, 3000))
        .unwrap();
    let event = chunk_event(id, &chunk);
    let response = campaigns::sender::handle_batch(&f.campaigns, event.clone()).await;
    assert_eq!(failures(&response).len(), 1, "outcome unknown");
    for _ in 0..200 {
        if f.sim.sim.group_msgs().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let tasks = f.sim.sim.group_msgs();
    assert_eq!(tasks.len(), 2);
    let ours = tasks.iter().find(|t| t.msgid != other).unwrap().clone();
    assert_eq!(ours.text, None);
    assert_eq!(
        ours.attachments[0]["link"]["url"]
            .as_str()
            .map(|u| u.starts_with("https://t.example/t/")),
        Some(true)
    );

    // The next delivery adopts this chunk's own task, not the other card.
    let response = campaigns::sender::handle_batch(&f.campaigns, event).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    assert_eq!(f.sim.sim.group_msgs().len(), 2, "nothing sent twice");
    for msgid in recorded_msgids(&f, id).await {
        assert_eq!(msgid.as_deref(), Some(ours.msgid.as_str()));
    }
    let (stored, _) = f.campaigns.repo().chunk(id, &chunk).await.unwrap().unwrap();
    assert_eq!(stored.status, ChunkStatus::Created);
    assert_eq!(stored.msgid.as_deref(), Some(ours.msgid.as_str()));
}
