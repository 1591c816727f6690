//! `GET /sim/control`: the list of control routes.

use axum::response::Response;
use serde_json::json;

use super::common::json_ok;

pub(crate) async fn index() -> Response {
    json_ok(json!({
        "routes": [
            "POST /sim/control/scan",
            "POST /sim/control/edit",
            "POST /sim/control/delete",
            "POST /sim/control/transfer-fail",
            "POST /sim/control/staff/resign",
            "POST /sim/control/transfer/refuse",
            "POST /sim/control/transfer/limit",
            "GET /sim/control/transfers",
            "POST /sim/control/tag-event",
            "POST /sim/control/app-message",
            "POST /sim/control/raw-callback",
            "POST /sim/control/verify-url",
            "GET /sim/control/state",
            "GET /sim/control/welcome-messages",
            "GET /sim/control/app-messages",
            "GET /sim/control/deliveries",
            "GET /sim/control/calls",
            "POST /sim/control/calls/reset",
            "GET|POST|DELETE /sim/control/faults",
            "POST /sim/control/tokens/expire",
            "POST /sim/control/tokens/invalidate",
            "GET|PUT /sim/control/callback-url",
            "POST /sim/control/staff",
            "POST /sim/control/behavior",
            "GET /sim/qr/{config_id}.png",
            "POST /sim/control/clock/advance",
            "POST /sim/control/seed",
            "POST /sim/control/silent",
            "POST /sim/control/groupmsg/confirm",
            "GET /sim/control/groupmsgs",
            "GET|POST /sim/control/groupmsg/quota",
            "POST /sim/control/groupmsg/received",
            "GET /sim/control/media",
            "POST /sim/control/media/expire",
        ]
    }))
}
