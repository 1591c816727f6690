//! [`EmbeddedQueue`]: a durable, SQS-shaped job queue over the embedded database.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use ports::{
    DeadLetter, DeadLetters, Delivery, JobQueue, OutgoingMessage, QueueConsumer, QueueError,
    StoreError,
};
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::Notify;

use crate::db::EmbeddedDb;
use crate::error::sql_error;

pub use ports::queue::MAX_DELAY_SECS;
pub use ports::queue::{MAX_BODY_BYTES, MAX_VISIBILITY_SECS};
/// Longest sleep of a waiting receive between two looks at the table, for messages that become
/// visible without an in-process send (visibility ends, another process writes the file).
const MAX_IDLE_POLL: Duration = Duration::from_secs(1);

/// One named queue in the embedded database, both producer ([`JobQueue`]) and consumer
/// ([`QueueConsumer`]).
///
/// Messages are durable once `send_batch` returns. A received message stays invisible for its
/// visibility timeout; a message already received `max_receives` times is moved to the
/// dead-letter table by the next receive that finds it visible (like an SQS redrive policy).
/// Handles on the same queue name in one process share a wake-up signal, so a waiting `receive`
/// returns as soon as a message is sent.
#[derive(Debug, Clone)]
pub struct EmbeddedQueue {
    db: Arc<EmbeddedDb>,
    name: Arc<str>,
    max_receives: u32,
    notify: Arc<Notify>,
}

impl EmbeddedQueue {
    /// A handle on the queue `queue_name` (created on first use). `max_receives` is at least 1.
    pub fn new(db: Arc<EmbeddedDb>, queue_name: &str, max_receives: u32) -> Self {
        let notify = db.notifier(queue_name);
        Self {
            db,
            name: Arc::from(queue_name),
            max_receives: max_receives.max(1),
            notify,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn max_receives(&self) -> u32 {
        self.max_receives
    }

    /// Messages in the queue: visible, delayed and in flight (not dead letters).
    pub async fn len(&self) -> Result<u64, QueueError> {
        let name = self.name.clone();
        self.db
            .read(move |conn, _| {
                count(
                    conn,
                    "SELECT COUNT(*) FROM queue_messages WHERE queue = ?1",
                    params![&*name],
                )
            })
            .await
            .map_err(queue_error)
    }

    /// True when the queue holds no message.
    pub async fn is_empty(&self) -> Result<bool, QueueError> {
        Ok(self.len().await? == 0)
    }

    /// Messages received and not yet acked whose visibility timeout is running.
    pub async fn in_flight(&self) -> Result<u64, QueueError> {
        let name = self.name.clone();
        self.db
            .read(move |conn, now_ms| {
                count(
                    conn,
                    "SELECT COUNT(*) FROM queue_messages
                     WHERE queue = ?1 AND receipt IS NOT NULL AND visible_at_ms > ?2",
                    params![&*name, now_ms],
                )
            })
            .await
            .map_err(queue_error)
    }

    /// Makes every received, unacked message visible again at once, with its receive count
    /// kept and its receipt voided: what a process calls at start when it is the queue's only
    /// consumer, so that the jobs a killed predecessor held are redone now instead of after
    /// their visibility timeout (up to 15 minutes for a sync step). Retries it had delayed run
    /// now too. Returns how many messages were released.
    pub async fn release_in_flight(&self) -> Result<u64, QueueError> {
        let name = self.name.clone();
        let released = self
            .db
            .write(move |conn, now_ms| {
                conn.prepare_cached(
                    "UPDATE queue_messages SET visible_at_ms = ?1, receipt = NULL
                     WHERE queue = ?2 AND receipt IS NOT NULL AND visible_at_ms > ?1",
                )
                .and_then(|mut s| s.execute(params![now_ms, &*name]))
                .map_err(sql_error)
            })
            .await
            .map_err(queue_error)?;
        if released > 0 {
            self.notify.notify_waiters();
        }
        Ok(released as u64)
    }

    /// This queue's dead letters, oldest first (by when they were set aside, then by when they
    /// were sent). `failed_at_ms` is when the message was set aside, on the database's clock.
    pub async fn list_dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let name = self.name.clone();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db
            .read(move |conn, _| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT message_id, body, receive_count, dead_at_ms
                         FROM queue_dead_letters WHERE queue = ?1
                         ORDER BY dead_at_ms, sent_at_ms, message_id LIMIT ?2",
                    )
                    .map_err(sql_error)?;
                let rows = stmt
                    .query_map(params![&*name, limit], |row| {
                        Ok(DeadLetter {
                            id: row.get(0)?,
                            body: row.get(1)?,
                            receive_count: row.get(2)?,
                            failed_at_ms: Some(row.get(3)?),
                        })
                    })
                    .map_err(sql_error)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(sql_error)
            })
            .await
            .map_err(queue_error)
    }

    /// Moves a dead letter of this queue back into it, visible at once with a fresh receive
    /// count. `false` when no such dead letter exists.
    pub async fn replay_dead_letter(&self, id: &str) -> Result<bool, QueueError> {
        let name = self.name.clone();
        let id = id.to_owned();
        let moved = self
            .db
            .write(move |conn, now_ms| {
                let row: Option<(String, i64)> = conn
                    .prepare_cached(
                        "DELETE FROM queue_dead_letters WHERE message_id = ?1 AND queue = ?2
                         RETURNING body, sent_at_ms",
                    )
                    .and_then(|mut s| {
                        s.query_row(params![id, &*name], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()
                    })
                    .map_err(sql_error)?;
                let Some((body, sent_at_ms)) = row else {
                    return Ok(false);
                };
                insert_message(conn, &name, &id, &body, sent_at_ms, now_ms)?;
                Ok(true)
            })
            .await
            .map_err(queue_error)?;
        if moved {
            self.notify.notify_waiters();
        }
        Ok(moved)
    }

    /// One look at the table: claims up to `max` visible messages, dead-lettering those over
    /// their limit. Also tells when the next message becomes visible.
    async fn claim(
        &self,
        max: usize,
        visibility_secs: u32,
    ) -> Result<(Vec<Delivery>, Option<i64>), QueueError> {
        let name = self.name.clone();
        let max_receives = self.max_receives;
        self.db
            .write(move |conn, now_ms| {
                claim(conn, &name, max, visibility_secs, max_receives, now_ms)
            })
            .await
            .map_err(queue_error)
    }
}

