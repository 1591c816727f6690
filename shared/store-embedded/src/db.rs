//! The database handle: one writer thread doing group commits, and a pool of read connections.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ports::{Clock, StoreError, SystemClock};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::error::sql_error;
use crate::schema;

/// Most write requests committed in one transaction.
const MAX_GROUP: usize = 1024;
/// Write requests waiting for the writer before senders are made to wait.
const QUEUE_DEPTH: usize = 8192;
/// Read-only connections of a file database.
const READERS: usize = 4;
/// How long a connection waits for another process's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the writer removes expired items.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// Most expired items removed per sweep transaction.
const SWEEP_CHUNK: usize = 1000;

/// The embedded database: a SQLite file (or a private in-memory database) shared by
/// [`SqliteStore`](crate::SqliteStore) and any number of [`EmbeddedQueue`](crate::EmbeddedQueue)s.
///
/// Writes go to one dedicated writer thread, which drains every pending request and commits them
/// in one transaction (group commit), each request inside its own savepoint so that one failed
/// condition leaves its neighbours alone. A request is answered only after its transaction is
/// committed, and a file database commits with `synchronous=FULL`: an acknowledged write is on
/// disk. Reads run on separate read-only connections (WAL mode), so they never wait for the
/// writer.
pub struct EmbeddedDb {
    sender: Option<mpsc::Sender<Box<dyn Job>>>,
    writer: Option<JoinHandle<()>>,
    readers: Arc<ReadPool>,
    clock: Arc<dyn Clock>,
    notifiers: Mutex<HashMap<String, Arc<Notify>>>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for EmbeddedDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedDb")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl EmbeddedDb {
    /// Opens (creating if needed) the database file at `path`, on the system clock.
    pub fn open(path: &Path) -> Result<Arc<Self>, StoreError> {
        Self::open_with_clock(path, Arc::new(SystemClock))
    }

    /// Opens (creating it and its directory if needed) the database file at `path`; TTL and
    /// queue visibility follow `clock`.
    pub fn open_with_clock(path: &Path, clock: Arc<dyn Clock>) -> Result<Arc<Self>, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let writer = Connection::open(path).map_err(|e| open_error(path, &e))?;
        configure(&writer, true)?;
        schema::migrate(&writer)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| open_error(path, &e))?;
            configure(&reader, false)?;
            readers.push(Arc::new(Mutex::new(reader)));
        }
        Self::start(
            Arc::new(Mutex::new(writer)),
            readers,
            clock,
            Some(path.to_owned()),
        )
    }

    /// A private in-memory database, on the system clock; gone when dropped.
    pub fn open_in_memory() -> Result<Arc<Self>, StoreError> {
        Self::open_in_memory_with_clock(Arc::new(SystemClock))
    }

    /// A private in-memory database whose TTL and queue visibility follow `clock`.
    ///
    /// One connection serves the writer and the readers (reads wait for a running group commit).
    pub fn open_in_memory_with_clock(clock: Arc<dyn Clock>) -> Result<Arc<Self>, StoreError> {
        let conn = Connection::open_in_memory().map_err(sql_error)?;
        configure(&conn, true)?;
        schema::migrate(&conn)?;
        let shared = Arc::new(Mutex::new(conn));
        Self::start(shared.clone(), vec![shared], clock, None)
    }

    fn start(
        writer_conn: Arc<Mutex<Connection>>,
        readers: Vec<Arc<Mutex<Connection>>>,
        clock: Arc<dyn Clock>,
        path: Option<PathBuf>,
    ) -> Result<Arc<Self>, StoreError> {
        let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
        let writer_clock = clock.clone();
        let writer = std::thread::Builder::new()
            .name("store-embedded-writer".into())
            .spawn(move || writer_loop(&writer_conn, receiver, writer_clock.as_ref()))
            .map_err(|e| StoreError::Unavailable(format!("cannot start the writer thread: {e}")))?;
        Ok(Arc::new(Self {
            sender: Some(sender),
            writer: Some(writer),
            readers: Arc::new(ReadPool {
                connections: readers,
                next: AtomicUsize::new(0),
            }),
            clock,
            notifiers: Mutex::new(HashMap::new()),
            path,
        }))
    }

    /// The database file, or `None` for an in-memory database.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The clock TTL and queue visibility follow.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Removes expired items for good (they are already invisible; the writer also does this
    /// every minute). Returns how many were removed.
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        self.write(|conn, now_ms| {
            let mut total = 0;
            loop {
                let removed = sweep_expired(conn, now_ms)?;
                total += removed;
                if removed < SWEEP_CHUNK as u64 {
                    return Ok(total);
                }
            }
        })
        .await
    }

    /// Runs `work` on the writer thread inside the next group commit and answers once that
    /// transaction is committed. An `Err` from `work` rolls back only `work`'s own changes.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, i64) -> Result<T, StoreError> + Send + 'static,
    {
        let sender = self
            .sender
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("database is closed".into()))?;
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(WriteJob {
            work: Some(work),
            result: None,
            reply,
        });
        sender
            .send(job)
            .await
            .map_err(|_| StoreError::Unavailable("the writer thread has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the writer thread dropped a request".into()))?
    }

    /// Runs `work` on a read connection, off the async runtime.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, i64) -> Result<T, StoreError> + Send + 'static,
    {
        let readers = self.readers.clone();
        let clock = self.clock.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.acquire()?;
            work(&conn, clock.now_ms())
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("read task failed: {e}")))?
    }

    /// The wake-up signal of one queue, shared by every handle on that queue in this process.
    pub(crate) fn notifier(&self, queue: &str) -> Arc<Notify> {
        let mut map = self
            .notifiers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(queue.to_owned()).or_default().clone()
    }
}

