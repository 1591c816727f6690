//! Who a list, a campaign or a rule is about: the customer filters of `GET /api/customers`,
//! written once so that the console's list, a campaign's preview and its run select exactly
//! the same customers.

use serde::{Deserialize, Serialize};

use crate::CrmError;
use crate::model::{Customer, CustomerStatus, Relationship, RelationshipStatus};
use crate::repo::{CustomerRepo, IndexRow, IndexSource};

/// `active` / `ended` (the customer; with `userid`, that relationship) or `pending`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Active,
    Ended,
    Pending,
}

/// The composable customer filters. Every field is optional; all given ones must hold.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CustomerFilter {
    /// Channel: a relationship came through the 「联系我」 with this `state`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// A corp tag on any of the customer's relationships.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_id: Option<String>,
    /// 0 unknown, 1 male, 2 female.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<i64>,
    /// Any of these tiers (A, B, C).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psych_type: Option<String>,
    /// Follow-user (staff member).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_from: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_to: Option<i64>,
    /// Last purchase strictly before (ms); customers without purchases do not match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_purchase_before: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_purchase_after: Option<i64>,
    /// No purchase in the last N days, counted from when the filter is applied (a campaign's
    /// run time); customers who never purchased match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_purchase_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthday_month: Option<u32>,
    /// Lower-case free text in the name or a remark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// The lead stage (`crate::pipeline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<crate::model::LeadStage>,
}

/// A customer that passed the filters, with the relationships when they were read.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub customer: Customer,
    pub rels: Option<Vec<Relationship>>,
}

const DAY_MS: i64 = 86_400_000;

impl CustomerFilter {
    /// The narrowest index for these filters: the channel's relationships, else the staff
    /// member's, else every customer.
    pub fn source(&self) -> IndexSource {
        match (&self.state, &self.userid) {
            (Some(s), _) => IndexSource::Channel(s.clone()),
            (None, Some(u)) => IndexSource::Staff(u.clone()),
            (None, None) => IndexSource::AllCustomers,
        }
    }

    /// Whether matching needs the customer's relationships.
    pub fn needs_relationships(&self) -> bool {
        self.tag_id.is_some()
            || self.userid.is_some()
            || self.q.is_some()
            || self.status == Some(StatusFilter::Pending)
    }

    /// Profile-only checks (cheap, before the relationships are read).
    pub fn matches_profile(&self, c: &Customer, now_ms: i64) -> bool {
        if c.merged_into.is_some() {
            return false;
        }
        if self.gender.is_some_and(|g| g != c.gender) {
            return false;
        }
        if !self.tiers.is_empty()
            && !c
                .crm
                .tier
                .is_some_and(|t| self.tiers.iter().any(|w| w == t.as_str()))
        {
            return false;
        }
        if let Some(p) = &self.psych_type
            && c.crm.psych_type.as_ref().map(|t| t.as_str()) != Some(p.as_str())
        {
            return false;
        }
        if self.stage.is_some_and(|s| s != c.stage) {
            return false;
        }
        if self.added_from.is_some_and(|t| c.first_added_at_ms < t)
            || self.added_to.is_some_and(|t| c.first_added_at_ms > t)
        {
            return false;
        }
        if let Some(before) = self.last_purchase_before
            && c.last_purchase_at_ms.is_none_or(|t| t >= before)
        {
            return false;
        }
        if let Some(after) = self.last_purchase_after
            && c.last_purchase_at_ms.is_none_or(|t| t <= after)
        {
            return false;
        }
        if let Some(days) = self.no_purchase_days
            && c.last_purchase_at_ms
                .is_some_and(|t| t > now_ms - i64::from(days) * DAY_MS)
        {
            return false;
        }
        if let Some(month) = self.birthday_month
            && c.crm.birthday.as_ref().map(|b| b.month()) != Some(month)
        {
            return false;
        }
        if self.userid.is_none() {
            match self.status {
                Some(StatusFilter::Active) if c.status != CustomerStatus::Active => return false,
                Some(StatusFilter::Ended) if c.status != CustomerStatus::Ended => return false,
                _ => {}
            }
        }
        true
    }

