//! Cancel routing: clients get router-issued (pid, secret) keys; a CancelRequest with
//! one is sent on to the server connection currently serving that client, with the
//! server's own pid and secret.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::BytesMut;
use pgwire::frontend::CancelRequest;
use pgwire::SecretKey;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tracing::{debug, info, warn};

use crate::auth::{constant_time_eq, random_bytes};
use crate::server::CancelTarget;

/// The server a client is attached to right now (None between transactions).
pub type Slot = Arc<Mutex<Option<Arc<CancelTarget>>>>;

/// Router-issued keys -> the client's slot.
#[derive(Debug, Default)]
pub struct CancelMap {
    entries: Mutex<HashMap<i32, (SecretKey, Slot)>>,
}

/// Removes the client's key when the client leaves.
#[derive(Debug)]
pub struct Registration {
    map: Arc<CancelMap>,
    /// Router-issued process id.
    pub process_id: i32,
    /// Router-issued secret.
    pub secret_key: SecretKey,
    /// The client's current server.
    pub slot: Slot,
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock(&self.map.entries).remove(&self.process_id);
    }
}

impl Registration {
    /// Records which server connection serves the client now.
    pub fn attach(&self, target: Option<Arc<CancelTarget>>) {
        *lock(&self.slot) = target;
    }
}

impl CancelMap {
    /// Issues a fresh key for a client.
    pub fn register(self: &Arc<Self>) -> Registration {
        let slot: Slot = Arc::new(Mutex::new(None));
        let mut entries = lock(&self.entries);
        loop {
            let pid = i32::from_be_bytes(random_bytes()) & 0x7fff_ffff;
            if pid == 0 || entries.contains_key(&pid) {
                continue;
            }
            let secret_key = SecretKey::from_i32(i32::from_be_bytes(random_bytes()));
            entries.insert(pid, (secret_key.clone(), Arc::clone(&slot)));
            return Registration {
                map: Arc::clone(self),
                process_id: pid,
                secret_key,
                slot,
            };
        }
    }

    /// Handles a client's CancelRequest: forwards it if the key is known and the client
    /// is attached to a server. Never answers the client (PostgreSQL does not either).
    pub async fn cancel(&self, request: &CancelRequest) {
        let target = {
            let entries = lock(&self.entries);
            match entries.get(&request.process_id) {
                Some((secret, slot))
                    if constant_time_eq(secret.as_bytes(), request.secret_key.as_bytes()) =>
                {
                    lock(slot).clone()
                }
                _ => {
                    warn!(
                        pid = request.process_id,
                        "cancel request with unknown key ignored"
                    );
                    return;
                }
            }
        };
        let Some(target) = target else {
            debug!(
                pid = request.process_id,
                "cancel request for an idle client ignored"
            );
            return;
        };
        let mut out = BytesMut::new();
        CancelRequest {
            process_id: target.process_id,
            secret_key: target.secret_key.clone(),
        }
        .encode(&mut out);
        let sent = async {
            let tcp = TcpStream::connect((target.host.as_str(), target.port))
                .await
                .map_err(|e| e.to_string())?;
            let mut stream = match &target.tls {
                Some(tls) => crate::server::start_tls(tcp, &target.host, tls)
                    .await
                    .map_err(|e| e.to_string())?,
                None => crate::stream::Stream::Plain(tcp),
            };
            stream.send(&out).await.map_err(|e| e.to_string())?;
            stream.shutdown().await.map_err(|e| e.to_string())
        };
        match sent.await {
            Ok(()) => info!(
                pid = request.process_id,
                server = %format!("{}:{}", target.host, target.port),
                backend_pid = target.process_id,
                "cancel request forwarded"
            ),
            Err(e) => warn!(pid = request.process_id, error = %e, "cancel forwarding failed"),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
