use std::sync::Arc;

use ports::{Condition, Item, ItemStore, StoreError};

use crate::CrmError;
use crate::keys::{CLAIM_SK, welcome_claim_pk};
use crate::model::{WelcomeClaim, WelcomeStatus};

/// Single-use claims on welcome codes, so that a welcome goes out once even when the same
/// event is processed by several workers at the same time.
#[derive(Clone)]
pub struct WelcomeClaims {
    store: Arc<dyn ItemStore>,
}

/// What a worker may do with a welcome code.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimOutcome {
    /// This worker holds the claim and should call WeCom.
    Acquired(WelcomeClaim),
    /// Another worker holds an unexpired claim.
    Busy,
    /// The welcome was settled before.
    Settled(WelcomeStatus),
}

/// Claims live a day: far beyond the 20-second window.
const CLAIM_TTL_SECS: i64 = 86_400;

impl WelcomeClaims {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    fn item(claim: &WelcomeClaim) -> Result<Item, CrmError> {
        let mut item = Item::with_doc(welcome_claim_pk(&claim.welcome_code), CLAIM_SK, claim)?;
        item.expires_at = Some(claim.updated_at_ms.div_euclid(1000) + CLAIM_TTL_SECS);
        Ok(item)
    }

    pub async fn get(&self, welcome_code: &str) -> Result<Option<WelcomeClaim>, CrmError> {
        match self
            .store
            .get(&welcome_claim_pk(welcome_code), CLAIM_SK)
            .await?
        {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// Takes the claim for `lease_ms`, unless someone holds it or it is settled.
    pub async fn claim(
        &self,
        welcome_code: &str,
        external_userid: &str,
        userid: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<ClaimOutcome, CrmError> {
        let mut claim = WelcomeClaim {
            welcome_code: welcome_code.to_owned(),
            external_userid: external_userid.to_owned(),
            userid: userid.to_owned(),
            status: WelcomeStatus::Sending,
            lease_until_ms: now_ms + lease_ms,
            attempts: 1,
            updated_at_ms: now_ms,
            error: None,
        };
        let mut item = Self::item(&claim)?;
        item.version = 1;
        match self.store.put(item, Condition::NotExists).await {
            Ok(()) => return Ok(ClaimOutcome::Acquired(claim)),
            Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
        let Some(current) = self
            .store
            .get(&welcome_claim_pk(welcome_code), CLAIM_SK)
            .await?
        else {
            return Ok(ClaimOutcome::Busy);
        };
        let existing: WelcomeClaim = current.doc()?;
        match existing.status {
            WelcomeStatus::Sending if existing.lease_until_ms > now_ms => Ok(ClaimOutcome::Busy),
            // A failed attempt or a holder that died: take over. WeCom itself refuses a
            // second delivery of the same code (41051), so a takeover cannot double-send.
            WelcomeStatus::Sending | WelcomeStatus::Failed => {
                claim.attempts = existing.attempts + 1;
                let mut item = Self::item(&claim)?;
                item.version = current.version + 1;
                match self
                    .store
                    .put(item, Condition::VersionIs(current.version))
                    .await
                {
                    Ok(()) => Ok(ClaimOutcome::Acquired(claim)),
                    Err(StoreError::ConditionFailed) => Ok(ClaimOutcome::Busy),
                    Err(e) => Err(e.into()),
                }
            }
            settled => Ok(ClaimOutcome::Settled(settled)),
        }
    }

    /// Records how the attempt ended.
    pub async fn settle(
        &self,
        mut claim: WelcomeClaim,
        status: WelcomeStatus,
        error: Option<String>,
        now_ms: i64,
    ) -> Result<(), CrmError> {
        claim.status = status;
        claim.error = error;
        claim.updated_at_ms = now_ms;
        claim.lease_until_ms = now_ms;
        let item = Self::item(&claim)?;
        self.store.put(item, Condition::Always).await?;
        Ok(())
    }
}
