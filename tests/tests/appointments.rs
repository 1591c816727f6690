//! Appointments (issue 14, item 2) through the admin API and the simulated WeCom: the
//! lifecycle and its refusals, reschedules kept in the history, the calendar and the
//! consultant's scope; the confirmation on booking and the D-1 reminder as single-customer
//! group-send tasks plus an app message to the consultant (once, deferred out of quiet
//! hours, fired by the schedule when the clock reaches it); and the booking system's own
//! credential.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use admin_api::Role;
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, eventually, on_both_backends, scan_key};

on_both_backends!(
    the_lifecycle_moves_as_allowed_and_keeps_reschedules_in_the_history,
    a_booking_makes_one_confirmation_task_and_tells_the_consultant,
    the_reminder_fires_once_when_the_clock_reaches_it_and_waits_out_quiet_hours,
    the_booking_credential_books_once_finds_customers_and_reaches_nothing_else,
    a_confirmation_over_the_customers_quota_waits_for_the_next_allowed_time,
);

/// 2027-03-01 10:00 Asia/Shanghai: outside quiet hours (22:00–08:00).
const T0: i64 = 1_803_866_400_000;
/// 2027-03-04 15:00 Shanghai (its D-1 reminder: 2027-03-03 15:00).
const VISIT_A: i64 = 1_804_143_600_000;
const REMIND_A: i64 = 1_804_057_200_000;
/// 2027-03-04 23:30 Shanghai: its reminder (2027-03-03 23:30) falls in quiet hours and waits
/// for 2027-03-04 08:00.
const VISIT_B: i64 = 1_804_174_200_000;
const REMIND_B: i64 = 1_804_087_800_000;
const QUIET_END_B: i64 = 1_804_118_400_000;
const DAY: i64 = 86_400_000;

async fn customer_of(h: &Harness, userid: &str) -> String {
    let scan = h.scan(userid, "xiaohongshu").await;
    h.processed(&scan_key(&scan)).await;
    scan["external_userid"].as_str().unwrap().to_owned()
}

