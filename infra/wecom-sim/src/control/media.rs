//! `GET /sim/control/media` (temporary media and uploaded images) and
//! `POST /sim/control/media/expire` (every media_id invalid now).

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::common::answer;
use crate::control_error::ControlError;
use crate::model::MediaSnapshot;
use crate::sim::Simulator;

impl Simulator {
    /// Temporary media and uploaded images.
    pub fn media(&self) -> MediaSnapshot {
        let st = self.lock();
        MediaSnapshot {
            media: st.media.values().cloned().collect(),
            images: st.uploaded_images.clone(),
        }
    }

    /// Every temporary media_id becomes invalid now (40007 on use). Returns how many were
    /// still valid.
    pub fn expire_media(&self) -> u64 {
        let now_ms = self.now_ms();
        let mut st = self.lock();
        let mut n = 0;
        for m in st.media.values_mut() {
            if !m.expired && now_ms < m.expires_at_ms {
                n += 1;
            }
            m.expired = true;
        }
        n
    }
}

pub(crate) async fn list(State(sim): State<Simulator>) -> Response {
    answer(Ok::<_, ControlError>(sim.media()))
}

pub(crate) async fn expire(State(sim): State<Simulator>) -> Response {
    answer(Ok::<_, ControlError>(
        json!({ "expired": sim.expire_media() }),
    ))
}
