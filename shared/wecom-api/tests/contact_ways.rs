//! 「联系我」 contact ways, corp-tag edits, remarks and app texts against the WeCom simulator:
//! every call round-trips, and every client-side rule matches what the simulator refuses.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use ports::SystemClock;
use serde_json::{Value, json};
use wecom_api::model::{
    AddCorpTag, Conclusions, ContactWay, ImageAttachment, LinkAttachment, MiniprogramAttachment,
    NewTag, Remark, Text, UpdateContactWay,
};
use wecom_api::{MemoryTokenStore, RetryPolicy, WeComClient, WeComError, WeComSettings};
use wecom_sim::{RunningSim, ScanRequest, SimConfig};

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

/// Sends `body` to `api` without the client's checks; returns the errcode.
async fn raw(sim: &RunningSim, c: &WeComClient, api: &str, body: &Value) -> i64 {
    let token = c.access_token().await.unwrap();
    let v: Value = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!(
            "{}/cgi-bin/{api}?access_token={token}",
            sim.base_url
        ))
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["errcode"].as_i64().unwrap()
}

fn single(user: &str) -> ContactWay {
    ContactWay {
        type_: 1,
        scene: 2,
        user: vec![user.to_owned()],
        ..ContactWay::default()
    }
}

fn temp(conclusions: Conclusions) -> ContactWay {
    ContactWay {
        is_temp: Some(true),
        conclusions: Some(conclusions),
        ..single("zhangsan")
    }
}

fn link(title: &str, url: &str, desc: Option<String>) -> Conclusions {
    Conclusions {
        link: Some(LinkAttachment {
            title: title.into(),
            picurl: None,
            desc,
            url: url.into(),
        }),
        ..Conclusions::default()
    }
}

fn mini(title: &str, pic: &str, appid: &str, page: &str) -> Conclusions {
    Conclusions {
        miniprogram: Some(MiniprogramAttachment {
            title: title.into(),
            pic_media_id: pic.into(),
            appid: appid.into(),
            page: page.into(),
        }),
        ..Conclusions::default()
    }
}