async fn book(h: &Harness, ext: &str, at: i64, item: &str) -> Value {
    let (status, body) = h
        .api(
            Method::POST,
            "/api/appointments",
            Some(json!({"external_userid": ext, "scheduled_at_ms": at, "item": item})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn appointment(h: &Harness, id: &str) -> Value {
    let (status, body) = h
        .api(Method::GET, &format!("/api/appointments/{id}"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn set_status(h: &Harness, id: &str, status: &str) -> (u16, Value) {
    h.api(
        Method::POST,
        &format!("/api/appointments/{id}/status"),
        Some(json!({"status": status})),
    )
    .await
}

/// The group-send tasks WeCom holds for one customer, with their text.
async fn tasks_for(h: &Harness, ext: &str) -> Vec<Value> {
    h.group_msgs()
        .await
        .into_iter()
        .filter(|m| {
            m["recipients"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["external_userid"] == ext)
                || m["fail_list"].as_array().unwrap().iter().any(|r| r == ext)
        })
        .collect()
}

/// The app messages WeCom accepted for one member, starting with `prefix`.
/// The appointment once its confirmation is created: the booking request creates it, unless
/// a round of the schedule running at that moment claimed it first (the answer then shows it
/// `creating` for a moment).
async fn confirmed(h: &Harness, booked: &Value) -> Value {
    let id = booked["id"].as_str().unwrap().to_owned();
    eventually("the confirmation created", || async {
        let a = appointment(h, &id).await;
        (a["confirmation"]["state"] == "created").then_some(a)
    })
    .await
}

/// The consultant's app messages starting with `prefix`, once there are `n` of them (the run
/// that records a task sends the message right after).
async fn app_messages_at_least(h: &Harness, userid: &str, prefix: &str, n: usize) -> Vec<String> {
    eventually(&format!("{n} app messages {prefix}"), || async {
        let told = app_messages(h, userid, prefix).await;
        (told.len() >= n).then_some(told)
    })
    .await
}

async fn app_messages(h: &Harness, userid: &str, prefix: &str) -> Vec<String> {
    h.control_get("app-messages")
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["touser"].as_array().unwrap().iter().any(|u| u == userid))
        .map(|m| m["content"].as_str().unwrap_or("").to_owned())
        .filter(|c| c.starts_with(prefix))
        .collect()
}

async fn the_lifecycle_moves_as_allowed_and_keeps_reschedules_in_the_history(backend: Backend) {
    let h = Harness::start(backend).await;
    h.advance_clock_to_ms(T0);
    let ext = customer_of(&h, "zhangsan").await;
    let booked = book(&h, &ext, VISIT_A, "水光针").await;
    let id = booked["id"].as_str().unwrap().to_owned();
    assert_eq!(booked["status"], "booked");
    // The customer's own consultant looks after it.
    assert_eq!(booked["userid"], "zhangsan");

    // Completing a visit that has not happened is refused, in Chinese, and changes nothing.
    let (status, refused) = set_status(&h, &id, "completed").await;
    assert_eq!(status, 409, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("已预约") && message.contains("已完成"),
        "{message}"
    );
    let (status, bad) = set_status(&h, &id, "gone").await;
    assert_eq!(status, 400, "{bad}");
    assert_eq!(bad["error"]["field"], "status");
    assert_eq!(appointment(&h, &id).await["status"], "booked");

    let (status, confirmed) = set_status(&h, &id, "confirmed").await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["status"], "confirmed");

    // A reschedule: the new time, back to booked (to be confirmed again), who and when kept.
    h.advance_clock_to_ms(T0 + 60_000);
    let (status, moved) = h
        .api(
            Method::POST,
            &format!("/api/appointments/{id}/reschedule"),
            Some(json!({"scheduled_at_ms": VISIT_A + DAY, "note": "客户改到周五"})),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["scheduled_at_ms"], VISIT_A + DAY);
    assert_eq!(moved["status"], "booked");
    let history = moved["history"].as_array().unwrap();
    let change = history
        .iter()
        .find(|c| c["kind"] == "reschedule")
        .unwrap_or_else(|| panic!("no reschedule in {history:?}"));
    assert_eq!(change["by"], "local-admin");
    let at = change["at_ms"].as_i64().unwrap();
    assert!((T0 + 60_000..T0 + 120_000).contains(&at), "{change}");
    assert_eq!(change["from"], "3月4日 15:00");
    assert_eq!(change["to"], "3月5日 15:00");
    assert_eq!(change["note"], "客户改到周五");
    assert!(
        history
            .iter()
            .any(|c| c["kind"] == "status" && c["from"] == "booked" && c["to"] == "confirmed")
    );

    // The calendar: the new day holds it, the old one no longer does.
    let range = |from: i64, to: i64| format!("/api/appointments?from={from}&to={to}");
    let (status, day) = h
        .api(
            Method::GET,
            &range(VISIT_A + DAY - 3_600_000, VISIT_A + DAY + 3_600_000),
            None,
        )
        .await;
    assert_eq!(status, 200, "{day}");
    assert_eq!(day["items"].as_array().unwrap().len(), 1, "{day}");
    assert_eq!(day["items"][0]["id"], id.as_str());
    assert!(day["items"][0]["customer_name"].as_str().is_some());
    let (_, old_day) = h
        .api(
            Method::GET,
            &range(VISIT_A - 3_600_000, VISIT_A + 3_600_000),
            None,
        )
        .await;
    assert_eq!(old_day["items"], json!([]), "{old_day}");
    let (status, too_long) = h.api(Method::GET, &range(T0, T0 + 90 * DAY), None).await;
    assert_eq!(status, 400, "{too_long}");

    // Arrived, then completed; an arrived visit can no longer be cancelled or moved.
    let (status, arrived) = set_status(&h, &id, "arrived").await;
    assert_eq!(status, 200, "{arrived}");
    let (status, _) = set_status(&h, &id, "cancelled").await;
    assert_eq!(status, 409);
    let (status, _) = h
        .api(
            Method::POST,
            &format!("/api/appointments/{id}/reschedule"),
            Some(json!({"scheduled_at_ms": VISIT_A + 2 * DAY})),
        )
        .await;
    assert_eq!(status, 409);
    let (status, done) = set_status(&h, &id, "completed").await;
    assert_eq!(status, 200, "{done}");

    // The status filter and the customer's own list.
    let week = range(T0, T0 + 7 * DAY);
    let (_, completed) = h
        .api(Method::GET, &format!("{week}&status=completed"), None)
        .await;
    assert_eq!(completed["items"].as_array().unwrap().len(), 1);
    let (_, open) = h
        .api(
            Method::GET,
            &format!("{week}&status=booked,confirmed"),
            None,
        )
        .await;
    assert_eq!(open["items"], json!([]));
    let (status, list) = h
        .api(
            Method::GET,
            &format!("/api/customers/{ext}/appointments"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"][0]["status"], "completed");

    // A cancelled booking, and a second customer's booking another consultant follows.
    let other = book(&h, &ext, VISIT_B, "光子嫩肤").await;
    let (status, cancelled) = set_status(&h, other["id"].as_str().unwrap(), "cancelled").await;
    assert_eq!(status, 200, "{cancelled}");
    let (status, _) = set_status(&h, other["id"].as_str().unwrap(), "arrived").await;
    assert_eq!(status, 409);
    let lisi_customer = customer_of(&h, "lisi").await;
    book(&h, &lisi_customer, VISIT_A, "热玛吉").await;

    // A consultant sees the appointments of the customers they follow, and only those.
    let zhangsan = h.staff_token(Role::Consultant, Some("zhangsan"));
    let (status, theirs) = h.api_as(&zhangsan, Method::GET, &week, None).await;
    assert_eq!(status, 200, "{theirs}");
    let customers: Vec<&str> = theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["external_userid"].as_str().unwrap())
        .collect();
    assert_eq!(customers, vec![ext.as_str(), ext.as_str()], "{theirs}");
    let lisi = h.staff_token(Role::Consultant, Some("lisi"));
    let (status, refused) = h
        .api_as(&lisi, Method::GET, &format!("/api/appointments/{id}"), None)
        .await;
    assert_eq!(status, 403, "{refused}");
    let (status, _) = h
        .api_as(
            &lisi,
            Method::POST,
            &format!("/api/appointments/{id}/status"),
            Some(json!({"status": "no_show"})),
        )
        .await;
    assert_eq!(status, 403);
    // An unknown appointment.
    let (status, _) = h
        .api(
            Method::GET,
            "/api/appointments/0123456789abcdef0123456789ab",
            None,
        )
        .await;
    assert_eq!(status, 404);
    h.shutdown().await;
}

async fn a_booking_makes_one_confirmation_task_and_tells_the_consultant(backend: Backend) {
    let h = Harness::start(backend).await;
    h.advance_clock_to_ms(T0);
    let ext = customer_of(&h, "zhangsan").await;
    let booked = confirmed(&h, &book(&h, &ext, VISIT_A, "水光针").await).await;
    // The confirmation went at once: one task for zhangsan to confirm, to this customer only.
    let tasks = tasks_for(&h, &ext).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = &tasks[0];
    assert_eq!(task["creator"], "zhangsan");
    assert_eq!(task["recipients"].as_array().unwrap().len(), 1);
    let text = task["text"].as_str().unwrap();
    assert!(
        text.contains("3月4日 15:00") && text.contains("「水光针」"),
        "{text}"
    );
    assert_eq!(booked["confirmation"]["msgid"], task["msgid"]);
    let told = app_messages_at_least(&h, "zhangsan", "【预约确认】", 1).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("群发助手"), "{}", told[0]);
    // The history shows it; the reminder waits for the day before.
    let history = booked["history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .any(|c| c["kind"] == "confirmation" && c["to"] == "created"),
        "{history:?}"
    );
    assert_eq!(booked["reminder"]["state"], "pending");
    assert_eq!(booked["reminder"]["due_at_ms"], REMIND_A);

    // Later rounds of the schedule send nothing more.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    h.settled().await;
    assert_eq!(tasks_for(&h, &ext).await.len(), 1);
    assert_eq!(app_messages(&h, "zhangsan", "【预约确认】").await.len(), 1);

    // A reschedule is confirmed again (its own task).
    let id = booked["id"].as_str().unwrap();
    let (status, moved) = h
        .api(
            Method::POST,
            &format!("/api/appointments/{id}/reschedule"),
            Some(json!({"scheduled_at_ms": VISIT_A + 3_600_000})),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    let moved = confirmed(&h, &moved).await;
    assert_eq!(moved["confirmation"]["state"], "created", "{moved}");
    let tasks = tasks_for(&h, &ext).await;
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    assert!(tasks[1]["text"].as_str().unwrap().contains("3月4日 16:00"));

    // With confirmations switched off a booking makes no task.
    let (status, config) = h
        .api(
            Method::PUT,
            "/api/config",
            Some(json!({"appointments": {"confirmation": false, "reminder_days_before": 1}})),
        )
        .await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["appointments"]["confirmation"], false);
    let other = customer_of(&h, "zhangsan").await;
    let quiet = book(&h, &other, VISIT_A, "水光针").await;
    assert_eq!(quiet["confirmation"], Value::Null, "{quiet}");
    assert!(tasks_for(&h, &other).await.is_empty());
    h.shutdown().await;
}

async fn the_reminder_fires_once_when_the_clock_reaches_it_and_waits_out_quiet_hours(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    h.advance_clock_to_ms(T0);
    let a = customer_of(&h, "zhangsan").await;
    let b = customer_of(&h, "zhangsan").await;
    let visit_a = book(&h, &a, VISIT_A, "水光针").await;
    let visit_b = book(&h, &b, VISIT_B, "光子嫩肤").await;
    let (id_a, id_b) = (
        visit_a["id"].as_str().unwrap().to_owned(),
        visit_b["id"].as_str().unwrap().to_owned(),
    );
    assert_eq!(visit_b["reminder"]["due_at_ms"], REMIND_B);
    assert_eq!(tasks_for(&h, &a).await.len(), 1);

    // The day before A's visit, at its time: the schedule creates A's reminder.
    h.advance_clock_to_ms(REMIND_A + 30_000);
    let reminder = eventually("A's reminder", || async {
        let r = appointment(&h, &id_a).await["reminder"].clone();
        (r["state"] == "created").then_some(r)
    })
    .await;
    let tasks = tasks_for(&h, &a).await;
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    let text = tasks[1]["text"].as_str().unwrap();
    assert!(
        text.starts_with("温馨提醒") && text.contains("3月4日 15:00"),
        "{text}"
    );
    assert_eq!(reminder["msgid"], tasks[1]["msgid"]);
    let told = app_messages_at_least(&h, "zhangsan", "【预约提醒】", 1).await;
    assert_eq!(told.len(), 1, "{told:?}");
    // B's is not due yet.
    assert_eq!(appointment(&h, &id_b).await["reminder"]["state"], "pending");
    assert_eq!(tasks_for(&h, &b).await.len(), 1);

    // Rounds after it create nothing more.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(tasks_for(&h, &a).await.len(), 2);
    assert_eq!(app_messages(&h, "zhangsan", "【预约提醒】").await.len(), 1);

    // B's reminder time is inside quiet hours: it waits for their end.
    h.advance_clock_to_ms(REMIND_B + 30_000);
    let deferred = eventually("B's reminder deferred", || async {
        let r = appointment(&h, &id_b).await["reminder"].clone();
        (r["reason"] == "quiet_hours").then_some(r)
    })
    .await;
    assert_eq!(deferred["state"], "pending");
    assert_eq!(deferred["due_at_ms"], QUIET_END_B);
    assert_eq!(tasks_for(&h, &b).await.len(), 1);

    h.advance_clock_to_ms(QUIET_END_B + 30_000);
    eventually("B's reminder", || async {
        (appointment(&h, &id_b).await["reminder"]["state"] == "created").then_some(())
    })
    .await;
    assert_eq!(tasks_for(&h, &b).await.len(), 2);
    assert_eq!(
        app_messages_at_least(&h, "zhangsan", "【预约提醒】", 2)
            .await
            .len(),
        2
    );

    // A cancelled appointment gets no reminder.
    let c = customer_of(&h, "zhangsan").await;
    let visit_c = book(&h, &c, QUIET_END_B + 3 * DAY, "热玛吉").await;
    let id_c = visit_c["id"].as_str().unwrap();
    let (status, _) = set_status(&h, id_c, "cancelled").await;
    assert_eq!(status, 200);
    h.advance_clock_to_ms(QUIET_END_B + 2 * DAY + 60_000);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let r = appointment(&h, id_c).await["reminder"].clone();
    assert_eq!(r["state"], "skipped", "{r}");
    assert_eq!(tasks_for(&h, &c).await.len(), 1);
    h.shutdown().await;
}

async fn the_booking_credential_books_once_finds_customers_and_reaches_nothing_else(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    h.advance_clock_to_ms(T0);
    let ext = customer_of(&h, "zhangsan").await;
    let (status, body) = h
        .api(
            Method::PATCH,
            &format!("/api/customers/{ext}"),
            Some(json!({"phone": "13800138000"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let customer = h.customers.get(&ext).await.unwrap().unwrap();
    let booking = h.staff_token(Role::Booking, None);

    // Lookup by phone and by unionid: the id and a masked name, nothing else.
    let (status, found) = h
        .api_as(
            &booking,
            Method::GET,
            "/api/booking/customers?phone=13800138000",
            None,
        )
        .await;
    assert_eq!(status, 200, "{found}");
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{found}");
    assert_eq!(items[0]["external_userid"], ext.as_str());
    let masked = items[0]["masked_name"].as_str().unwrap();
    assert!(masked.ends_with('*') && masked != customer.name, "{masked}");
    assert_eq!(
        items[0].as_object().unwrap().len(),
        2,
        "only the id and masked name: {found}"
    );
    let unionid = customer.unionid.clone().unwrap();
    let (status, by_unionid) = h
        .api_as(
            &booking,
            Method::GET,
            &format!("/api/booking/customers?unionid={unionid}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{by_unionid}");
    assert_eq!(by_unionid["items"][0]["external_userid"], ext.as_str());
    let (status, none) = h
        .api_as(
            &booking,
            Method::GET,
            "/api/booking/customers?phone=13900139000",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(none["items"], json!([]));
    let (status, bad) = h
        .api_as(
            &booking,
            Method::GET,
            "/api/booking/customers?phone=123",
            None,
        )
        .await;
    assert_eq!(status, 400, "{bad}");
    assert_eq!(bad["error"]["field"], "phone");

    // Booking by phone, idempotent by the booking system's id: 201, then 200 with the same.
    let request = json!({
        "booking_id": "MP-20270301-0001", "phone": "13800138000",
        "scheduled_at_ms": VISIT_A, "item": "水光针"
    });
    let (status, first) = h
        .api_as(
            &booking,
            Method::POST,
            "/api/booking/appointments",
            Some(request.clone()),
        )
        .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["external_userid"], ext.as_str());
    assert_eq!(first["status"], "booked");
    for _ in 0..2 {
        let (status, again) = h
            .api_as(
                &booking,
                Method::POST,
                "/api/booking/appointments",
                Some(request.clone()),
            )
            .await;
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["id"], first["id"]);
    }
    let (status, read) = h
        .api_as(
            &booking,
            Method::GET,
            "/api/booking/appointments/MP-20270301-0001",
            None,
        )
        .await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["id"], first["id"]);
    // One appointment, from the mini-program, one confirmation task.
    let (_, list) = h
        .api(
            Method::GET,
            &format!("/api/customers/{ext}/appointments"),
            None,
        )
        .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["source"], "mini_program");
    assert_eq!(items[0]["booking_ref"], "MP-20270301-0001");
    assert_eq!(tasks_for(&h, &ext).await.len(), 1);
    // Another customer under the same booking id is refused; an unknown customer is 404.
    let other = customer_of(&h, "lisi").await;
    let (status, clash) = h
        .api_as(
            &booking,
            Method::POST,
            "/api/booking/appointments",
            Some(
                json!({"booking_id": "MP-20270301-0001", "external_userid": other,
                "scheduled_at_ms": VISIT_A, "item": "水光针"}),
            ),
        )
        .await;
    assert_eq!(status, 409, "{clash}");
    let (status, _) = h
        .api_as(
            &booking,
            Method::POST,
            "/api/booking/appointments",
            Some(json!({"booking_id": "MP-2", "unionid": "no-such-unionid",
                "scheduled_at_ms": VISIT_A, "item": "水光针"})),
        )
        .await;
    assert_eq!(status, 404);

    // Everything else is closed to it.
    for (method, path) in [
        (Method::GET, "/api/customers".to_owned()),
        (Method::GET, format!("/api/customers/{ext}")),
        (
            Method::GET,
            format!("/api/appointments?from={T0}&to={VISIT_A}"),
        ),
        (Method::POST, "/api/appointments".to_owned()),
        (Method::GET, "/api/config".to_owned()),
        (Method::GET, "/api/staff".to_owned()),
    ] {
        let (status, answer) = h.api_as(&booking, method.clone(), &path, None).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("预约系统"),
            "{answer}"
        );
    }
    // And the booking routes are closed to staff below admin.
    let consultant = h.staff_token(Role::Consultant, Some("zhangsan"));
    let (status, _) = h
        .api_as(
            &consultant,
            Method::GET,
            "/api/booking/customers?phone=13800138000",
            None,
        )
        .await;
    assert_eq!(status, 403);
    h.shutdown().await;
}

async fn a_confirmation_over_the_customers_quota_waits_for_the_next_allowed_time(backend: Backend) {
    let h = Harness::start(backend).await;
    h.advance_clock_to_ms(T0);
    // WeCom's per-customer rule set to one group message a day (群发助手 → 群发规则).
    let (status, body) = h
        .api(
            Method::PUT,
            "/api/config",
            Some(
                json!({"send_rules": {"daily_cap_per_customer": 3, "quiet_start": "22:00",
                "quiet_end": "08:00", "wecom_quota": "day"}}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let ext = customer_of(&h, "zhangsan").await;
    confirmed(&h, &book(&h, &ext, VISIT_A, "水光针").await).await;
    // A second booking the same day: its confirmation would be the customer's second group
    // message today — it waits for tomorrow, after quiet hours (08:00).
    let second = book(&h, &ext, VISIT_B, "光子嫩肤").await;
    let waiting = &second["confirmation"];
    assert_eq!(waiting["state"], "pending", "{second}");
    assert_eq!(waiting["reason"], "wecom_quota");
    let tomorrow_8am = T0 + 22 * 3_600_000;
    assert_eq!(waiting["due_at_ms"], tomorrow_8am);
    assert_eq!(tasks_for(&h, &ext).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(tasks_for(&h, &ext).await.len(), 1, "still waiting");

    h.advance_clock_to_ms(tomorrow_8am + 30_000);
    let id = second["id"].as_str().unwrap();
    eventually("the second confirmation", || async {
        (appointment(&h, id).await["confirmation"]["state"] == "created").then_some(())
    })
    .await;
    let tasks = tasks_for(&h, &ext).await;
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    assert!(tasks[1]["text"].as_str().unwrap().contains("「光子嫩肤」"));
    h.shutdown().await;
}
