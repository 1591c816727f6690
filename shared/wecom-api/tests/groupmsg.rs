//! 企业群发 and media against the simulator: the happy paths, refusals made before any request,
//! 41063 surfaced as is, and `add_msg_template` never replayed after an ambiguous failure.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use ports::SystemClock;
use wecom_api::model::{
    Attachment, AttachmentBody, ImageAttachment, LinkAttachment, MediaAttachment, MediaKind,
    MiniprogramAttachment, MsgTemplate, Text,
};
use wecom_api::{MemoryTokenStore, RetryPolicy, WeComClient, WeComError, WeComSettings, errcode};
use wecom_sim::{FaultRule, GroupMsgConfirmRequest, RunningSim, ScanRequest, SimConfig};

const ADD: &str = "externalcontact/add_msg_template";

async fn sim_with(dispatch: Duration) -> RunningSim {
    let config = SimConfig {
        callback_url: None,
        groupmsg_dispatch_delay: dispatch,
        ..SimConfig::demo()
    };
    wecom_sim::spawn(config).await.unwrap()
}

async fn sim() -> RunningSim {
    sim_with(Duration::from_millis(200)).await
}

fn client_with(sim: &RunningSim, timeout: Duration) -> WeComClient {
    let config = sim.sim.current_config();
    let mut settings = WeComSettings::new(&sim.base_url, &config.corp_id, &config.corp_secret);
    settings.retry = RetryPolicy::fast();
    settings.request_timeout = timeout;
    WeComClient::new(
        settings,
        Arc::new(MemoryTokenStore::default()),
        Arc::new(SystemClock),
    )
    .unwrap()
}

fn client(sim: &RunningSim) -> WeComClient {
    client_with(sim, Duration::from_secs(5))
}

