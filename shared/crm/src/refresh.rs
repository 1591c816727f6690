//! How WeCom's current view of one customer (`externalcontact/get`: the profile and every
//! member who follows them) is applied to the local record. The event processor (on an add or
//! an edit event) and "sync this customer now" (the admin API) use this one rule.

use wecom_api::model::{ExternalContactDetail, FollowUser};

use crate::CrmError;
use crate::model::{Relationship, RelationshipStatus};
use crate::repo::{CustomerRepo, ProfileUpsert};

/// What the caller knows besides WeCom's answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Occasion<'a> {
    /// The channel (`state`) the profile is attributed to when it is new.
    pub channel: &'a str,
    /// The member whose event this is (an add event reopens only their relationship).
    pub event_user: Option<&'a str>,
    /// The add event's time, when the refresh follows one.
    pub add_time: Option<i64>,
}

/// One member's relationship after WeCom listed it: new from WeCom's `follow_user`, or the
/// stored one refreshed. A half-added customer WeCom lists has been accepted; an ended
/// relationship reopens only through its own add event, newer than its end.
pub fn merge_follow(
    current: Option<Relationship>,
    external_userid: &str,
    follow: &FollowUser,
    is_event_user: bool,
    add_time: Option<i64>,
    now: i64,
) -> Relationship {
    match current {
        None => {
            let mut rel = Relationship::from_follow_user(external_userid, follow, now);
            rel.last_event_time = add_time.unwrap_or(follow.createtime);
            rel
        }
        Some(mut rel) => {
            rel.refresh_from(follow, now);
            match (rel.status, is_event_user, add_time) {
                // The staff member accepted a half-added customer.
                (RelationshipStatus::Pending, _, _) => rel.status = RelationshipStatus::Active,
                // Re-added after an end: only an add event newer than the end reopens it.
                (RelationshipStatus::Ended, true, Some(added))
                    if rel.ended_at.is_none_or(|ended| added >= ended) =>
                {
                    rel.status = RelationshipStatus::Active;
                    rel.ended_at = None;
                    rel.end_cause = None;
                    rel.end_source = None;
                    rel.last_event_time = added;
                }
                _ => {}
            }
            rel
        }
    }
}

impl CustomerRepo {
    /// Applies WeCom's view of one customer: the profile (merging an earlier record of the
    /// same person), each listed relationship ([`merge_follow`]), then the customer's status.
    pub async fn apply_wecom_detail(
        &self,
        detail: &ExternalContactDetail,
        occasion: Occasion<'_>,
        now: i64,
    ) -> Result<ProfileUpsert, CrmError> {
        let external_userid = detail.external_contact.external_userid.as_str();
        let upsert = self
            .upsert_profile(&detail.external_contact, occasion.channel, now)
            .await?;
        for follow in &detail.follow_user {
            let is_event_user = occasion.event_user == Some(follow.userid.as_str());
            self.update_relationship(external_userid, &follow.userid, |rel| {
                Some(merge_follow(
                    rel,
                    external_userid,
                    follow,
                    is_event_user,
                    occasion.add_time,
                    now,
                ))
            })
            .await?;
        }
        self.refresh_status(external_userid, now).await?;
        Ok(upsert)
    }
}
