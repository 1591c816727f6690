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
            .route("/sim/qr/{file}", get(crate::contact_way::qr_image))
            .route("/sim/control", get(control::index))
            .route("/sim/control/scan", post(control::scan))
            .route("/sim/control/seed", post(crate::seed::seed))
            .route("/sim/control/silent", post(crate::seed::silent))
            .route("/sim/control/edit", post(control::edit))
            .route("/sim/control/delete", post(control::delete))
            .route("/sim/control/transfer-fail", post(control::transfer_fail))
            .route("/sim/control/tag-event", post(control::tag_event))
            .route("/sim/control/app-message", post(control::app_message))
            .route("/sim/control/raw-callback", post(control::raw_callback))
            .route("/sim/control/verify-url", post(control::verify_url))
            .route("/sim/control/state", get(control::state))
            .route(
                "/sim/control/welcome-messages",
                get(control::welcome_messages),
            )
            .route("/sim/control/app-messages", get(control::app_messages))
            .route("/sim/control/deliveries", get(control::deliveries))
            .route("/sim/control/calls", get(control::calls))
            .route("/sim/control/calls/reset", post(control::reset_calls))
            .route(
                "/sim/control/faults",
                get(control::list_faults)
                    .post(control::add_faults)
                    .delete(control::clear_faults),
            )
            .route("/sim/control/tokens/expire", post(control::expire_tokens))
            .route(
                "/sim/control/tokens/invalidate",
                post(control::invalidate_tokens),
            )
            .route(
                "/sim/control/callback-url",
                get(control::get_callback_url).put(control::put_callback_url),
            )
            .route("/sim/control/staff", post(control::add_staff))
            .route("/sim/control/clock/advance", post(control::advance_clock))
            .route(
                "/sim/control/groupmsg/confirm",
                post(crate::groupmsg::confirm),
            )
            .route("/sim/control/groupmsgs", get(crate::groupmsg::list))
            .route(
                "/sim/control/groupmsg/quota",
                get(crate::groupmsg::get_quota).post(crate::groupmsg::set_quota),
            )
            .route(
                "/sim/control/groupmsg/received",
                post(crate::groupmsg::received),
            )
            .route("/sim/control/media", get(crate::media::list))
            .route("/sim/control/media/expire", post(crate::media::expire))
            .with_state(self.clone())
    }
}
