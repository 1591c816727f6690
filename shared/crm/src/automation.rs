//! Automation rules (birthday, after-visit care, re-engagement). A daily run (01:00
//! Asia/Shanghai) finds each rule's customers through an index — never a table scan — and
//! hands them to a campaign of their own, so consent, quotas, caps and quiet hours apply
//! exactly as for any campaign (01:00 is in quiet hours: the sends go out when they end).
//! Each customer gets a rule once per occasion (a birthday once a year).

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate};
use ports::{Condition, IndexName, Item, Query, SkCondition, StoreError};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use crate::CrmError;
use crate::calendar;
use crate::campaign::model::MAX_EXPLICIT_AUDIENCE;
use crate::campaign::{
    Audience, Campaign, CampaignKind, Campaigns, Content, ContentAttachment, SenderPolicy,
};
use crate::keys::{
    AUTOMATION_RUN_PREFIX, AUTOMATION_SK, AUTOMATIONS_GSI_PK, CLAIM_ONCE_SK, PURCHASE_PREFIX,
    automation_claim_pk, automation_pk, automation_run_sk, birthday_gsi_pk, ts, visits_gsi_pk,
};
use crate::model::{Customer, Purchase};
use crate::repo::{CustomerRepo, query_all, query_all_items, query_page, update_item};

/// A claim whose campaign still does not exist this long after is taken over.
const ORPHAN_CLAIM_AFTER_MS: i64 = 10 * 60_000;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleKind {
    /// Customers whose birthday is `days_ahead` days from the run's day.
    Birthday {
        days_ahead: u32,
        /// Fills `{coupon}`.
        #[serde(default)]
        coupon: String,
    },
    /// Customers with a purchase or an appointment `days_after` days before the run's day.
    AfterVisit { days_after: u32 },
    /// Customers whose last purchase was exactly `days_without_purchase` days ago.
    ReEngagement { days_without_purchase: u32 },
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomationRule {
    pub id: String,
    pub name: String,
    pub kind: RuleKind,
    /// `{name}`, `{coupon}` and `{valid_until}` are filled per customer.
    pub text: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub attachments: Vec<ContentAttachment>,
    pub enabled: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub sender_policy: SenderPolicy,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run_at_ms: Option<i64>,
}

/// One run of one rule, with its counts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomationRun {
    pub id: String,
    pub rule_id: String,
    pub at_ms: i64,
    /// The day the rule looked at (`YYYY-MM-DD`: the birthday, or the visit day).
    pub day: String,
    /// Index items read to find the matches.
    pub items_read: u64,
    pub matched: u64,
    /// Matches that already had this rule for this occasion.
    pub already_done: u64,
    /// Customers handed to campaigns by this run.
    pub handed_over: u64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub campaign_ids: Vec<String>,
    /// Why this run sent nothing although customers matched: the content, filled in for this
    /// occasion, breaks a rule of WeCom's (e.g. a long coupon makes the text too long). Nobody
    /// is marked as done: the next run, after the rule is fixed, sends to them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<RunRefusal>,
}

/// A rule of the content a run's message broke: which field and why (Chinese, for staff).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRefusal {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claim {
    rule_id: String,
    external_userid: String,
    occasion: String,
    campaign_id: String,
    at_ms: i64,
}

/// `YYYY年M月D日`.
pub fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// The month-days whose customers have their birthday on `target`: 29 February birthdays
/// are celebrated on 28 February in common years.
pub fn birthday_keys(target: NaiveDate) -> Vec<String> {
    let mut keys = vec![target.format("%m-%d").to_string()];
    let leap = NaiveDate::from_ymd_opt(target.year(), 2, 29).is_some();
    if target.month() == 2 && target.day() == 28 && !leap {
        keys.push("02-29".to_owned());
    }
    keys
}

#[derive(Clone)]
pub struct Automations {
    pub campaigns: Campaigns,
}

impl Automations {
    pub fn new(campaigns: Campaigns) -> Self {
        Self { campaigns }
    }

    fn store(&self) -> &dyn ports::ItemStore {
        self.campaigns.store.as_ref()
    }