#[async_trait]
impl JobQueue for EmbeddedQueue {
    async fn send_batch(&self, messages: Vec<OutgoingMessage>) -> Result<(), QueueError> {
        if messages.is_empty() {
            return Ok(());
        }
        for m in &messages {
            m.validate()?;
        }
        let name = self.name.clone();
        self.db
            .write(move |conn, now_ms| {
                for m in &messages {
                    let id = new_token();
                    let visible_at = now_ms + i64::from(m.delay_secs) * 1000;
                    insert_message(conn, &name, &id, &m.body, now_ms, visible_at)?;
                }
                Ok(())
            })
            .await
            .map_err(queue_error)?;
        self.notify.notify_waiters();
        Ok(())
    }
}

/// The queue's own dead letters: [`EmbeddedQueue::list_dead_letters`] and
/// [`EmbeddedQueue::replay_dead_letter`].
#[async_trait]
impl DeadLetters for EmbeddedQueue {
    async fn list(&self, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.list_dead_letters(limit).await
    }

    async fn replay(&self, id: &str) -> Result<bool, QueueError> {
        self.replay_dead_letter(id).await
    }
}

#[async_trait]
impl QueueConsumer for EmbeddedQueue {
    async fn receive(
        &self,
        max: usize,
        visibility_secs: u32,
        wait_ms: u64,
    ) -> Result<Vec<Delivery>, QueueError> {
        ports::queue::check_receive(max, visibility_secs)?;
        let deadline = Instant::now() + Duration::from_millis(wait_ms);
        loop {
            // Registered before looking, so a send between the look and the wait is not missed.
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();

            let (deliveries, next_visible_ms) = self.claim(max, visibility_secs).await?;
            if !deliveries.is_empty() {
                return Ok(deliveries);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(Vec::new());
            }
            let mut nap = left.min(MAX_IDLE_POLL);
            if let Some(at) = next_visible_ms {
                let until = u64::try_from(at - self.db.clock().now_ms()).unwrap_or(0);
                nap = nap.min(Duration::from_millis(until.max(5)));
            }
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep(nap) => {}
            }
        }
    }

    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        let name = self.name.clone();
        let receipt = receipt.to_owned();
        self.db
            .write(move |conn, _| {
                let deleted = conn
                    .prepare_cached("DELETE FROM queue_messages WHERE receipt = ?1 AND queue = ?2")
                    .and_then(|mut s| s.execute(params![receipt, &*name]))
                    .map_err(sql_error)?;
                if deleted == 0 {
                    return Err(StoreError::ConditionFailed);
                }
                Ok(())
            })
            .await
            .map_err(queue_error)
    }

    async fn retry_after(&self, receipt: &str, delay_secs: u32) -> Result<(), QueueError> {
        ports::queue::check_retry_delay(delay_secs)?;
        let name = self.name.clone();
        let receipt = receipt.to_owned();
        self.db
            .write(move |conn, now_ms| {
                let updated = conn
                    .prepare_cached(
                        "UPDATE queue_messages SET visible_at_ms = ?1
                         WHERE receipt = ?2 AND queue = ?3",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            now_ms + i64::from(delay_secs) * 1000,
                            receipt,
                            &*name
                        ])
                    })
                    .map_err(sql_error)?;
                if updated == 0 {
                    return Err(StoreError::ConditionFailed);
                }
                Ok(())
            })
            .await
            .map_err(queue_error)?;
        if delay_secs == 0 {
            self.notify.notify_waiters();
        }
        Ok(())
    }

    async fn pending(&self) -> Result<u64, QueueError> {
        self.len().await
    }
}