impl Drop for EmbeddedDb {
    fn drop(&mut self) {
        // Closing the channel lets the writer finish what it holds and stop.
        self.sender = None;
        if let Some(writer) = self.writer.take()
            && writer.thread().id() != std::thread::current().id()
            && writer.join().is_err()
        {
            tracing::error!("the store-embedded writer thread panicked");
        }
    }
}

/// Copies the database file at `src` into a new file `dest`, consistently, while other
/// processes (a running `serve`) keep reading and writing it: SQLite's `VACUUM INTO`, in one
/// read transaction, so the copy is the database as of one commit, compacted. `dest` must not
/// exist; it is readable by its owner only. Answers the copy's size in bytes.
pub fn backup(src: &Path, dest: &Path) -> Result<u64, StoreError> {
    if !src.is_file() {
        return Err(StoreError::Unavailable(format!(
            "no database at {}",
            src.display()
        )));
    }
    if dest.exists() {
        return Err(StoreError::Unavailable(format!(
            "{} exists already; back up into a new file",
            dest.display()
        )));
    }
    let conn = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| open_error(src, &e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
    let target = dest.to_str().ok_or_else(|| {
        StoreError::Unavailable(format!("{} is not a UTF-8 path", dest.display()))
    })?;
    conn.execute("VACUUM INTO ?1", [target])
        .map_err(sql_error)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dest, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", dest.display())))?;
    }
    std::fs::metadata(dest)
        .map(|m| m.len())
        .map_err(|e| StoreError::Unavailable(format!("{}: {e}", dest.display())))
}

fn open_error(path: &Path, e: &rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("cannot open {}: {e}", path.display()))
}

fn configure(conn: &Connection, writer: bool) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
    conn.set_prepared_statement_cache_capacity(64);
    if writer {
        // In memory the journal mode stays "memory"; on a file it must become WAL.
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
            .map_err(sql_error)?;
        if mode != "wal" && mode != "memory" {
            return Err(StoreError::Unavailable(format!(
                "cannot switch the database to WAL mode (journal_mode is {mode})"
            )));
        }
        conn.execute_batch(
            "PRAGMA synchronous=FULL;
             PRAGMA temp_store=MEMORY;
             PRAGMA wal_autocheckpoint=4000;
             PRAGMA cache_size=-16000;",
        )
        .map_err(sql_error)?;
    } else {
        conn.execute_batch("PRAGMA query_only=1; PRAGMA cache_size=-8000;")
            .map_err(sql_error)?;
    }
    Ok(())
}

struct ReadPool {
    connections: Vec<Arc<Mutex<Connection>>>,
    next: AtomicUsize,
}

