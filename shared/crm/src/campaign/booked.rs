//! The funnel's "booked": a sent recipient whose customer booked an appointment or made a
//! purchase within the campaign's window after the send. It is a field of the recipient
//! (`booked_at_ms`), set once by whichever comes second — the booking, or tracking learning
//! of the send — so that the campaign's counters carry it like any other recipient state.

use std::collections::{BTreeMap, HashMap};

use super::Campaigns;
use super::model::{Recipient, RecipientStatus};
use crate::CrmError;
use crate::calendar::DAY_MS;
use crate::repo::CustomerAdmin;

/// How many of a customer's most recent messages a booking is checked against.
const RECENT_MESSAGES: usize = 50;

/// Whether a booking at `at_ms` falls in the window after `r`'s send.
fn in_window(r: &Recipient, window_days: u32, at_ms: i64) -> bool {
    r.status == RecipientStatus::Sent
        && r.sent_at_ms
            .is_some_and(|sent| at_ms >= sent && at_ms <= sent + i64::from(window_days) * DAY_MS)
}

impl Campaigns {
    /// A booking (an appointment recorded, a purchase made at `at_ms`) credits the customer's
    /// sent messages whose window holds it and that were not credited yet. Returns how many.
    pub async fn credit_booking(
        &self,
        external_userid: &str,
        at_ms: i64,
    ) -> Result<usize, CrmError> {
        let (messages, _) = self
            .repo()
            .messages_of(external_userid, RECENT_MESSAGES, None)
            .await?;
        let mut windows: HashMap<String, u32> = HashMap::new();
        let mut credited = Vec::new();
        for mut r in messages {
            if r.booked_at_ms.is_some() || r.status != RecipientStatus::Sent {
                continue;
            }
            let days = match windows.get(&r.campaign_id) {
                Some(days) => *days,
                None => {
                    let days = self
                        .repo()
                        .get(&r.campaign_id)
                        .await?
                        .map_or(0, |c| c.booked_within_days);
                    windows.insert(r.campaign_id.clone(), days);
                    days
                }
            };
            if in_window(&r, days, at_ms) {
                r.booked_at_ms = Some(at_ms);
                credited.push(r);
            }
        }
        self.repo().put_recipients(&credited).await?;
        Ok(credited.len())
    }

    /// Recipients tracking has just found sent: those whose customer already booked within the
    /// window are credited before they are saved (one per-day index query per day the sends
    /// and their windows cover).
    pub(crate) async fn credit_earlier_bookings(
        &self,
        campaign_id: &str,
        changed: &mut [Recipient],
    ) -> Result<(), CrmError> {
        let sent: Vec<i64> = changed
            .iter()
            .filter(|r| r.status == RecipientStatus::Sent && r.booked_at_ms.is_none())
            .filter_map(|r| r.sent_at_ms)
            .collect();
        let (Some(first), Some(last)) = (sent.iter().min(), sent.iter().max()) else {
            return Ok(());
        };
        let Some(campaign) = self.repo().get(campaign_id).await? else {
            return Ok(());
        };
        let days = campaign.booked_within_days;
        let to = (last + i64::from(days) * DAY_MS).min(self.clock.now_ms());
        if to < *first {
            return Ok(());
        }
        let mut bookings: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for b in CustomerAdmin::new(self.store.clone())
            .bookings_between(*first, to)
            .await?
        {
            bookings.entry(b.external_userid).or_default().push(b.at_ms);
        }
        for r in changed.iter_mut().filter(|r| r.booked_at_ms.is_none()) {
            let first_booking = bookings
                .get(&r.external_userid)
                .into_iter()
                .flatten()
                .copied()
                .filter(|at| in_window(r, days, *at))
                .min();
            r.booked_at_ms = first_booking;
        }
        Ok(())
    }
}
