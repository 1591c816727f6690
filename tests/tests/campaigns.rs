//! The seed's scenario 2 end to end, through HTTP: among 1 000 customers, the 200 women of
//! tier A or B without a purchase in 30 days are targeted by a campaign scheduled for later. At
//! that time one group-send task per consultant is created, consultants confirm (or not) in
//! WeCom, recipients become sent (or over quota), tracked-link clicks and appointments arrive,
//! and the funnel with its tier breakdown is exactly right; a cancel stops what is unsent.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, on_both_backends};

on_both_backends!(
    scenario_2_a_scheduled_campaign_to_tier_a_and_b_women_without_a_recent_purchase,
    a_campaign_due_in_quiet_hours_is_deferred_to_their_end_not_dropped,
);

const DAY_MS: i64 = 86_400_000;

async fn purchase(h: &Harness, id: &str, at_ms: i64) {
    let (status, answer) = h
        .api(
            Method::POST,
            "/api/purchases",
            Some(json!({"external_userid": id, "amount_fen": 68000, "item": "光子嫩肤", "purchased_at_ms": at_ms})),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
}

/// The tracked URL in a task's text.
fn tracked_url(text: &str) -> String {
    let start = text.find("http://").unwrap();
    text[start..]
        .split(|c: char| c.is_whitespace() || !c.is_ascii())
        .next()
        .unwrap()
        .to_owned()
}

/// Moves time to the campaign's `send_at` and fires its run the way its one-time schedule
/// does. Embedded: the in-process scheduler fires it on its next tick. Moto stores the
/// EventBridge schedule and never fires it: the schedule is checked, then the campaign
/// function is invoked with the sample event.
async fn fire_schedule(h: &Harness, campaign_id: &str, send_at_ms: i64) {
    h.advance_clock_to_ms(send_at_ms);
    if let Some(eventbridge) = &h.eventbridge {
        let name = format!("campaign-{campaign_id}");
        let schedule = eventbridge
            .client()
            .get_schedule()
            .group_name(eventbridge.group())
            .name(&name)
            .send()
            .await
            .unwrap();
        assert_eq!(
            schedule.schedule_expression_timezone(),
            Some("Asia/Shanghai")
        );
        let expected = chrono::DateTime::from_timestamp_millis(send_at_ms + 8 * 3_600_000)
            .unwrap()
            .format("at(%Y-%m-%dT%H:%M:%S)")
            .to_string();
        assert_eq!(schedule.schedule_expression(), Some(expected.as_str()));
        assert_eq!(
            schedule.action_after_completion().map(|a| a.as_str()),
            Some("DELETE")
        );
        let input = schedule.target().unwrap().input().unwrap().to_owned();
        let sample = test_kit::samples::json("campaign/scheduler-run.json");
        let mut event = sample.clone();
        event["campaign_id"] = json!(campaign_id);
        assert_eq!(serde_json::from_str::<Value>(&input).unwrap(), event);
        campaigns::campaign::handle_event(&h.app.campaigns, event)
            .await
            .unwrap();
    }
}

async fn scenario_2_a_scheduled_campaign_to_tier_a_and_b_women_without_a_recent_purchase(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    h.without_quiet_hours().await;
    let seeded = h
        .control(
            "seed",
            json!({"staff": 3, "customers": 1000, "relationships_per_customer": 1.0,
                   "state_mix": ["xiaohongshu", "douyin"], "seed": 42}),
        )
        .await;
    assert_eq!(seeded["customers"], 1000, "{seeded}");
    // The clinic's 1 000 customers, imported with their CRM fields (the hourly sync's own path
    // is covered by admin_sync; here the customers only need to exist on both sides).
    let state = h.control_get("state").await;
    let now = h.now_ms();
    let mut women = Vec::new();
    let mut men = Vec::new();
    for c in state["contacts"].as_array().unwrap() {
        let id = c["external_userid"].as_str().unwrap().to_owned();
        if c["gender"] == 2 {
            women.push(id)
        } else {
            men.push(id)
        }
    }
    assert_eq!(women.len() + men.len(), 1000);
    assert!(
        women.len() > 300,
        "the seed gives enough women: {}",
        women.len()
    );
    women.sort();
    men.sort();
    let w = women.clone();
    // The audience: women 0..200 of tier A (0..100) and B (100..200), all consenting for
    // now. Not in it: women 200..230 tier A with a recent purchase, 230..260 tier C, 30 men A.
    let tier_of = |id: &String| -> Option<&str> {
        let i = w.iter().position(|x| x == id);
        match i {
            Some(i) if i < 100 => Some("A"),
            Some(i) if i < 200 => Some("B"),
            Some(i) if i < 230 => Some("A"),
            Some(i) if i < 260 => Some("C"),
            Some(_) => None,
            None if men.iter().take(30).any(|m| m == id) => Some("A"),
            None => None,
        }
    };
    let mut sender_of = BTreeMap::new();
    let mut channel_of = BTreeMap::new();
    let mut relationships = Vec::new();
    for r in state["relationships"].as_array().unwrap() {
        let id = r["external_userid"].as_str().unwrap().to_owned();
        sender_of.insert(id.clone(), r["userid"].as_str().unwrap().to_owned());
        channel_of.insert(id.clone(), r["state"].as_str().unwrap().to_owned());
        relationships.push(crm::model::Relationship {
            external_userid: id,
            userid: r["userid"].as_str().unwrap().to_owned(),
            state: r["state"].as_str().unwrap().to_owned(),
            createtime: r["createtime"].as_i64().unwrap(),
            add_way: 1,
            updated_at_ms: now,
            ..Default::default()
        });
    }
    let customers: Vec<crm::model::Customer> = state["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let id = c["external_userid"].as_str().unwrap().to_owned();
            let mut crm = serde_json::Map::new();
            if let Some(tier) = tier_of(&id) {
                crm.insert("tier".into(), json!(tier));
                crm.insert("marketing_consent".into(), json!(true));
            }
            crm::model::Customer {
                name: c["name"].as_str().unwrap().to_owned(),
                gender: c["gender"].as_i64().unwrap(),
                contact_type: 1,
                first_channel: channel_of[&id].clone(),
                first_added_at_ms: now - 90 * DAY_MS,
                updated_at_ms: now,
                external_userid: id,
                crm: crm.into(),
                ..Default::default()
            }
        })
        .collect();
    h.customers
        .import(&customers, &relationships)
        .await
        .unwrap();
    let tier_a: Vec<String> = w[0..100].to_vec();
    let tier_b: Vec<String> = w[100..200].to_vec();
    // Through the console: 30 of the audience last bought 40 days ago (still in it), women
    // 200..230 bought 5 days ago (out of it), 10 of the audience withdrew their consent.
    for id in &w[170..200] {
        purchase(&h, id, now - 40 * DAY_MS).await;
    }
    for id in &w[200..230] {
        purchase(&h, id, now - 5 * DAY_MS).await;
    }
    for i in (0..200).filter(|i| i % 20 == 7) {
        h.record_consent(&w[i], "marketing", false, "verbal").await;
    }
    let no_consent: BTreeSet<String> = (0..200)
        .filter(|i| i % 20 == 7)
        .map(|i| w[i].clone())
        .collect();
    assert_eq!(no_consent.len(), 10);
    // 5 consultants delete their customer (the product hears it: relationship ended) …
    let ended: Vec<String> = [3, 45, 101, 150, 199]
        .iter()
        .map(|i| w[*i].clone())
        .collect();
    for id in &ended {
        let deleted = h
            .control(
                "delete",
                json!({"userid": sender_of[id], "external_userid": id, "by": "staff"}),
            )
            .await;
        assert_eq!(deleted["fired"], true, "{deleted}");
        h.processed_event("change_external_contact/del_external_contact", Some(id))
            .await;
    }
    // … and 2 relationships vanish in WeCom without the product knowing (WeCom's fail_list).
    let vanished: Vec<String> = [12, 130].iter().map(|i| w[*i].clone()).collect();
    for id in &vanished {
        h.control(
            "silent",
            json!({"op": "remove_relationship", "userid": sender_of[id], "external_userid": id}),
        )
        .await;
    }
    // 3 customers already got a month's worth of group messages from their consultants.
    let over_quota: Vec<String> = [20, 60, 120].iter().map(|i| w[*i].clone()).collect();
    for id in &over_quota {
        h.control(
            "groupmsg/received",
            json!({"external_userid": id, "count": 31}),
        )
        .await;
    }

    let request = json!({
        "name": "双十二焕新季",
        "audience": {"type": "filter", "filter": {"gender": 2, "tiers": ["A", "B"], "no_purchase_days": 30}},
        "content": {
            "text": "亲爱的顾客，双十二焕新季限时优惠，详情 https://yanmei.example/double12 ，欢迎预约～",
            "attachments": [{"msgtype": "link", "title": "双十二焕新季", "url": "https://yanmei.example/book"}]
        },
        "send_at": chrono::DateTime::from_timestamp_millis(h.now_ms() + 4000).unwrap().to_rfc3339(),
    });
    // The dry run first: exact counts, nothing written.
    let (status, preview) = h
        .api(
            Method::POST,
            "/api/campaigns/preview",
            Some(request.clone()),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["complete"], true);
    assert_eq!(preview["targeted"], 200, "{preview}");
    assert_eq!(preview["skipped"]["no_consent"], 10, "{preview}");
    assert_eq!(preview["skipped"]["relationship_ended"], 5, "{preview}");
    assert_eq!(preview["would_send"], 185, "{preview}");
    let (status, campaigns) = h.api(Method::GET, "/api/campaigns", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        campaigns["items"].as_array().unwrap().len(),
        0,
        "a preview stores nothing"
    );

    let mut request = request;
    request["send_at"] = json!(
        chrono::DateTime::from_timestamp_millis(h.now_ms() + 4000)
            .unwrap()
            .to_rfc3339()
    );
    let (status, created) = h.api(Method::POST, "/api/campaigns", Some(request)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let send_at_ms = created["send_at_ms"].as_i64().unwrap();
    assert_eq!(created["status"], "scheduled");
    assert!(
        h.group_msgs().await.is_empty(),
        "nothing is sent before its time"
    );
    let (_, recipients) = h
        .api(
            Method::GET,
            &format!("/api/campaigns/{id}/recipients"),
            None,
        )
        .await;
    assert_eq!(recipients["items"].as_array().unwrap().len(), 0);

    fire_schedule(&h, &id, send_at_ms).await;
    let tracking = h.campaign_in(&id, "tracking").await;
    assert!(
        tracking["started_at_ms"].as_i64().unwrap() >= send_at_ms,
        "the run waited for its time"
    );

    // One task per consultant, each with exactly their customers.
    let ended_set: BTreeSet<&String> = ended.iter().collect();
    let queued: Vec<&String> = w[0..200]
        .iter()
        .filter(|id| !ended_set.contains(id) && !no_consent.contains(*id))
        .collect();
    assert_eq!(queued.len(), 185);
    let mut by_sender: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for id in &queued {
        by_sender
            .entry(sender_of[*id].clone())
            .or_default()
            .insert((*id).clone());
    }
    let tasks = h.group_msgs().await;
    assert_eq!(tasks.len(), by_sender.len(), "one task per consultant");
    let mut msgid_of = BTreeMap::new();
    for task in &tasks {
        let sender = task["creator"].as_str().unwrap().to_owned();
        let mut got: BTreeSet<String> = task["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["external_userid"].as_str().unwrap().to_owned())
            .collect();
        got.extend(
            task["fail_list"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned()),
        );
        assert_eq!(got, by_sender[&sender], "{sender}'s task");
        let text = task["text"].as_str().unwrap();
        assert!(
            !text.contains("yanmei.example"),
            "links are tracked: {text}"
        );
        assert!(text.contains("/t/"), "{text}");
        msgid_of.insert(sender, task["msgid"].as_str().unwrap().to_owned());
    }

    // Two consultants confirm; the third ignores the task.
    let senders: Vec<String> = by_sender.keys().cloned().collect();
    let (confirmed, ignored) = senders.split_at(senders.len() - 1);
    for userid in confirmed {
        h.control("groupmsg/confirm", json!({"userid": userid}))
            .await;
    }
    let confirmed_ids: BTreeSet<String> = confirmed
        .iter()
        .flat_map(|s| by_sender[s].iter().cloned())
        .collect();
    let vanished_set: BTreeSet<String> = vanished.iter().cloned().collect();
    let over_set: BTreeSet<String> = over_quota
        .iter()
        .filter(|id| confirmed_ids.contains(*id))
        .cloned()
        .collect();
    let sent: BTreeSet<String> = confirmed_ids
        .iter()
        .filter(|id| !vanished_set.contains(*id) && !over_set.contains(*id))
        .cloned()
        .collect();
    let awaiting: BTreeSet<String> = by_sender[&ignored[0]]
        .iter()
        .filter(|id| !vanished_set.contains(*id))
        .cloned()
        .collect();
    let funnel = h.funnel_reaches(&id, "sent", sent.len()).await;

    // Clicks: the tracked links of a confirmed task, opened by two visitors (two phones),
    // each twice: a visitor's repeated hits count once.
    let task = tasks
        .iter()
        .find(|t| t["creator"] == json!(confirmed[0]))
        .unwrap();
    let url = tracked_url(task["text"].as_str().unwrap());
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for hit in 0..4 {
        let phone = format!("MicroMessenger/8.0.50 Phone/{}", hit % 2);
        let answer = no_redirects
            .get(&url)
            .header("user-agent", phone)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 302);
        assert_eq!(
            answer.headers()["location"],
            "https://yanmei.example/double12"
        );
    }
    let unknown = no_redirects
        .get(h.url("/t/0123456789abcdef0123"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    // Bookings: 20 appointments and one purchase by sent recipients, one appointment by a
    // customer whose consultant has not sent (not booked: the message never reached them).
    let sent_list: Vec<String> = sent.iter().cloned().collect();
    for id in &sent_list[0..20] {
        let (status, body) = h
            .api(
                Method::POST,
                "/api/appointments",
                Some(
                    json!({"external_userid": id, "scheduled_at_ms": h.now_ms() + 3 * DAY_MS,
                            "item": "光子嫩肤", "source": "mini_program"}),
                ),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    purchase(&h, &sent_list[20], h.now_ms()).await;
    let awaiting_one = awaiting.iter().next().unwrap().clone();
    h.api(
        Method::POST,
        "/api/appointments",
        Some(
            json!({"external_userid": awaiting_one, "scheduled_at_ms": h.now_ms() + DAY_MS,
                    "item": "热玛吉", "source": "staff"}),
        ),
    )
    .await;
    let booked: BTreeSet<String> = sent_list[0..21].iter().cloned().collect();

    let c = h.campaign(&id).await;
    let f = &c["funnel"];
    assert_eq!(f["targeted"], 200, "{f}");
    assert_eq!(f["skipped"], 15, "{f}");
    assert_eq!(
        f["skipped_by_reason"],
        json!({"no_consent": 10, "relationship_ended": 5})
    );
    assert_eq!(f["task_created"], 185 - vanished.len(), "{f}");
    assert_eq!(f["failed"], vanished.len());
    assert_eq!(f["failed_by_reason"], json!({"wecom_fail_list": 2}));
    assert_eq!(f["sent"], sent.len());
    assert_eq!(f["over_quota"], over_set.len());
    assert_eq!(f["awaiting_staff"], awaiting.len());
    assert_eq!(f["clicks"], 2);
    assert_eq!(f["booked"], 21);
    // Per link: the clicked one counts its two visitors' clicks, every other link none.
    let token = url.rsplit("/t/").next().unwrap().to_owned();
    let (status, links) = h
        .api(
            Method::GET,
            &format!("/api/campaigns/{id}/links?limit=100"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{links}");
    let links = links["items"].as_array().unwrap();
    assert_eq!(
        links.len(),
        2 * by_sender.len(),
        "one link per URL of each task: {links:?}"
    );
    for link in links {
        let expected = if link["token"] == token.as_str() {
            2
        } else {
            0
        };
        assert_eq!(link["clicks"], expected, "{link}");
        assert!(
            link["url"]
                .as_str()
                .unwrap()
                .starts_with("https://yanmei.example/")
        );
    }
    assert!(f.get("open_rate").is_none() && f.get("opened").is_none());
    assert_eq!(funnel["targeted"], 200);
    // The tier breakdown.
    let count = |set: &BTreeSet<String>, tier: &[String]| {
        tier.iter().filter(|id| set.contains(*id)).count()
    };
    for (name, tier) in [("A", &tier_a), ("B", &tier_b)] {
        let row = &f["by_tier"][name];
        assert_eq!(row["targeted"], 100, "{name}: {row}");
        assert_eq!(row["sent"], count(&sent, tier), "{name}: {row}");
        assert_eq!(row["booked"], count(&booked, tier), "{name}: {row}");
        assert_eq!(
            row["awaiting_staff"],
            count(&awaiting, tier),
            "{name}: {row}"
        );
    }
    // The channel breakdown.
    for channel in ["xiaohongshu", "douyin"] {
        let in_channel: Vec<String> = w[0..200]
            .iter()
            .filter(|id| channel_of[*id] == channel)
            .cloned()
            .collect();
        assert_eq!(
            f["by_channel"][channel]["targeted"],
            in_channel.len(),
            "{channel}"
        );
        assert_eq!(
            f["by_channel"][channel]["sent"],
            count(&sent, &in_channel),
            "{channel}"
        );
    }
    // Each recipient's record says what happened and why.
    let (_, page) = h
        .api(
            Method::GET,
            &format!("/api/campaigns/{id}/recipients?limit=100"),
            None,
        )
        .await;
    let first = &page["items"][0];
    let (status, skipped) = h
        .api(
            Method::GET,
            &format!("/api/campaigns/{id}/recipients?limit=100&status=skipped"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{skipped}");
    let mut reasons: Vec<&str> = Vec::new();
    let mut skipped = skipped;
    loop {
        reasons.extend(skipped["items"].as_array().unwrap().iter().map(|r| {
            assert_eq!(r["status"], "skipped");
            if r["reason"] == "no_consent" {
                "no_consent"
            } else {
                "other"
            }
        }));
        let Some(next) = skipped["next_cursor"].as_str().map(str::to_owned) else {
            break;
        };
        skipped = h
            .api(
                Method::GET,
                &format!("/api/campaigns/{id}/recipients?limit=100&status=skipped&cursor={next}"),
                None,
            )
            .await
            .1;
    }
    assert_eq!(reasons.len(), 15);
    assert_eq!(reasons.iter().filter(|r| **r == "no_consent").count(), 10);
    let (status, bad) = h
        .api(
            Method::GET,
            &format!("/api/campaigns/{id}/recipients?status=opened"),
            None,
        )
        .await;
    assert_eq!(
        (status, bad["error"]["field"].clone()),
        (400, json!("status")),
        "there is no opened"
    );
    assert!(!first["history"].as_array().unwrap().is_empty(), "{first}");
    let (_, log) = h
        .api(
            Method::GET,
            &format!("/api/messages?external_userid={}", sent_list[0]),
            None,
        )
        .await;
    assert_eq!(log["items"][0]["status"], "sent", "{log}");
    assert_eq!(log["items"][0]["campaign_id"], id);

    // Cancel: the ignoring consultant's task is stopped in WeCom; what was sent stays sent.
    let (status, cancelled) = h
        .api(Method::POST, &format!("/api/campaigns/{id}/cancel"), None)
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let stopped = h
        .group_msgs()
        .await
        .into_iter()
        .find(|t| t["msgid"] == json!(msgid_of[&ignored[0]]))
        .unwrap();
    assert_eq!(stopped["cancelled"], true);
    let late = h
        .control("groupmsg/confirm", json!({"userid": ignored[0]}))
        .await;
    // (The consultant's other tasks — the confirmation of the appointment booked above — go.)
    assert!(
        !late["msgids"]
            .as_array()
            .unwrap()
            .contains(&json!(msgid_of[&ignored[0]])),
        "a cancelled task cannot be sent: {late}"
    );
    let f = h.campaign(&id).await["funnel"].clone();
    assert_eq!(f["cancelled"], awaiting.len());
    assert_eq!(f["awaiting_staff"], 0);
    assert_eq!(f["sent"], sent.len());
    let (status, again) = h
        .api(Method::POST, &format!("/api/campaigns/{id}/cancel"), None)
        .await;
    assert_eq!(status, 409, "{again}");
    h.shutdown().await;
}

/// Shanghai `HH:MM` of an instant.
fn hhmm(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
        .unwrap()
        .format("%H:%M")
        .to_string()
}

async fn a_campaign_due_in_quiet_hours_is_deferred_to_their_end_not_dropped(backend: Backend) {
    let h = Harness::start(backend).await;
    let scan = h.scan("zhangsan", "xiaohongshu").await;
    let customer = scan["external_userid"].as_str().unwrap().to_owned();
    h.processed(&tests::scan_key(&scan)).await;
    h.record_consent(&customer, "marketing", true, "written")
        .await;
    // Quiet hours from an hour ago to two hours from now.
    let now = h.now_ms();
    let (status, body) = h
        .api(
            Method::PUT,
            "/api/config",
            Some(json!({"send_rules": {"daily_cap_per_customer": 3,
                "quiet_start": hhmm(now - 3_600_000), "quiet_end": hhmm(now + 2 * 3_600_000)}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, created) = h
        .api(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "夜间测试", "audience": {"type": "customers", "external_userids": [customer]},
                        "content": {"text": "您好"}})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let deferred = h.campaign_in(&id, "deferred").await;
    let until = deferred["deferred_until_ms"].as_i64().unwrap();
    let end = hhmm(now + 2 * 3_600_000);
    assert_eq!(hhmm(until), end, "deferred to the end of the quiet hours");
    assert!(until > now && until <= now + 2 * 3_600_000 + 60_000);
    assert!(
        h.group_msgs().await.is_empty(),
        "nothing sent in quiet hours"
    );
    // The deferred run is a one-time schedule at the end of the quiet hours.
    let name = format!("campaign-{id}");
    match &h.eventbridge {
        Some(eventbridge) => {
            let schedule = eventbridge
                .client()
                .get_schedule()
                .group_name(eventbridge.group())
                .name(&name)
                .send()
                .await
                .unwrap();
            let expected = chrono::DateTime::from_timestamp_millis(until + 8 * 3_600_000)
                .unwrap()
                .format("at(%Y-%m-%dT%H:%M:%S)")
                .to_string();
            assert_eq!(schedule.schedule_expression(), Some(expected.as_str()));
        }
        None => {
            let scheduled = store_embedded::EmbeddedScheduler::new(h.store.clone());
            use ports::Scheduler as _;
            let s = scheduled.get(&name).await.unwrap().unwrap();
            assert_eq!(s.at_ms, until);
        }
    }
    h.shutdown().await;
}