fn calls(sim: &RunningSim, api: &str) -> u64 {
    sim.sim.call_counts().get(api)
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

fn template(sender: &str, external_userid: Vec<String>, text: &str) -> MsgTemplate {
    MsgTemplate {
        sender: sender.into(),
        external_userid,
        text: Some(Text {
            content: text.into(),
        }),
        ..MsgTemplate::default()
    }
}

fn link(title: &str, url: &str) -> Attachment {
    Attachment::new(AttachmentBody::Link(LinkAttachment {
        title: title.into(),
        picurl: None,
        desc: None,
        url: url.into(),
    }))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn add_msg_template_creates_a_task_listed_by_get_groupmsg_list_v2() {
    let sim = sim().await;
    let c = client(&sim);
    let mut ids = customers(&sim, "zhangsan", 2).await;
    ids.push("wmNoSuchCustomer".into());
    let mut t = template("zhangsan", ids.clone(), "本周光子嫩肤限时优惠");
    t.attachments = vec![link("预约到院", "https://example.com/book?src=gm")];
    let created = c.add_msg_template(&t).await.unwrap();
    assert!(created.msgid.starts_with("msg"));
    assert_eq!(created.fail_list, ["wmNoSuchCustomer"]);

    let page = c
        .get_groupmsg_list_v2(Some("zhangsan"), now() - 3600, now() + 60, None)
        .await
        .unwrap();
    assert_eq!(page.next_cursor, None);
    assert_eq!(page.group_msg_list.len(), 1);
    let m = &page.group_msg_list[0];
    assert_eq!(m.msgid, created.msgid);
    assert_eq!(m.creator, "zhangsan");
    assert_eq!(m.create_type, 0);
    assert_eq!(
        m.text.as_ref().map(|t| t.content.as_str()),
        Some("本周光子嫩肤限时优惠")
    );
    assert_eq!(m.attachments[0]["msgtype"], "link");
    let none = c
        .get_groupmsg_list_v2(Some("lisi"), now() - 3600, now() + 60, None)
        .await
        .unwrap();
    assert!(none.group_msg_list.is_empty());

    // Nobody sendable → 41048, a plain API error.
    let err = c
        .add_msg_template(&template("zhangsan", vec!["wmNobody".into()], "x"))
        .await
        .unwrap_err();
    assert_eq!(err.errcode(), Some(errcode::NO_SENDABLE_CUSTOMERS));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn results_surface_41063_then_follow_the_members_confirmation() {
    let sim = sim().await;
    let c = client(&sim);
    let ids = customers(&sim, "lisi", 3).await;
    let msgid = c
        .add_msg_template(&template("lisi", ids.clone(), "hi"))
        .await
        .unwrap()
        .msgid;

    let err = c.get_groupmsg_task(&msgid, None).await.unwrap_err();
    assert!(
        matches!(
            err,
            WeComError::Api {
                errcode: errcode::GROUPMSG_DISPATCHING,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable() && !err.is_ambiguous());
    let err = c
        .get_groupmsg_send_result(&msgid, "lisi", None)
        .await
        .unwrap_err();
    assert_eq!(err.errcode(), Some(errcode::GROUPMSG_DISPATCHING));
    assert_eq!(
        calls(&sim, "externalcontact/get_groupmsg_task"),
        1,
        "not retried"
    );
    assert_eq!(calls(&sim, "externalcontact/get_groupmsg_send_result"), 1);
    // The dispatch window passes on WeCom's clock, not the wall clock.
    sim.sim.advance_clock(Duration::from_millis(250));

    let tasks = c.get_groupmsg_task(&msgid, None).await.unwrap();
    assert_eq!(tasks.next_cursor, None);
    assert_eq!(tasks.task_list.len(), 1);
    assert_eq!(tasks.task_list[0].userid, "lisi");
    assert_eq!(
        (tasks.task_list[0].status, tasks.task_list[0].send_time),
        (0, None)
    );
    let results = c
        .get_groupmsg_send_result(&msgid, "lisi", None)
        .await
        .unwrap();
    assert_eq!(results.send_list.len(), 3);
    assert!(
        results
            .send_list
            .iter()
            .all(|r| r.status == 0 && r.send_time.is_none())
    );

    // The member confirms in the WeCom client.
    sim.sim
        .confirm_group_msgs(&GroupMsgConfirmRequest {
            userid: "lisi".into(),
            msgid: None,
        })
        .unwrap();
    let tasks = c.get_groupmsg_task(&msgid, None).await.unwrap();
    assert_eq!(tasks.task_list[0].status, 2);
    assert!(
        tasks.task_list[0]
            .send_time
            .is_some_and(|t| t > 1_600_000_000)
    );
    let results = c
        .get_groupmsg_send_result(&msgid, "lisi", None)
        .await
        .unwrap();
    let got: Vec<(Option<String>, i64)> = results
        .send_list
        .iter()
        .map(|r| (r.external_userid.clone(), r.status))
        .collect();
    let want: Vec<(Option<String>, i64)> = ids.iter().map(|e| (Some(e.clone()), 1)).collect();
    assert_eq!(got, want);
    assert!(
        results
            .send_list
            .iter()
            .all(|r| r.userid == "lisi" && r.chat_id.is_none())
    );
    assert!(results.send_list.iter().all(|r| r.send_time.is_some()));
}

#[tokio::test]
async fn reminders_and_cancellation() {
    let sim = sim().await;
    let c = client(&sim);
    let ids = customers(&sim, "wangwu", 1).await;
    let msgid = c
        .add_msg_template(&template("wangwu", ids, "hi"))
        .await
        .unwrap()
        .msgid;
    for _ in 0..3 {
        c.remind_groupmsg_send(&msgid).await.unwrap();
    }
    let err = c.remind_groupmsg_send(&msgid).await.unwrap_err();
    assert!(matches!(err, WeComError::RateLimited { .. }), "{err:?}");
    assert_eq!(calls(&sim, "externalcontact/remind_groupmsg_send"), 4);
    assert_eq!(sim.sim.group_msgs()[0].reminders.len(), 3);

    c.cancel_groupmsg_send(&msgid).await.unwrap();
    assert!(sim.sim.group_msgs()[0].cancelled);
    let err = c.cancel_groupmsg_send("msgNoSuchTask").await.unwrap_err();
    assert_eq!(err.errcode(), Some(errcode::INVALID_GROUPMSG_ID));
}

#[tokio::test]
async fn invalid_requests_are_refused_before_any_call() {
    let sim = sim().await;
    let c = client(&sim);
    let ok = template("zhangsan", vec!["wmA".into()], "hi");
    let with = |f: &dyn Fn(&mut MsgTemplate)| {
        let mut t = ok.clone();
        f(&mut t);
        t
    };
    let image = |media_id: Option<&str>, pic_url: Option<&str>| {
        Attachment::new(AttachmentBody::Image(ImageAttachment {
            media_id: media_id.map(str::to_owned),
            pic_url: pic_url.map(str::to_owned),
        }))
    };
    let bad = [
        with(&|t| t.sender.clear()),
        with(&|t| t.external_userid.clear()),
        with(&|t| t.external_userid = (0..10_001).map(|i| format!("wm{i}")).collect()),
        with(&|t| t.external_userid = vec![String::new()]),
        with(&|t| t.text = None),
        with(&|t| {
            t.text = Some(Text {
                content: String::new(),
            })
        }),
        with(&|t| {
            t.text = Some(Text {
                content: "a".repeat(4001),
            })
        }),
        with(&|t| t.attachments = vec![link("t", "https://e.com"); 10]),
        with(&|t| t.attachments = vec![link(&"t".repeat(129), "https://e.com")]),
        with(&|t| t.attachments = vec![link("t", "")]),
        with(&|t| t.attachments = vec![link("t", &format!("https://e.com/{}", "a".repeat(2040)))]),
        with(&|t| {
            let mut l = link("t", "https://e.com");
            if let AttachmentBody::Link(b) = &mut l.body {
                b.desc = Some("d".repeat(513));
            }
            t.attachments = vec![l];
        }),
        with(&|t| t.attachments = vec![image(None, None)]),
        with(&|t| t.attachments = vec![image(Some(""), Some(""))]),
        with(&|t| {
            t.attachments = vec![Attachment::new(AttachmentBody::Miniprogram(
                MiniprogramAttachment {
                    title: "t".repeat(65),
                    pic_media_id: "m".into(),
                    appid: "wx1".into(),
                    page: "/p".into(),
                },
            ))]
        }),
        with(&|t| {
            t.attachments = vec![Attachment::new(AttachmentBody::Miniprogram(
                MiniprogramAttachment {
                    title: "t".into(),
                    pic_media_id: String::new(),
                    appid: "wx1".into(),
                    page: "/p".into(),
                },
            ))]
        }),
        with(&|t| {
            t.attachments = vec![Attachment::new(AttachmentBody::File(MediaAttachment {
                media_id: String::new(),
            }))]
        }),
        with(&|t| {
            let mut a = image(Some("m"), None);
            a.msgtype = "video".into();
            t.attachments = vec![a];
        }),
    ];
    for t in &bad {
        let err = c.add_msg_template(t).await.unwrap_err();
        assert!(matches!(err, WeComError::InvalidRequest { .. }), "{err:?}");
    }
    // The limits themselves are fine.
    ok.validate().unwrap();
    with(&|t| {
        t.text = Some(Text {
            content: "字".repeat(1333),
        })
    })
    .validate()
    .unwrap();
    with(&|t| t.attachments = vec![link("t", "https://e.com"); 9])
        .validate()
        .unwrap();
    with(&|t| t.external_userid = (0..10_000).map(|i| format!("wm{i}")).collect())
        .validate()
        .unwrap();

    let refusals = [
        c.get_groupmsg_list_v2(None, 0, 32 * 86_400, None)
            .await
            .unwrap_err(),
        c.get_groupmsg_list_v2(None, 100, 99, None)
            .await
            .unwrap_err(),
        c.get_groupmsg_task("", None).await.unwrap_err(),
        c.get_groupmsg_send_result("", "zhangsan", None)
            .await
            .unwrap_err(),
        c.get_groupmsg_send_result("msgA", "", None)
            .await
            .unwrap_err(),
        c.remind_groupmsg_send("").await.unwrap_err(),
        c.cancel_groupmsg_send("").await.unwrap_err(),
        c.upload_media(MediaKind::Image, "a.png", vec![1; 5])
            .await
            .unwrap_err(),
        c.upload_media(MediaKind::Voice, "a.amr", vec![1; 2 * 1024 * 1024 + 1])
            .await
            .unwrap_err(),
        c.upload_media(MediaKind::File, "", vec![1; 10])
            .await
            .unwrap_err(),
        c.upload_image("a.png", vec![1; 4]).await.unwrap_err(),
        c.upload_image("a.png", vec![1; 2 * 1024 * 1024 + 1])
            .await
            .unwrap_err(),
    ];
    for err in refusals {
        assert!(matches!(err, WeComError::InvalidRequest { .. }), "{err:?}");
    }
    assert_eq!(
        sim.sim.call_counts().total,
        0,
        "no request at all, not even gettoken"
    );
}

#[tokio::test]
async fn add_msg_template_is_not_replayed_after_a_timeout() {
    let sim = sim().await;
    let c = client_with(&sim, Duration::from_millis(300));
    let ids = customers(&sim, "zhangsan", 1).await;
    let token = c.access_token().await.unwrap();
    sim.sim.inject_fault(FaultRule::delay(ADD, 1200)).unwrap();
    let err = c
        .add_msg_template(&template("zhangsan", ids.clone(), "hi"))
        .await
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert!(err.is_retryable(), "may be retried once reconciled");
    assert!(matches!(err, WeComError::Ambiguous { api: ADD, .. }));
    assert!(!err.to_string().contains(&token), "no token in errors");
    assert!(!err.to_string().contains("http://"), "no URL in errors");
    // The slow request did reach WeCom: the task exists, and it was sent exactly once.
    for _ in 0..100 {
        if !sim.sim.group_msgs().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(calls(&sim, ADD), 1);
    assert_eq!(sim.sim.group_msgs().len(), 1);

    // An HTTP 5xx is just as ambiguous: one call, no replay.
    sim.sim
        .inject_fault(FaultRule::http_status(ADD, 502))
        .unwrap();
    let err = c
        .add_msg_template(&template("zhangsan", ids, "hi"))
        .await
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(calls(&sim, ADD), 2);
}

#[tokio::test]
async fn add_msg_template_is_retried_when_wecom_refused_it() {
    let sim = sim().await;
    let c = client(&sim);
    let ids = customers(&sim, "zhangsan", 1).await;
    sim.sim
        .inject_fault(FaultRule::errcode(ADD, -1).times(2))
        .unwrap();
    c.add_msg_template(&template("zhangsan", ids.clone(), "hi"))
        .await
        .unwrap();
    assert_eq!(calls(&sim, ADD), 3);
    assert_eq!(sim.sim.group_msgs().len(), 1);

    // A refused token is refreshed once, then the call goes through.
    sim.sim
        .inject_fault(FaultRule::errcode(ADD, 42001))
        .unwrap();
    c.add_msg_template(&template("zhangsan", ids.clone(), "again"))
        .await
        .unwrap();
    assert_eq!(calls(&sim, ADD), 5);
    assert_eq!(calls(&sim, "gettoken"), 2);

    // Still busy after the bounded retries: Busy, nothing created.
    sim.sim
        .inject_fault(FaultRule::errcode(ADD, 45033).times(4))
        .unwrap();
    let err = c
        .add_msg_template(&template("zhangsan", ids, "busy"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, WeComError::Busy { errcode: 45033, .. }),
        "{err:?}"
    );
    assert!(!err.is_ambiguous());
    assert_eq!(calls(&sim, ADD), 9);
    assert_eq!(sim.sim.group_msgs().len(), 2);
}

#[tokio::test]
async fn uploaded_media_can_be_attached_until_it_expires() {
    let sim = sim().await;
    let c = client(&sim);
    let ids = customers(&sim, "zhangsan", 1).await;
    let png = b"\x89PNG\r\n\x1a\n--not-a-boundary\r\n\r\nfake image data".to_vec();
    let uploaded = c
        .upload_media(MediaKind::Image, "活动\"海报\".png", png.clone())
        .await
        .unwrap();
    assert_eq!(uploaded.media_type, "image");
    assert!(!uploaded.media_id.is_empty());
    assert!(uploaded.created_at > 1_600_000_000);
    let pdf = c
        .upload_media(
            MediaKind::File,
            "价目表.pdf",
            b"%PDF-1.4 price list".to_vec(),
        )
        .await
        .unwrap();
    let url = c.upload_image("banner.jpg", png.clone()).await.unwrap();
    assert!(url.starts_with("https://"));
    let media = sim.sim.media();
    assert_eq!(media.media.len(), 2);
    let poster = media
        .media
        .iter()
        .find(|m| m.media_id == uploaded.media_id)
        .unwrap();
    assert_eq!(poster.filename, "活动_海报_.png");
    assert_eq!(poster.size, png.len() as u64);
    assert_eq!(media.images[0].filename, "banner.jpg");

    let mut t = template("zhangsan", ids, "新品到店");
    t.attachments = vec![
        Attachment::new(AttachmentBody::Image(ImageAttachment {
            media_id: Some(uploaded.media_id.clone()),
            pic_url: None,
        })),
        Attachment::new(AttachmentBody::Image(ImageAttachment {
            media_id: None,
            pic_url: Some(url),
        })),
        Attachment::new(AttachmentBody::File(MediaAttachment {
            media_id: pdf.media_id.clone(),
        })),
    ];
    c.add_msg_template(&t).await.unwrap();
    sim.sim.expire_media();
    let err = c.add_msg_template(&t).await.unwrap_err();
    assert_eq!(err.errcode(), Some(errcode::INVALID_MEDIA_ID));
    assert_eq!(calls(&sim, "media/upload"), 2);
    assert_eq!(calls(&sim, "media/uploadimg"), 1);
}