/// Maps the database's errors onto the queue port: a write whose receipt matched nothing
/// reports `ConditionFailed`, which is a stale receipt here.
fn queue_error(e: StoreError) -> QueueError {
    match e {
        StoreError::ConditionFailed => QueueError::StaleReceipt,
        StoreError::Invalid(why) => QueueError::Invalid(why),
        other => QueueError::Unavailable(other.to_string()),
    }
}

/// 32 random hex digits.
fn new_token() -> String {
    let bits: u128 = rand::random();
    format!("{bits:032x}")
}

fn count(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<u64, StoreError> {
    let n: i64 = conn
        .prepare_cached(sql)
        .and_then(|mut s| s.query_row(args, |r| r.get(0)))
        .map_err(sql_error)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn insert_message(
    conn: &Connection,
    queue: &str,
    id: &str,
    body: &str,
    sent_at_ms: i64,
    visible_at_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO queue_messages (queue, message_id, body, sent_at_ms, visible_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| s.execute(params![queue, id, body, sent_at_ms, visible_at_ms]))
    .map(|_| ())
    .map_err(sql_error)
}

fn claim(
    conn: &Connection,
    queue: &str,
    max: usize,
    visibility_secs: u32,
    max_receives: u32,
    now_ms: i64,
) -> Result<(Vec<Delivery>, Option<i64>), StoreError> {
    let mut out = Vec::with_capacity(max);
    // Rows already handled by this call: with a zero visibility timeout a delivered message
    // stays visible and would be selected again.
    let mut handled: HashSet<i64> = HashSet::new();
    while out.len() < max {
        let want = max - out.len() + handled.len();
        let candidates: Vec<(i64, String, String, u32, i64)> = conn
            .prepare_cached(
                "SELECT seq, message_id, body, receive_count, sent_at_ms FROM queue_messages
                 WHERE queue = ?1 AND visible_at_ms <= ?2
                 ORDER BY visible_at_ms, seq LIMIT ?3",
            )
            .and_then(|mut s| {
                s.query_map(params![queue, now_ms, want as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<Result<Vec<_>, _>>()
            })
            .map_err(sql_error)?;
        let fresh: Vec<_> = candidates
            .into_iter()
            .filter(|c| !handled.contains(&c.0))
            .collect();
        if fresh.is_empty() {
            break;
        }
        for (seq, message_id, body, receive_count, sent_at_ms) in fresh {
            if out.len() >= max {
                break;
            }
            handled.insert(seq);
            if receive_count >= max_receives {
                conn.prepare_cached(
                    "INSERT OR REPLACE INTO queue_dead_letters
                     (message_id, queue, body, sent_at_ms, receive_count, dead_at_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        message_id,
                        queue,
                        body,
                        sent_at_ms,
                        receive_count,
                        now_ms
                    ])
                })
                .and_then(|_| {
                    conn.prepare_cached("DELETE FROM queue_messages WHERE seq = ?1")
                        .and_then(|mut s| s.execute(params![seq]))
                })
                .map_err(sql_error)?;
                tracing::warn!(queue, message_id, receive_count, "message dead-lettered");
                continue;
            }
            let receipt = format!("{message_id}.{}", new_token());
            let receive_count = receive_count + 1;
            conn.prepare_cached(
                "UPDATE queue_messages SET receive_count = ?1, receipt = ?2, visible_at_ms = ?3
                 WHERE seq = ?4",
            )
            .and_then(|mut s| {
                s.execute(params![
                    receive_count,
                    receipt,
                    now_ms + i64::from(visibility_secs) * 1000,
                    seq
                ])
            })
            .map_err(sql_error)?;
            out.push(Delivery {
                message_id,
                receipt,
                body,
                receive_count,
            });
        }
    }
    let next_visible = if out.is_empty() {
        conn.prepare_cached("SELECT MIN(visible_at_ms) FROM queue_messages WHERE queue = ?1")
            .and_then(|mut s| s.query_row(params![queue], |r| r.get::<_, Option<i64>>(0)))
            .map_err(sql_error)?
    } else {
        None
    };
    Ok((out, next_visible))
}