#[tokio::test]
async fn validate_names_the_field_and_the_simulator_refuses_the_same_request() {
    let sim = sim().await;
    let c = client(&sim);
    let many: Vec<String> = (0..101).map(|i| format!("m{i}")).collect();
    let cases: Vec<(&str, ContactWay, i64)> = vec![
        (
            "type",
            ContactWay {
                type_: 3,
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "scene",
            ContactWay {
                scene: 3,
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "style",
            ContactWay {
                scene: 1,
                style: Some(4),
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "style",
            ContactWay {
                type_: 2,
                scene: 1,
                style: Some(3),
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "remark",
            ContactWay {
                remark: Some("长".repeat(31)),
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "state",
            ContactWay {
                state: Some("s".repeat(31)),
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "user",
            ContactWay {
                user: vec![],
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "user",
            ContactWay {
                user: vec!["zhangsan".into(), "lisi".into()],
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "party",
            ContactWay {
                party: vec![2],
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "user",
            ContactWay {
                type_: 2,
                user: vec![],
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "user",
            ContactWay {
                type_: 2,
                user: many,
                ..single("zhangsan")
            },
            41041,
        ),
        (
            "is_temp",
            ContactWay {
                type_: 2,
                is_temp: Some(true),
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "expires_in",
            ContactWay {
                is_temp: Some(true),
                expires_in: Some(1_209_601),
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "chat_expires_in",
            ContactWay {
                is_temp: Some(true),
                chat_expires_in: Some(1_209_601),
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "conclusions",
            ContactWay {
                conclusions: Some(Conclusions {
                    text: Some(Text {
                        content: "x".into(),
                    }),
                    ..Conclusions::default()
                }),
                ..single("zhangsan")
            },
            40058,
        ),
        (
            "conclusions.text.content",
            temp(Conclusions {
                text: Some(Text {
                    content: "a".repeat(4001),
                }),
                ..Conclusions::default()
            }),
            40058,
        ),
        (
            "conclusions.image",
            temp(Conclusions {
                image: Some(ImageAttachment::default()),
                ..Conclusions::default()
            }),
            40058,
        ),
        (
            "conclusions.link.title",
            temp(link("", "https://e.com", None)),
            40058,
        ),
        (
            "conclusions.link.title",
            temp(link(&"t".repeat(129), "https://e.com", None)),
            40058,
        ),
        ("conclusions.link.url", temp(link("t", "", None)), 40058),
        (
            "conclusions.link.desc",
            temp(link("t", "https://e.com", Some("d".repeat(513)))),
            40058,
        ),
        (
            "conclusions.miniprogram.title",
            temp(mini(&"t".repeat(65), "p", "wx1", "/p")),
            40058,
        ),
        (
            "conclusions.miniprogram.title",
            temp(mini("", "p", "wx1", "/p")),
            40058,
        ),
        (
            "conclusions.miniprogram.pic_media_id",
            temp(mini("t", "", "wx1", "/p")),
            40058,
        ),
        (
            "conclusions.miniprogram.appid",
            temp(mini("t", "p", "", "/p")),
            40058,
        ),
        (
            "conclusions.miniprogram.page",
            temp(mini("t", "p", "wx1", "")),
            40058,
        ),
    ];
    for (field, way, code) in cases {
        let err = way.validate().unwrap_err();
        assert_eq!(err.field, field, "{err}");
        match c.add_contact_way(&way).await.unwrap_err() {
            WeComError::InvalidRequest { api, rule } => {
                assert_eq!(api, "externalcontact/add_contact_way");
                assert_eq!(rule, err, "the client refuses with the model's rule");
            }
            other => panic!("{field}: {other}"),
        }
        let body = serde_json::to_value(&way).unwrap();
        assert_eq!(
            raw(&sim, &c, "externalcontact/add_contact_way", &body).await,
            code,
            "{field}"
        );
    }
    // The limits themselves pass on both sides.
    let edge = ContactWay {
        remark: Some("长".repeat(30)),
        state: Some("s".repeat(30)),
        is_temp: Some(true),
        expires_in: Some(1_209_600),
        chat_expires_in: Some(1_209_600),
        conclusions: Some(Conclusions {
            text: Some(Text {
                content: "a".repeat(4000),
            }),
            link: link(&"t".repeat(128), "https://e.com", Some("d".repeat(512))).link,
            miniprogram: mini(&"t".repeat(64), "p", "wx1", "/p").miniprogram,
            image: None,
        }),
        ..single("zhangsan")
    };
    edge.validate().unwrap();
    c.add_contact_way(&edge).await.unwrap();
    // What only WeCom knows comes back as its errcode.
    let err = c.add_contact_way(&single("ghost")).await.unwrap_err();
    assert_eq!(err.errcode(), Some(60111));
}

#[tokio::test]
async fn contact_ways_round_trip_through_the_client() {
    let sim = sim().await;
    let c = client(&sim);
    let way = ContactWay {
        style: Some(2),
        remark: Some("小红书".into()),
        skip_verify: Some(false),
        state: Some("xhs_1".into()),
        is_temp: Some(true),
        expires_in: Some(3600),
        chat_expires_in: Some(7200),
        unionid: Some("oUnion".into()),
        is_exclusive: Some(true),
        conclusions: Some(Conclusions {
            text: Some(Text {
                content: "感谢咨询".into(),
            }),
            image: Some(ImageAttachment {
                media_id: None,
                pic_url: Some("https://p/1.png".into()),
            }),
            link: link("预约", "https://e.com/a", Some("d".into())).link,
            miniprogram: mini("小程序", "P", "wx1", "/pages/a").miniprogram,
        }),
        ..single("zhangsan")
    };
    let added = c.add_contact_way(&way).await.unwrap();
    let qr = added.qr_code.clone().unwrap();
    assert!(
        qr.starts_with(&sim.base_url) && qr.ends_with(".png"),
        "{qr}"
    );
    let got = c.get_contact_way(&added.config_id).await.unwrap();
    assert_eq!(got.config_id, added.config_id);
    assert_eq!((got.type_, got.scene, got.style), (1, 2, Some(2)));
    assert_eq!(got.remark, "小红书");
    assert!(!got.skip_verify);
    assert_eq!(got.state, "xhs_1");
    assert_eq!(got.qr_code.as_deref(), Some(qr.as_str()));
    assert_eq!(got.user, ["zhangsan"]);
    assert!(got.is_temp && got.is_exclusive);
    assert_eq!(
        (got.expires_in, got.chat_expires_in),
        (Some(3600), Some(7200))
    );
    assert_eq!(got.unionid.as_deref(), Some("oUnion"));
    assert_eq!(got.conclusions, way.conclusions);

    // A multi-member way: update overwrites the users; list pages; delete.
    let multi = ContactWay {
        type_: 2,
        user: vec!["zhangsan".into(), "lisi".into()],
        ..single("zhangsan")
    };
    let m = c.add_contact_way(&multi).await.unwrap();
    c.update_contact_way(&UpdateContactWay {
        config_id: m.config_id.clone(),
        user: Some(vec!["wangwu".into()]),
        state: Some("dy".into()),
        ..UpdateContactWay::default()
    })
    .await
    .unwrap();
    let got = c.get_contact_way(&m.config_id).await.unwrap();
    assert_eq!(got.user, ["wangwu"]);
    assert_eq!(got.state, "dy");
    let bad = UpdateContactWay {
        config_id: m.config_id.clone(),
        remark: Some("长".repeat(31)),
        ..UpdateContactWay::default()
    };
    assert_eq!(bad.validate().unwrap_err().field, "remark");
    assert!(matches!(
        c.update_contact_way(&bad).await,
        Err(WeComError::InvalidRequest { .. })
    ));
    let body = serde_json::to_value(&bad).unwrap();
    assert_eq!(
        raw(&sim, &c, "externalcontact/update_contact_way", &body).await,
        40058
    );

    let third = c.add_contact_way(&single("lisi")).await.unwrap();
    let first = c.list_contact_way(None, None, None, Some(1)).await.unwrap();
    assert_eq!(
        first.contact_way,
        std::slice::from_ref(&m.config_id),
        "temp ways are not listed"
    );
    assert!(!first.next_cursor.is_empty());
    let second = c
        .list_contact_way(None, None, Some(&first.next_cursor), Some(1))
        .await
        .unwrap();
    assert_eq!(second.contact_way, std::slice::from_ref(&third.config_id));
    assert_eq!(second.next_cursor, "");
    assert!(matches!(
        c.list_contact_way(None, None, None, Some(1001)).await,
        Err(WeComError::InvalidRequest { .. })
    ));
    assert_eq!(
        raw(
            &sim,
            &c,
            "externalcontact/list_contact_way",
            &json!({ "limit": 1001 })
        )
        .await,
        40058
    );

    c.del_contact_way(&m.config_id).await.unwrap();
    let err = c.get_contact_way(&m.config_id).await.unwrap_err();
    assert_eq!(err.errcode(), Some(40058));
    assert!(matches!(
        c.get_contact_way("").await,
        Err(WeComError::InvalidRequest { .. })
    ));

    // A customer adds through the temp way; the session is closed through the client.
    let scanned = sim
        .sim
        .scan(ScanRequest::contact_way(&added.config_id))
        .await
        .unwrap();
    assert_eq!(scanned.userid, "zhangsan");
    assert_eq!(scanned.change_type, "add_half_external_contact");
    c.close_temp_chat("zhangsan", &scanned.external_userid)
        .await
        .unwrap();
    let again = c
        .close_temp_chat("zhangsan", &scanned.external_userid)
        .await
        .unwrap_err();
    assert_eq!(again.errcode(), Some(40058));
}

#[tokio::test]
async fn corp_tag_edits_remarks_and_app_texts_round_trip() {
    let sim = sim().await;
    let c = client(&sim);
    let group = c
        .add_corp_tag(&AddCorpTag {
            group_name: Some("来源".into()),
            tag: vec![
                NewTag {
                    name: "小红书".into(),
                    order: None,
                },
                NewTag {
                    name: "抖音".into(),
                    order: None,
                },
            ],
            ..AddCorpTag::default()
        })
        .await
        .unwrap();
    let tag = group.tag[0].id.clone();
    c.edit_corp_tag(&tag, Some("小红书笔记"), Some(9))
        .await
        .unwrap();
    let listed = c
        .get_corp_tag_list(std::slice::from_ref(&tag), &[])
        .await
        .unwrap();
    assert_eq!(listed[0].tag[0].name, "小红书笔记");
    assert_eq!(listed[0].tag[0].order, 9);
    assert!(matches!(
        c.edit_corp_tag(&tag, Some(&"长".repeat(31)), None).await,
        Err(WeComError::InvalidRequest { .. })
    ));
    c.del_corp_tag(std::slice::from_ref(&tag), &[])
        .await
        .unwrap();
    c.del_corp_tag(&[], std::slice::from_ref(&group.group_id))
        .await
        .unwrap();
    assert!(matches!(
        c.del_corp_tag(&[], &[]).await,
        Err(WeComError::InvalidRequest { .. })
    ));
    assert_eq!(
        c.del_corp_tag(&[tag], &[]).await.unwrap_err().errcode(),
        Some(40068)
    );

    // remark: round trip, and the client's limits match the simulator's.
    let scanned = sim.sim.scan(ScanRequest::new("lisi")).await.unwrap();
    let ext = scanned.external_userid.clone();
    c.remark(&Remark {
        userid: "lisi".into(),
        external_userid: ext.clone(),
        remark: Some("王女士".into()),
        description: Some("光子嫩肤意向".into()),
        remark_mobiles: Some(vec!["13800000000".into()]),
        ..Remark::default()
    })
    .await
    .unwrap();
    let detail = c.get_external_contact(&ext).await.unwrap();
    assert_eq!(detail.follow_user[0].remark, "王女士");
    assert_eq!(detail.follow_user[0].remark_mobiles, ["13800000000"]);
    for over in [
        Remark {
            remark: Some("长".repeat(21)),
            ..Remark::default()
        },
        Remark {
            description: Some("长".repeat(151)),
            ..Remark::default()
        },
        Remark {
            remark_company: Some("长".repeat(21)),
            ..Remark::default()
        },
    ] {
        let over = Remark {
            userid: "lisi".into(),
            external_userid: ext.clone(),
            ..over
        };
        assert!(matches!(
            c.remark(&over).await,
            Err(WeComError::InvalidRequest { .. })
        ));
        let body = serde_json::to_value(&over).unwrap();
        assert_eq!(raw(&sim, &c, "externalcontact/remark", &body).await, 40058);
    }

    // send_app_text: invaliduser comes back; the 2048-byte limit matches the simulator's 45002.
    let agent = sim.sim.current_config().agent_id;
    let invalid = c
        .send_app_text(
            &agent,
            &["zhangsan".into(), "ghost".into()],
            "新客户：王女士",
        )
        .await
        .unwrap();
    assert_eq!(invalid, ["ghost"]);
    assert_eq!(sim.sim.app_messages().len(), 1);
    let long = "a".repeat(2049);
    assert!(matches!(
        c.send_app_text(&agent, &["zhangsan".into()], &long).await,
        Err(WeComError::InvalidRequest { .. })
    ));
    let body = json!({ "touser": "zhangsan", "msgtype": "text", "agentid": agent, "text": { "content": long } });
    assert_eq!(raw(&sim, &c, "message/send", &body).await, 45002);
    let err = c
        .send_app_text(&agent, &["ghost".into()], "hi")
        .await
        .unwrap_err();
    assert_eq!(err.errcode(), Some(81013));
}
