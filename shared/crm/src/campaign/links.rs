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
use super::link_key::{LinkKey, LinkKeyCache};
use super::model::{Click, TrackedLink};
use crate::CrmError;
use crate::aggregates::Aggregates;
use crate::aggregates::contribution::clicks;
use crate::keys::{CLICK_PREFIX, LINK_SK, campaign_links_gsi_pk, clicker_sk, link_pk};
use crate::repo::{query_all, query_page};

/// The unkeyed token earlier versions minted (SHA-1 of campaign id, chunk and index): anyone
/// who knew a campaign id could compute it. New links use [`LinkKey::token`]; links stored
/// under these tokens keep working (the redirect looks a token up by its stored link item).
pub fn legacy_link_token(campaign_id: &str, chunk: &str, index: usize) -> String {
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

/// Most clicks one link records: each visitor counts once, and past this many visitors (or
/// anonymous hits) a hit is redirected without being recorded — so the items a link can
/// accumulate are bounded whoever hits it (a task goes to at most 10 000 customers).
pub const MAX_CLICKS_PER_LINK: u64 = 20_000;

/// Slots for hits whose visitor cannot be told apart (no address, no browser): each takes a
/// random slot and a hit on a taken slot is not recorded.
const ANONYMOUS_SLOTS: u32 = 100;

/// What the redirect knows about who clicked: the client address (the first
/// `X-Forwarded-For` hop, else the connection's peer) and the browser (`User-Agent`). Used
/// only through the keyed hash of [`LinkKey::visitor`]; never stored or logged in clear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClickSource {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Who a click is counted for on one link: each clicker's first click is recorded, repeated
/// hits are not.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Clicker {
    /// The link went to one customer: the click is theirs.
    Customer(String),
    /// A task's link: the keyed hash of the visitor's address and browser.
    Visitor(String),
    /// Nothing identifies the visitor.
    Anonymous,
}

/// The sort key of a clicker's one click record (earlier versions wrote one record per hit
/// under `CLICK#<time>#<id>`; those still count).
fn clicker_click_sk(clicker: &Clicker) -> String {
    match clicker {
        Clicker::Customer(c) => format!("{CLICK_PREFIX}U#{c}"),
        Clicker::Visitor(v) => format!("{CLICK_PREFIX}V#{v}"),
        Clicker::Anonymous => format!(
            "{CLICK_PREFIX}A#{:03}",
            rand::random::<u32>() % ANONYMOUS_SLOTS
        ),
    }
}

/// The public redirect's one capability: resolve a tracked link and record its click. Needs
/// only the store (the redirect is public and gets no WeCom secret, queue or scheduler).
#[derive(Clone)]
pub struct Links {
    store: Arc<dyn ItemStore>,
    clock: Arc<dyn Clock>,
    key: LinkKeyCache,
    max_clicks: u64,
}

impl Links {
    pub fn new(store: Arc<dyn ItemStore>, clock: Arc<dyn Clock>, _ids: Arc<dyn IdGen>) -> Self {
        Self {
            store,
            clock,
            key: LinkKeyCache::default(),
            max_clicks: MAX_CLICKS_PER_LINK,
        }
    }

    /// Another cap on the clicks one link records (tests).
    pub fn with_max_clicks(mut self, max_clicks: u64) -> Self {
        self.max_clicks = max_clicks;
        self
    }

    /// A click on `/t/<token>`: records it (when `record`: a `HEAD` from a link checker is not
    /// a click) and returns where to redirect (`None`: unknown token).
    ///
    /// A clicker's first click writes one click record (and, for a one-customer link, the
    /// customer's clicker marker), moving the counters in the same transaction; their later
    /// hits only read. So a hit costs at most two reads and, once per clicker and link, one
    /// write: the items under a link are bounded by [`MAX_CLICKS_PER_LINK`].
    pub async fn click(
        &self,
        token: &str,
        record: bool,
        from: &ClickSource,
    ) -> Result<Option<String>, CrmError> {
        if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let pk = link_pk(token);
        let Some(item) = self.store.get(&pk, LINK_SK).await? else {
            return Ok(None);
        };
        let link: TrackedLink = item.doc()?;
        if !record {
            return Ok(Some(link.url));
        }
        let now = self.clock.now_ms();
        let clicker = match &link.external_userid {
            Some(customer) => Clicker::Customer(customer.clone()),
            None => {
                let key = self.key.get(self.store.as_ref(), now).await?;
                key.visitor(from.ip.as_deref(), from.user_agent.as_deref())
                    .map_or(Clicker::Anonymous, Clicker::Visitor)
            }
        };
        let sk = clicker_click_sk(&clicker);
        if self.store.get(&pk, &sk).await?.is_some() {
            // This clicker's click is recorded already.
            return Ok(Some(link.url));
        }
        let click = Click {
            token: token.to_owned(),
            campaign_id: link.campaign_id.clone(),
            at_ms: now,
            external_userid: link.external_userid.clone(),
        };
        let mut ops = vec![WriteOp::Put {
            item: Item::with_doc(pk.clone(), sk, &click)?,
            condition: Condition::NotExists,
        }];
        match &clicker {
            // A customer's first click also marks them as a clicker (unique clickers), unless
            // a click of an earlier version did.
            Clicker::Customer(customer) => {
                if self.store.get(&pk, &clicker_sk(customer)).await?.is_none() {
                    ops.push(WriteOp::Put {
                        item: Item::with_doc(pk.clone(), clicker_sk(customer), &click)?,
                        condition: Condition::NotExists,
                    });
                }
            }
            // Visitors: bounded per link, whoever makes up addresses.
            Clicker::Visitor(_) | Clicker::Anonymous => {
                let counts = Aggregates::new(self.store.clone()).link(token).await?;
                if counts.count(clicks::CLICKS) >= self.max_clicks {
                    return Ok(Some(link.url));
                }
            }
        }
        match self.store.transact(ops).await {
            // The same clicker's concurrent hit recorded it first (or the slot is taken).
            Ok(()) | Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(Some(link.url))
    }
}

impl Campaigns {
    /// The tracked links' redirect side, over this engine's store.
    pub fn links(&self) -> Links {
        Links::new(self.store.clone(), self.clock.clone(), self.ids.clone())
    }

    /// This deployment's link key (created on first use).
    pub async fn link_key(&self) -> Result<LinkKey, CrmError> {
        LinkKey::load_or_create(self.store.as_ref(), self.clock.now_ms()).await
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
        let token = self.link_key().await?.token(campaign_id, chunk, index);
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
    fn legacy_tokens_are_the_unkeyed_hash_earlier_versions_minted() {
        assert_eq!(
            legacy_link_token("c", "CHUNK#a#00000", 0),
            legacy_link_token("c", "CHUNK#a#00000", 0)
        );
        assert_ne!(
            legacy_link_token("c", "CHUNK#a#00000", 0),
            legacy_link_token("c", "CHUNK#a#00000", 1)
        );
        assert_eq!(legacy_link_token("c", "x", 0).len(), 20);
    }
}
