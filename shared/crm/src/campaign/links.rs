//! Tracked links: every link of a campaign's content points at the public redirect
//! `GET /t/<token>`, which records the click and answers 302. One task's content is the same
//! for all its recipients, so a click belongs to the task; only a one-customer task (birthday,
//! direct message) attributes it to that customer.

use std::collections::BTreeMap;
use std::sync::Arc;

use ports::{
    Clock, Condition, IdGen, IndexName, Item, ItemStore, Query, SkCondition, StoreError, WriteOp,
};
use sha1::{Digest, Sha1};

use super::Campaigns;
use super::model::{Click, TrackedLink};
use crate::CrmError;
use crate::aggregates::Aggregates;
use crate::aggregates::contribution::clicks;
use crate::keys::{CLICK_PREFIX, LINK_SK, campaign_links_gsi_pk, click_sk, clicker_sk, link_pk};
use crate::repo::{query_all, query_page};

/// The token of the `index`-th link of a chunk: the same on every attempt, so a redelivered
/// send rewrites its links identically.
pub fn link_token(campaign_id: &str, chunk: &str, index: usize) -> String {
    let mut h = Sha1::new();
    h.update(campaign_id.as_bytes());
    h.update(b"\n");
    h.update(chunk.as_bytes());
    h.update(b"\n");
    h.update(index.to_le_bytes());
    hex::encode(h.finalize()).chars().take(20).collect()
}

/// Where a URL in free text ends: whitespace, or punctuation that rarely belongs to a URL
/// (full-width Chinese punctuation included).
fn url_end(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\''
                | '<'
                | '>'
                | '，'
                | '。'
                | '！'
                | '？'
                | '；'
                | '：'
                | '、'
                | '）'
                | '（'
                | '【'
                | '】'
                | '“'
                | '”'
        )
        || !c.is_ascii()
}

