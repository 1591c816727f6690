//! The axum router: which handler serves each `/cgi-bin/…`, `/sim/qr/…` and `/sim/control/…`
//! route.

use axum::Router;
use axum::routing::{any, get, post};

use crate::sim::Simulator;
use crate::{api, control};

impl Simulator {
    /// The router serving `/cgi-bin/…` (the WeCom API) and `/sim/control/…` (the control API).
    /// It has no fallback, so it can be merged into another server's router.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/cgi-bin/{*path}", any(api::handle))
            .route("/sim/qr/{file}", get(api::contact_way::qr_image))
            .route("/sim/control", get(control::index::index))
            .route("/sim/control/scan", post(control::scan::scan))
            .route("/sim/control/seed", post(control::seed::seed))
            .route("/sim/control/silent", post(control::silent::silent))
            .route("/sim/control/edit", post(control::edit::edit))
            .route("/sim/control/delete", post(control::delete::delete))
            .route(
                "/sim/control/transfer-fail",
                post(control::transfer_fail::transfer_fail),
            )
            .route(
                "/sim/control/tag-event",
                post(control::tag_event::tag_event),
            )
            .route(
                "/sim/control/app-message",
                post(control::app_message::app_message),
            )
            .route(
                "/sim/control/raw-callback",
                post(control::callback::raw_callback),
            )
            .route(
                "/sim/control/verify-url",
                post(control::callback::verify_url),
            )
            .route("/sim/control/state", get(control::inspect::state))
            .route(
                "/sim/control/welcome-messages",
                get(control::inspect::welcome_messages),
            )
            .route(
                "/sim/control/app-messages",
                get(control::inspect::app_messages),
            )
            .route("/sim/control/deliveries", get(control::inspect::deliveries))
            .route("/sim/control/calls", get(control::inspect::calls))
            .route(
                "/sim/control/calls/reset",
                post(control::inspect::reset_calls),
            )
            .route(
                "/sim/control/faults",
                get(control::faults::list_faults)
                    .post(control::faults::add_faults)
                    .delete(control::faults::clear_faults),
            )
            .route(
                "/sim/control/tokens/expire",
                post(control::tokens::expire_tokens),
            )
            .route(
                "/sim/control/tokens/invalidate",
                post(control::tokens::invalidate_tokens),
            )
            .route(
                "/sim/control/callback-url",
                get(control::callback::get_callback_url).put(control::callback::put_callback_url),
            )
            .route("/sim/control/staff", post(control::staff::add_staff))
            .route("/sim/control/behavior", post(crate::behavior::seed))
            .route("/sim/control/staff/resign", post(control::handover::resign))
            .route(
                "/sim/control/transfer/refuse",
                post(control::handover::refuse),
            )
            .route(
                "/sim/control/transfer/limit",
                post(control::handover::limit),
            )
            .route("/sim/control/transfers", get(control::handover::list))
            .route(
                "/sim/control/clock/advance",
                post(control::clock::advance_clock),
            )
            .route(
                "/sim/control/groupmsg/confirm",
                post(control::groupmsg::confirm),
            )
            .route("/sim/control/groupmsgs", get(control::groupmsg::list))
            .route(
                "/sim/control/groupmsg/quota",
                get(control::groupmsg::get_quota).post(control::groupmsg::set_quota),
            )
            .route(
                "/sim/control/groupmsg/received",
                post(control::groupmsg::received),
            )
            .route("/sim/control/media", get(control::media::list))
            .route("/sim/control/media/expire", post(control::media::expire))
            .with_state(self.clone())
    }
}