impl ReadPool {
    /// A free connection if one is, else waits for the next one in turn.
    fn acquire(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        let n = self.connections.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            if let Some(conn) = self.connections.get((start + i) % n) {
                match conn.try_lock() {
                    Ok(guard) => return Ok(guard),
                    Err(TryLockError::Poisoned(p)) => return Ok(p.into_inner()),
                    Err(TryLockError::WouldBlock) => {}
                }
            }
        }
        let conn = self
            .connections
            .get(start.checked_rem(n).unwrap_or(0))
            .ok_or_else(|| StoreError::Unavailable("no read connection".into()))?;
        Ok(conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// One write request as the writer thread sees it.
trait Job: Send {
    /// Runs the request's work; `false` when it failed and its changes must be rolled back.
    fn run(&mut self, conn: &Connection, now_ms: i64) -> bool;

    /// Answers the caller once the group's fate is known.
    fn finish(self: Box<Self>, committed: Result<(), &str>);
}

struct WriteJob<T, F> {
    work: Option<F>,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for WriteJob<T, F>
where
    T: Send,
    F: FnOnce(&Connection, i64) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, conn: &Connection, now_ms: i64) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let result = work(conn, now_ms);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), &str>) {
        let answer = match (self.result, committed) {
            // A request that failed on its own wrote nothing, whatever happened to the group.
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (Some(Ok(_)), Err(why)) | (None, Err(why)) => {
                Err(StoreError::Unavailable(format!("commit failed: {why}")))
            }
            (None, Ok(())) => Err(StoreError::Unavailable("request was not run".into())),
        };
        // The caller may have given up waiting; nothing to do then.
        let _ = self.reply.send(answer);
    }
}

fn writer_loop(
    conn: &Mutex<Connection>,
    mut receiver: mpsc::Receiver<Box<dyn Job>>,
    clock: &dyn Clock,
) {
    let mut last_sweep = Instant::now();
    let mut group: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_GROUP);
    while let Some(first) = receiver.blocking_recv() {
        group.push(first);
        while group.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let guard = conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let committed = commit_group(&guard, &mut group, clock.now_ms());
        if let Err(why) = &committed {
            tracing::error!(error = %why, requests = group.len(), "group commit failed");
        }
        for job in group.drain(..) {
            job.finish(committed.as_ref().copied().map_err(String::as_str));
        }
        if last_sweep.elapsed() >= SWEEP_EVERY {
            last_sweep = Instant::now();
            if let Err(e) = sweep_in_transaction(&guard, clock.now_ms()) {
                tracing::warn!(error = %e, "removing expired items failed");
            }
        }
    }
}

/// Runs every job in one transaction, each in its own savepoint.
fn commit_group(conn: &Connection, group: &mut [Box<dyn Job>], now_ms: i64) -> Result<(), String> {
    let step = |sql: &str| -> Result<(), String> {
        conn.prepare_cached(sql)
            .and_then(|mut s| s.execute([]))
            .map(|_| ())
            .map_err(|e| format!("{sql}: {e}"))
    };
    step("BEGIN IMMEDIATE")?;
    let outcome = (|| {
        for job in group.iter_mut() {
            step("SAVEPOINT request")?;
            if job.run(conn, now_ms) {
                step("RELEASE request")?;
            } else {
                step("ROLLBACK TO request")?;
                step("RELEASE request")?;
            }
            if conn.is_autocommit() {
                return Err("the transaction was aborted by SQLite".to_owned());
            }
        }
        step("COMMIT")
    })();
    if outcome.is_err() && !conn.is_autocommit() {
        // Best effort: the caller reports the original failure.
        let _ = conn.execute_batch("ROLLBACK");
    }
    outcome
}

fn sweep_in_transaction(conn: &Connection, now_ms: i64) -> Result<(), StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE").map_err(sql_error)?;
    match sweep_expired(conn, now_ms) {
        Ok(_) => conn.execute_batch("COMMIT").map_err(sql_error),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

fn sweep_expired(conn: &Connection, now_ms: i64) -> Result<u64, StoreError> {
    let removed = conn
        .prepare_cached(
            "DELETE FROM items WHERE (pk, sk) IN (
                 SELECT pk, sk FROM items
                 WHERE expires_at IS NOT NULL AND expires_at <= ?1 LIMIT ?2)",
        )
        .and_then(|mut s| {
            s.execute(rusqlite::params![
                now_ms.div_euclid(1000),
                SWEEP_CHUNK as i64
            ])
        })
        .map_err(sql_error)?;
    Ok(removed as u64)
}