    pub async fn create(&self, rule: &AutomationRule) -> Result<(), CrmError> {
        self.store()
            .put(rule_item(rule)?, Condition::NotExists)
            .await?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Option<AutomationRule>, CrmError> {
        match self.store().get(&automation_pk(id), AUTOMATION_SK).await? {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    pub async fn list(&self) -> Result<Vec<AutomationRule>, CrmError> {
        query_all(
            self.store(),
            Query::partition(IndexName::Gsi1, AUTOMATIONS_GSI_PK).limit(200),
        )
        .await
    }

    pub async fn update<F>(
        &self,
        id: &str,
        mut change: F,
    ) -> Result<Option<AutomationRule>, CrmError>
    where
        F: FnMut(&mut AutomationRule) -> bool,
    {
        let written = update_item::<AutomationRule, _>(
            self.store(),
            &automation_pk(id),
            AUTOMATION_SK,
            |current| {
                let Some(mut rule) = current else {
                    return Ok(None);
                };
                if !change(&mut rule) {
                    return Ok(None);
                }
                Ok(Some(rule_item(&rule)?))
            },
        )
        .await?;
        match written {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// Deletes the rule (its runs and the campaigns it created stay).
    pub async fn delete(&self, id: &str) -> Result<bool, CrmError> {
        match self
            .store()
            .delete(&automation_pk(id), AUTOMATION_SK, Condition::Exists)
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn runs(
        &self,
        id: &str,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<AutomationRun>, Option<String>), CrmError> {
        query_page(
            self.store(),
            Query::partition(IndexName::Primary, automation_pk(id))
                .sk(SkCondition::BeginsWith(AUTOMATION_RUN_PREFIX.into()))
                .newest_first()
                .limit(limit)
                .after(cursor),
        )
        .await
    }

    /// The daily run: every enabled rule, for the Shanghai day of `now`.
    pub async fn run_all(&self) -> Result<Vec<AutomationRun>, CrmError> {
        let mut runs = Vec::new();
        for rule in self.list().await? {
            if rule.enabled {
                runs.push(self.run_rule(&rule).await?);
            }
        }
        Ok(runs)
    }

    /// Runs one rule for today. Running it twice the same day hands nobody over twice.
    pub async fn run_rule(&self, rule: &AutomationRule) -> Result<AutomationRun, CrmError> {
        let now = self.campaigns.clock.now_ms();
        let today = calendar::date(now);
        let mut run = AutomationRun {
            id: self.campaigns.ids.new_id(now),
            rule_id: rule.id.clone(),
            at_ms: now,
            ..AutomationRun::default()
        };
        let (day, occasion, valid_until, coupon, matches) = match &rule.kind {
            RuleKind::Birthday { days_ahead, coupon } => {
                let target = today + Duration::days(i64::from(*days_ahead));
                let mut ids = BTreeSet::new();
                for key in birthday_keys(target) {
                    let customers: Vec<Customer> = query_all(
                        self.store(),
                        Query::partition(IndexName::Gsi3, birthday_gsi_pk(&key)).limit(1000),
                    )
                    .await?;
                    run.items_read += customers.len() as u64;
                    ids.extend(customers.into_iter().map(|c| c.external_userid));
                }
                (
                    target,
                    target.year().to_string(),
                    calendar::last_day_of_month(target),
                    coupon.clone(),
                    ids,
                )
            }
            RuleKind::AfterVisit { days_after } => {
                let day = today - Duration::days(i64::from(*days_after));
                let items = self.visits(day).await?;
                run.items_read += items.len() as u64;
                let ids = items.into_iter().map(|(id, _)| id).collect();
                (
                    day,
                    format!("visit-{day}"),
                    calendar::last_day_of_month(today),
                    String::new(),
                    ids,
                )
            }
            RuleKind::ReEngagement {
                days_without_purchase,
            } => {
                let day = today - Duration::days(i64::from(*days_without_purchase));
                let items = self.visits(day).await?;
                run.items_read += items.len() as u64;
                let customers = CustomerRepo::new(self.campaigns.store.clone());
                let mut ids = BTreeSet::new();
                for (id, purchase) in items {
                    let Some(purchased_at) = purchase else {
                        continue;
                    };
                    // Still the latest purchase: nothing bought since.
                    if let Some(c) = customers.get(&id).await?
                        && c.last_purchase_at_ms == Some(purchased_at)
                    {
                        ids.insert(id);
                    }
                }
                (
                    day,
                    format!("lapse-{day}"),
                    calendar::last_day_of_month(today),
                    String::new(),
                    ids,
                )
            }
        };
        run.day = day.format("%Y-%m-%d").to_string();
        run.matched = matches.len() as u64;
        let content = Content {
            text: rule
                .text
                .replace("{coupon}", &coupon)
                .replace("{valid_until}", &chinese_date(valid_until)),
            attachments: rule.attachments.clone(),
        };
        // The content as filled in today must pass the same checks as any campaign's: a rule
        // valid when saved may not be once its placeholders are filled.
        if run.matched > 0 {
            match self.campaigns.validate_content(&content, true).await {
                Ok(()) => {}
                Err(CrmError::Field(refused)) => {
                    warn!(rule_id = %rule.id, field = %refused.field, "automation content refused; nobody handed over");
                    run.refused = Some(RunRefusal {
                        field: refused.field,
                        message: refused.message,
                    });
                    return self.record_run(rule, run, now).await;
                }
                Err(e) => return Err(e),
            }
        }
        // Each match is claimed for this occasion with a conditional write before its campaign
        // exists: two runs at once claim each customer once, and a claim whose campaign was
        // never created (a crash in between) is taken over by the next run.
        let mut batches: Vec<(String, Vec<String>)> = Vec::new();
        for id in matches {
            if batches
                .last()
                .is_none_or(|(_, b)| b.len() >= MAX_EXPLICIT_AUDIENCE)
            {
                batches.push((self.campaigns.ids.new_id(now), Vec::new()));
            }
            let Some((campaign_id, batch)) = batches.last_mut() else {
                continue;
            };
            let claim = Claim {
                rule_id: rule.id.clone(),
                external_userid: id.clone(),
                occasion: occasion.clone(),
                campaign_id: campaign_id.clone(),
                at_ms: now,
            };
            if self.claim(&claim).await? {
                batch.push(id);
            } else {
                run.already_done += 1;
            }
        }
        for (campaign_id, batch) in batches.into_iter().filter(|(_, b)| !b.is_empty()) {
            let campaign = Campaign {
                id: campaign_id.clone(),
                name: format!("{} {}", rule.name, run.day),
                kind: CampaignKind::Automation,
                audience: Some(Audience::Customers {
                    external_userids: batch.clone(),
                }),
                content: content.clone(),
                sender_policy: rule.sender_policy.clone(),
                send_at_ms: now,
                personalised: true,
                automation_rule_id: Some(rule.id.clone()),
                created_by: format!("automation:{}", rule.id),
                ..Campaign::default()
            };
            self.campaigns.create(campaign).await?;
            run.handed_over += batch.len() as u64;
            run.campaign_ids.push(campaign_id);
        }
        self.record_run(rule, run, now).await
    }

    /// Stores the run and the rule's last run time.
    async fn record_run(
        &self,
        rule: &AutomationRule,
        run: AutomationRun,
        now: i64,
    ) -> Result<AutomationRun, CrmError> {
        self.store()
            .put(
                Item::with_doc(
                    automation_pk(&rule.id),
                    automation_run_sk(now, &run.id),
                    &run,
                )?,
                Condition::Always,
            )
            .await?;
        self.update(&rule.id, |r| {
            r.last_run_at_ms = Some(now);
            true
        })
        .await?;
        info!(rule_id = %rule.id, matched = run.matched, handed_over = run.handed_over, refused = run.refused.is_some(), "automation ran");
        Ok(run)
    }

    /// Claims the customer for this rule and occasion; false when another run already did
    /// (and its campaign exists).
    async fn claim(&self, claim: &Claim) -> Result<bool, CrmError> {
        let pk = automation_claim_pk(&claim.rule_id, &claim.external_userid, &claim.occasion);
        let mut item = Item::with_doc(pk.clone(), CLAIM_ONCE_SK, claim)?;
        // One customer's claims, for an erasure (crate::privacy).
        item.gsi3 = Some((
            crate::keys::automation_claims_gsi_pk(&claim.external_userid),
            pk.clone(),
        ));
        match self.store().put(item.clone(), Condition::NotExists).await {
            Ok(()) => return Ok(true),
            Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
        let Some(existing) = self.store().get(&pk, CLAIM_ONCE_SK).await? else {
            return Ok(false);
        };
        let previous: Claim = existing.doc()?;
        // A fresh claim may belong to a run that is creating its campaign right now.
        if claim.at_ms - previous.at_ms < ORPHAN_CLAIM_AFTER_MS
            || self
                .campaigns
                .repo()
                .get(&previous.campaign_id)
                .await?
                .is_some()
        {
            return Ok(false);
        }
        let mut takeover = item;
        takeover.version = existing.version + 1;
        match self
            .store()
            .put(takeover, Condition::VersionIs(existing.version))
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The visits (appointments and purchases) of one Shanghai day: the customer, and the
    /// purchase time for purchases.
    async fn visits(&self, day: NaiveDate) -> Result<Vec<(String, Option<i64>)>, CrmError> {
        let key = visits_gsi_pk(&day.format("%Y-%m-%d").to_string());
        let items = query_all_items(
            self.store(),
            Query::partition(IndexName::Gsi2, key).limit(1000),
        )
        .await?;
        items
            .iter()
            .map(|item| {
                let id = item.pk.strip_prefix("CUST#").unwrap_or_default().to_owned();
                let purchase = if item.sk.starts_with(PURCHASE_PREFIX) {
                    Some(item.doc::<Purchase>()?.purchased_at_ms)
                } else {
                    None
                };
                Ok((id, purchase))
            })
            .collect()
    }
}

fn rule_item(rule: &AutomationRule) -> Result<Item, StoreError> {
    let mut item = Item::with_doc(automation_pk(&rule.id), AUTOMATION_SK, rule)?;
    item.gsi1 = Some((
        AUTOMATIONS_GSI_PK.to_owned(),
        format!("{}#{}", ts(rule.created_at_ms), rule.id),
    ));
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn leap_day_birthdays_are_celebrated_on_28_february_in_common_years() {
        assert_eq!(birthday_keys(d(2027, 2, 28)), ["02-28", "02-29"]);
        assert_eq!(birthday_keys(d(2028, 2, 28)), ["02-28"]);
        assert_eq!(birthday_keys(d(2028, 2, 29)), ["02-29"]);
        assert_eq!(birthday_keys(d(2026, 12, 5)), ["12-05"]);
    }

    #[test]
    fn dates_read_the_chinese_way() {
        assert_eq!(chinese_date(d(2026, 12, 31)), "2026年12月31日");
    }
}