    pub fn matches_relationships(&self, c: &Customer, rels: &[Relationship]) -> bool {
        if let Some(state) = &self.state
            && !rels.iter().any(|r| &r.state == state)
        {
            return false;
        }
        if let Some(tag) = &self.tag_id
            && !rels.iter().any(|r| r.has_tag(tag))
        {
            return false;
        }
        if let Some(userid) = &self.userid {
            let Some(rel) = rels.iter().find(|r| &r.userid == userid) else {
                return false;
            };
            let wanted = match self.status {
                Some(StatusFilter::Active) => Some(RelationshipStatus::Active),
                Some(StatusFilter::Ended) => Some(RelationshipStatus::Ended),
                Some(StatusFilter::Pending) => Some(RelationshipStatus::Pending),
                None => None,
            };
            if wanted.is_some_and(|s| s != rel.status) {
                return false;
            }
        } else if self.status == Some(StatusFilter::Pending)
            && !rels.iter().any(|r| r.status == RelationshipStatus::Pending)
        {
            return false;
        }
        if let Some(q) = &self.q
            && !c.name.to_lowercase().contains(q.as_str())
            && !rels
                .iter()
                .any(|r| r.remark.to_lowercase().contains(q.as_str()))
        {
            return false;
        }
        true
    }

    /// Turns an index row of `source` into the candidate it stands for, or `None` when the row
    /// does not stand for a distinct customer that passes the filters. `always_rels` loads the
    /// relationships even when no filter needs them (a campaign needs the sender).
    pub async fn evaluate(
        &self,
        repo: &CustomerRepo,
        source: &IndexSource,
        row: &IndexRow,
        now_ms: i64,
        always_rels: bool,
    ) -> Result<Option<Candidate>, CrmError> {
        let (customer, via) = match source {
            IndexSource::AllCustomers => (row.item.doc::<Customer>()?, None),
            IndexSource::Staff(_) | IndexSource::Channel(_) => {
                let rel: Relationship = row.item.doc()?;
                match repo.get(&rel.external_userid).await? {
                    Some(c) => (c, Some(rel)),
                    None => return Ok(None),
                }
            }
        };
        if !self.matches_profile(&customer, now_ms) {
            return Ok(None);
        }
        // Through a channel the relationships decide which one row represents the customer; a
        // staff member has one relationship per customer, so only filters need them there.
        let needs_rels =
            always_rels || self.needs_relationships() || matches!(source, IndexSource::Channel(_));
        let rels = if needs_rels {
            Some(repo.relationships(&customer.external_userid).await?)
        } else {
            None
        };
        if let Some(rels) = &rels {
            if !self.matches_relationships(&customer, rels) {
                return Ok(None);
            }
            // A customer reached through a channel appears once: at their earliest
            // relationship of that channel.
            if let (IndexSource::Channel(s), Some(via)) = (source, &via) {
                let first = rels
                    .iter()
                    .filter(|r| &r.state == s)
                    .min_by(|a, b| (a.createtime, &a.userid).cmp(&(b.createtime, &b.userid)));
                if first.is_some_and(|f| f.userid != via.userid) {
                    return Ok(None);
                }
            }
        }
        Ok(Some(Candidate { customer, rels }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(tier: Option<&str>, last_purchase: Option<i64>) -> Customer {
        let mut c = Customer {
            external_userid: "wm1".into(),
            gender: 2,
            last_purchase_at_ms: last_purchase,
            ..Customer::default()
        };
        c.crm.tier = tier.map(|t| crate::clinic_fields::Tier::parse(t).expect("a tier"));
        c
    }

    #[test]
    fn tiers_match_any_of_the_listed() {
        let f = CustomerFilter {
            tiers: vec!["A".into(), "B".into()],
            ..CustomerFilter::default()
        };
        assert!(f.matches_profile(&customer(Some("A"), None), 0));
        assert!(f.matches_profile(&customer(Some("B"), None), 0));
        assert!(!f.matches_profile(&customer(Some("C"), None), 0));
        assert!(!f.matches_profile(&customer(None, None), 0));
    }

    #[test]
    fn no_purchase_days_counts_back_from_now_and_keeps_never_purchased() {
        let now = 100 * DAY_MS;
        let f = CustomerFilter {
            no_purchase_days: Some(30),
            ..CustomerFilter::default()
        };
        assert!(f.matches_profile(&customer(None, None), now));
        assert!(f.matches_profile(&customer(None, Some(now - 31 * DAY_MS)), now));
        assert!(f.matches_profile(&customer(None, Some(now - 30 * DAY_MS)), now));
        assert!(!f.matches_profile(&customer(None, Some(now - 29 * DAY_MS)), now));
    }
}