/// Replaces every `http://` / `https://` URL in `text` with `replace(index, url)`.
pub fn rewrite_urls(text: &str, mut replace: impl FnMut(usize, &str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut index = 0;
    loop {
        let next = ["http://", "https://"]
            .iter()
            .filter_map(|p| rest.find(p))
            .min();
        let Some(start) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let len = tail.find(url_end).unwrap_or(tail.len());
        out.push_str(&replace(index, &tail[..len]));
        index += 1;
        rest = &tail[len..];
    }
}

/// The public redirect's one capability: resolve a tracked link and record its click. Needs
/// only the store (the redirect is public and gets no WeCom secret, queue or scheduler).
#[derive(Clone)]
pub struct Links {
    store: Arc<dyn ItemStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
}

impl Links {
    pub fn new(store: Arc<dyn ItemStore>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGen>) -> Self {
        Self { store, clock, ids }
    }

    /// A click on `/t/<token>`: records it (when `record`: a `HEAD` from a link checker is not
    /// a click) and returns where to redirect (`None`: unknown token).
    pub async fn click(&self, token: &str, record: bool) -> Result<Option<String>, CrmError> {
        if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let Some(item) = self.store.get(&link_pk(token), LINK_SK).await? else {
            return Ok(None);
        };
        let link: TrackedLink = item.doc()?;
        if !record {
            return Ok(Some(link.url));
        }
        let now = self.clock.now_ms();
        let click = Click {
            token: token.to_owned(),
            campaign_id: link.campaign_id.clone(),
            at_ms: now,
            external_userid: link.external_userid.clone(),
        };
        let id = self.ids.new_id(now);
        let click_op = WriteOp::Put {
            item: Item::with_doc(link_pk(token), click_sk(now, &id), &click)?,
            condition: Condition::NotExists,
        };
        // A customer's first click on their link also marks them as a clicker, in the same
        // transaction (unique clickers).
        let marker = match &link.external_userid {
            Some(customer)
                if self
                    .store
                    .get(&link_pk(token), &clicker_sk(customer))
                    .await?
                    .is_none() =>
            {
                Some(WriteOp::Put {
                    item: Item::with_doc(link_pk(token), clicker_sk(customer), &click)?,
                    condition: Condition::NotExists,
                })
            }
            _ => None,
        };
        match marker {
            Some(marker) => match self.store.transact(vec![click_op.clone(), marker]).await {
                // Marked meanwhile by a concurrent click: this one is only a click.
                Err(StoreError::ConditionFailed) => self.store.transact(vec![click_op]).await?,
                other => other?,
            },
            None => self.store.transact(vec![click_op]).await?,
        }
        Ok(Some(link.url))
    }
}

impl Campaigns {
    /// The tracked links' redirect side, over this engine's store.
    pub fn links(&self) -> Links {
        Links::new(self.store.clone(), self.clock.clone(), self.ids.clone())
    }

    /// Stores the link (idempotent) and returns its public URL.
    pub(crate) async fn track_link(
        &self,
        campaign_id: &str,
        chunk: &str,
        index: usize,
        url: &str,
        external_userid: Option<&str>,
    ) -> Result<String, CrmError> {
        let token = link_token(campaign_id, chunk, index);
        let link = TrackedLink {
            token: token.clone(),
            campaign_id: campaign_id.to_owned(),
            chunk: chunk.to_owned(),
            url: url.to_owned(),
            external_userid: external_userid.map(str::to_owned),
            created_at_ms: self.clock.now_ms(),
        };
        let mut item = Item::with_doc(link_pk(&token), LINK_SK, &link)?;
        item.gsi1 = Some((campaign_links_gsi_pk(campaign_id), token.clone()));
        self.store.put(item, Condition::Always).await?;
        Ok(format!(
            "{}/t/{token}",
            self.settings.link_base.trim_end_matches('/')
        ))
    }

    pub async fn links_of(&self, campaign_id: &str) -> Result<Vec<TrackedLink>, CrmError> {
        query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi1, campaign_links_gsi_pk(campaign_id)).limit(500),
        )
        .await
    }

    /// Clicks on a campaign's links: the total, per task (chunk) and per customer where the
    /// task had one customer.
    /// One page of the campaign's tracked links with their maintained click counters (one
    /// read per link: the cost grows with the page, never with the clicks).
    pub async fn links_page(
        &self,
        campaign_id: &str,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<LinkClicks>, Option<String>), CrmError> {
        let (links, next) = query_page::<TrackedLink>(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi1, campaign_links_gsi_pk(campaign_id))
                .limit(limit)
                .after(cursor),
        )
        .await?;
        let aggregates = Aggregates::new(self.store.clone());
        let mut out = Vec::with_capacity(links.len());
        for link in links {
            let counts = aggregates.link(&link.token).await?;
            out.push(LinkClicks {
                clicks: counts.count(clicks::CLICKS),
                attributed: counts.count(clicks::ATTRIBUTED),
                unique_clickers: counts.count(clicks::UNIQUE_CLICKERS),
                link,
            });
        }
        Ok((out, next))
    }

    pub async fn clicks_of(&self, campaign_id: &str) -> Result<ClickCounts, CrmError> {
        let mut counts = ClickCounts::default();
        for link in self.links_of(campaign_id).await? {
            let clicks: Vec<Click> = query_all(
                self.store.as_ref(),
                Query::partition(IndexName::Primary, link_pk(&link.token))
                    .sk(SkCondition::BeginsWith(CLICK_PREFIX.into()))
                    .limit(1000),
            )
            .await?;
            let n = clicks.len() as u64;
            counts.total += n;
            *counts.by_chunk.entry(link.chunk.clone()).or_default() += n;
            if let Some(customer) = &link.external_userid
                && n > 0
            {
                *counts.by_customer.entry(customer.clone()).or_default() += n;
            }
        }
        Ok(counts)
    }
}

/// A tracked link with its click counters.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkClicks {
    #[serde(flatten)]
    pub link: TrackedLink,
    pub clicks: u64,
    /// Clicks attributable to one customer (the link went to them only).
    pub attributed: u64,
    /// Customers who clicked (known only for links that went to one customer).
    pub unique_clickers: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClickCounts {
    pub total: u64,
    pub by_chunk: BTreeMap<String, u64>,
    pub by_customer: BTreeMap<String, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_chinese_text_are_rewritten_one_by_one() {
        let text =
            "双十二活动：https://yanmei.example/sale?id=1，预约请点 http://a.example/b。谢谢";
        let out = rewrite_urls(text, |i, url| format!("<{i}:{}>", url.len()));
        assert_eq!(out, "双十二活动：<0:32>，预约请点 <1:18>。谢谢");
        assert_eq!(rewrite_urls("no links", |_, _| String::new()), "no links");
    }

    #[test]
    fn tokens_are_stable_per_chunk_and_link() {
        assert_eq!(
            link_token("c", "CHUNK#a#00000", 0),
            link_token("c", "CHUNK#a#00000", 0)
        );
        assert_ne!(
            link_token("c", "CHUNK#a#00000", 0),
            link_token("c", "CHUNK#a#00000", 1)
        );
        assert_ne!(
            link_token("c", "CHUNK#a#00000", 0),
            link_token("c", "CHUNK#b#00000", 0)
        );
        assert_eq!(link_token("c", "x", 0).len(), 20);
    }
}
