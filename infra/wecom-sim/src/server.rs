//! Serving a [`Simulator`] on a local port: [`spawn`], [`spawn_at`] and the [`RunningSim`]
//! handle.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::SimConfig;
use crate::sim::Simulator;

/// A simulator serving on a local port. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSim {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base_url: String,
    pub addr: SocketAddr,
    pub sim: Simulator,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningSim {
    /// The WeCom API base to give a client: `http://127.0.0.1:PORT/cgi-bin/`.
    pub fn api_base(&self) -> String {
        format!("{}/cgi-bin/", self.base_url)
    }

    /// `http://127.0.0.1:PORT/sim/control`.
    pub fn control_base(&self) -> String {
        format!("{}/sim/control", self.base_url)
    }

    /// Stops the server and waits (at most 5 s) for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts a simulator on `127.0.0.1` with a free port.
pub async fn spawn(config: SimConfig) -> std::io::Result<RunningSim> {
    spawn_at(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts a simulator on `addr`.
pub async fn spawn_at(config: SimConfig, addr: SocketAddr) -> std::io::Result<RunningSim> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let sim = Simulator::new(config);
    let (tx, rx) = oneshot::channel::<()>();
    let router = sim.router();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "wecom-sim server stopped");
        }
    });
    Ok(RunningSim {
        base_url: format!("http://{addr}"),
        addr,
        sim,
        shutdown: Some(tx),
        task: Some(task),
    })
}
