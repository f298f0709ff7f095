//! PgCat's mirrors: every byte a client sends to a server is also sent to that server's
//! mirrors (`mirrors = [[host, port, index of the server mirrored]]` in a shard), whose
//! answers are read and dropped. For trying a new server or version under real traffic.
//!
//! Each client session gets its own connection to each mirror (opened at its first
//! mirrored message, closed when the session ends), so a mirror sees every client's
//! messages in order, as a session. Mirroring never slows or fails the client: messages
//! go through a bounded channel and are dropped (with one warning per session) when the
//! mirror falls behind or fails.

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tracing::{debug, warn};

use crate::auth::Credential;
use crate::server::{connect, ServerTarget};

/// Messages queued for one mirror before it counts as behind.
const QUEUE: usize = 1024;

/// The sending side of one session's connection to one mirror.
#[derive(Debug)]
pub struct MirrorLink {
    tx: Option<mpsc::Sender<Bytes>>,
    address: String,
}

impl MirrorLink {
    /// Starts a session's connection to `target` (in the background).
    pub fn open(
        pool: String,
        target: ServerTarget,
        credential: Credential,
        timeout: std::time::Duration,
    ) -> MirrorLink {
        let (tx, rx) = mpsc::channel(QUEUE);
        let address = format!("{}:{}", target.host, target.port);
        tokio::spawn(run(pool, target, credential, timeout, rx));
        MirrorLink {
            tx: Some(tx),
            address,
        }
    }

    /// Queues a copy of what the client sent; drops mirroring for this session when the
    /// mirror is gone or behind.
    pub fn send(&mut self, pool: &str, data: &[u8]) {
        let Some(tx) = &self.tx else { return };
        if let Err(e) = tx.try_send(Bytes::copy_from_slice(data)) {
            let why = match e {
                mpsc::error::TrySendError::Full(_) => "mirror is behind",
                mpsc::error::TrySendError::Closed(_) => "mirror connection failed",
            };
            warn!(pool, mirror = %self.address, why, "mirroring stopped for this client");
            self.tx = None;
        }
    }
}

async fn run(
    pool: String,
    target: ServerTarget,
    credential: Credential,
    timeout: std::time::Duration,
    mut rx: mpsc::Receiver<Bytes>,
) {
    let address = format!("{}:{}", target.host, target.port);
    let mut conn = match connect(&target, &credential, timeout).await {
        Ok(conn) => conn,
        Err(e) => {
            warn!(pool, mirror = %address, error = %e, "mirror connection failed");
            return;
        }
    };
    debug!(pool, mirror = %address, backend_pid = conn.cancel.process_id, "mirror connected");
    let (mut reader, mut writer) = tokio::io::split(&mut conn.stream);
    let mut sink = vec![0u8; 8192];
    loop {
        tokio::select! {
            message = rx.recv() => match message {
                Some(data) => {
                    if let Err(e) = writer.write_all(&data).await {
                        warn!(pool, mirror = %address, error = %e, "mirror connection lost");
                        return;
                    }
                }
                None => {
                    // The session ended: Terminate, as a client would.
                    let _ = writer.write_all(&[b'X', 0, 0, 0, 4]).await;
                    return;
                }
            },
            // The mirror's answers are read and dropped, so its socket never fills.
            read = reader.read(&mut sink) => match read {
                Ok(0) | Err(_) => {
                    debug!(pool, mirror = %address, "mirror closed its connection");
                    return;
                }
                Ok(_) => {}
            },
        }
    }
}
