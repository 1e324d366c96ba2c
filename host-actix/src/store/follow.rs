//! The follower: one per replica, on its own thread and tokio runtime (actix-web runs one
//! single-threaded runtime per worker; none of them should carry this). It holds a dedicated
//! connection that `LISTEN`s for changes, takes each one in (re-reading just that client, token
//! or the keys), and publishes a new snapshot through the state's `ArcSwap`, so requests in
//! flight keep the one they started with and the next ones see the change.
//!
//! When the connection is lost the replica goes on serving what it holds (`/readyz` says
//! degraded and why), reconnects with backoff, and re-reads everything when it is back, so no
//! change made meanwhile is missed. A full re-read also runs every `resync_interval` as a
//! safety net, and the key schedule (a rotated key starting to sign, an old one retiring) is
//! applied on time even while the database is away.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use certbind_core::{LoadOptions, LoadedClient, RegistryProblem, UnixTime};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_postgres::AsyncMessage;

use super::clients::{self as rows, CHANNEL};
use super::connect::Database;
use super::files::StoredFiles;
use super::handle::{Change, Command, StoreStatus};
use super::kek::Kek;
use super::signing_keys::{self, StoredKey};
use super::{StoreError, revoked};
use crate::keys::KeySet;
use crate::registry::Registry;
use crate::state::{AppState, Snapshot};

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// First wait after a lost connection.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Everything a replica holds from the store, as read.
#[derive(Debug, Default)]
struct Held {
    /// The registry-level part (trust anchors named at the top, clock skew).
    base: certbind_core::Registry,
    files: StoredFiles,
    clients: BTreeMap<String, LoadedClient>,
    keys: Vec<StoredKey>,
}

/// Follows the store for one replica.
#[derive(Debug)]
pub struct Follower {
    db: Database,
    kek: Kek,
    max_token_lifetime: u64,
    resync_interval: Duration,
    held: Held,
    /// When the key schedule next changes.
    next_key_change: Option<i64>,
}

fn now_unix() -> i64 {
    i64::try_from(crate::time::now_unix()).unwrap_or(i64::MAX)
}

fn core_now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(crate::time::now_unix()))
}

/// Checks one stored client definition with the core's validator (the same one as TOML files
/// and registration).
fn check(definition: &serde_json::Value, files: &mut StoredFiles) -> Result<LoadedClient, String> {
    certbind_core::load_client_data(definition, &LoadOptions::new(core_now()), files).map_err(|e| {
        match e {
            certbind_core::Error::Registry { problems } => problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    })
}

impl Follower {
    /// Reads everything from the store (at start, before the server listens) and returns the
    /// first registry and key set with the follower to run afterwards.
    ///
    /// # Errors
    /// The database cannot be reached, its schema is not this build's, or what it holds does
    /// not load (no signing key, a key the KEK does not open).
    pub(crate) async fn start(
        db: Database,
        kek: Kek,
        max_token_lifetime: u64,
        resync_interval: Duration,
    ) -> Result<(Self, Arc<Registry>, KeySet), StoreError> {
        let client = db.connect().await?;
        super::migrate::require_current(&client, &db.schema).await?;
        let mut follower = Self {
            db,
            kek,
            max_token_lifetime,
            resync_interval,
            held: Held::default(),
            next_key_change: None,
        };
        follower.read_all(&client).await?;
        let registry = follower.registry();
        let keys = follower.key_set()?;
        Ok((follower, registry, keys))
    }

    /// Re-reads everything into `held`.
    async fn read_all(&mut self, client: &tokio_postgres::Client) -> Result<(), StoreError> {
        let settings = rows::registry_settings(client).await?;
        let mut files = StoredFiles {
            files: rows::files(client).await?,
        };
        let base =
            certbind_core::load_registry_data(&settings, &LoadOptions::new(core_now()), &mut files)
                .map_err(|e| {
                    StoreError::Invalid(format!("the registry settings do not load: {e}"))
                })?
                .registry;
        let mut clients = BTreeMap::new();
        for (client_id, definition) in rows::definitions(client).await? {
            match check(&definition, &mut files) {
                Ok(loaded) => {
                    clients.insert(client_id, loaded);
                }
                // A row written by hand or by another version: left out, loudly.
                Err(problems) => tracing::error!(
                    target: "certbind::store", client = %client_id, %problems,
                    "a stored client does not load; it cannot authenticate"
                ),
            }
        }
        let keys = signing_keys::all(client).await?;
        self.held = Held {
            base,
            files,
            clients,
            keys,
        };
        Ok(())
    }

    /// The registry of the held clients (the core's index, as the file store builds it).
    fn registry(&self) -> Arc<Registry> {
        let mut registry = self.held.base.clone();
        let mut warnings: Vec<RegistryProblem> = Vec::new();
        for loaded in self.held.clients.values() {
            registry.trust.merge(loaded.trust.clone());
            registry.clients.push(loaded.client.clone());
            warnings.extend(loaded.warnings.iter().cloned());
        }
        Arc::new(Registry::from_registry(registry, warnings))
    }

    /// The key set to publish now; remembers when the schedule next changes.
    fn key_set(&mut self) -> Result<KeySet, StoreError> {
        let (keys, next) = signing_keys::key_set(
            &self.held.keys,
            &self.kek,
            now_unix(),
            self.max_token_lifetime,
        )?;
        self.next_key_change = next;
        Ok(keys)
    }

    /// Publishes a snapshot of what is held.
    fn publish(&mut self, state: &AppState) {
        let keys = match self.key_set() {
            Ok(keys) => keys,
            Err(e) => {
                tracing::error!(target: "certbind::store", error = %e, "the stored signing keys do not load; keeping the previous ones");
                return;
            }
        };
        let signing = keys.current().kid().to_owned();
        if state.snapshot().keys.current().kid() != signing {
            tracing::info!(target: "certbind::store", kid = %signing, published = keys.keys().len(), "signing with a new key");
        }
        let snapshot = Snapshot::new(self.registry(), keys, self.max_token_lifetime, &state.urls);
        state.replace(snapshot);
    }

    /// Takes in one change (re-reading what it names).
    async fn take_in(
        &mut self,
        client: &tokio_postgres::Client,
        change: &Change,
        state: &AppState,
    ) -> Result<(), StoreError> {
        match change {
            Change::Client(id) => match rows::definition(client, id).await? {
                Some(definition) => match check(&definition, &mut self.held.files) {
                    Ok(loaded) => {
                        self.held.clients.insert(id.clone(), loaded);
                    }
                    Err(problems) => {
                        self.held.clients.remove(id);
                        tracing::error!(target: "certbind::store", client = %id, %problems, "a stored client does not load; it cannot authenticate");
                    }
                },
                None => {
                    self.held.clients.remove(id);
                }
            },
            Change::Revoked(jti) => {
                if let Some(exp) = revoked::get(client, jti).await? {
                    state.store.revoked.insert(jti.clone(), exp);
                }
            }
            Change::Keys => self.held.keys = signing_keys::all(client).await?,
            Change::All => {
                self.read_all(client).await?;
                let live = revoked::live(client).await?;
                state.store.revoked.replace(live, crate::time::now_unix());
            }
        }
        Ok(())
    }

    /// Runs the follower on a thread of its own until the process ends.
    ///
    /// # Errors
    /// The thread could not be started.
    pub(crate) fn spawn(
        self,
        state: web::Data<AppState>,
        commands: mpsc::UnboundedReceiver<Command>,
    ) -> std::io::Result<()> {
        std::thread::Builder::new()
            .name("certbind-store".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        tracing::error!(target: "certbind::store", error = %e, "cannot start the store follower");
                        return;
                    }
                };
                runtime.block_on(self.run(state, commands));
            })
            .map(|_| ())
    }

    async fn run(
        mut self,
        state: web::Data<AppState>,
        mut commands: mpsc::UnboundedReceiver<Command>,
    ) {
        let mut backoff = FIRST_BACKOFF;
        loop {
            let reason = match self.connect_and_follow(&state, &mut commands).await {
                Ok(()) => return, // the command channel closed: the server is gone
                Err(e) => e,
            };
            if !matches!(state.store.status(), StoreStatus::Degraded { .. }) {
                tracing::warn!(
                    target: "certbind::store", reason = %reason,
                    "the database is unavailable: serving the clients and keys held in memory; \
                     registration and revocation answer 503 until it is back"
                );
                state.store.set_status(StoreStatus::Degraded {
                    since: crate::time::now_unix(),
                    reason: reason.to_string(),
                });
            }
            // Wait before the next attempt, still applying the key schedule and answering
            // commands (nothing to take in: a write cannot have committed meanwhile).
            let until = Instant::now() + backoff;
            loop {
                let key_change = self.key_deadline();
                tokio::select! {
                    () = tokio::time::sleep_until(until) => break,
                    () = tokio::time::sleep_until(key_change) => self.publish(&state),
                    command = commands.recv() => match command {
                        Some(Command::Apply(_, ack)) => { let _ = ack.send(()); }
                        Some(Command::Resync) => {}
                        None => return,
                    },
                }
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// When the key schedule next changes, as a tokio instant (far away when never).
    fn key_deadline(&self) -> Instant {
        let wait = self
            .next_key_change
            .map_or(3600, |t| t.saturating_sub(now_unix()).max(0));
        Instant::now() + Duration::from_secs(u64::try_from(wait).unwrap_or(3600))
    }

    /// One connection's life: LISTEN, re-read everything, then take in changes until the
    /// connection is lost (`Err`) or the server is gone (`Ok`).
    async fn connect_and_follow(
        &mut self,
        state: &AppState,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> Result<(), StoreError> {
        let (client, mut connection) = self
            .db
            .config
            .connect(self.db.tls.clone())
            .await
            .map_err(|e| StoreError::unavailable(&self.db.shown, &e))?;
        let (notes, mut notifications) = mpsc::unbounded_channel::<Result<String, String>>();
        // The connection's messages (notifications included) arrive by polling it; it also
        // carries this client's queries.
        tokio::spawn(async move {
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notification(n))) => {
                        if notes.send(Ok(n.payload().to_owned())).is_err() {
                            return;
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        let _ = notes.send(Err(super::db_message(&e)));
                        return;
                    }
                    None => {
                        let _ = notes.send(Err("the connection was closed".into()));
                        return;
                    }
                }
            }
        });
        client
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .await
            .map_err(StoreError::query)?;
        // Listening before re-reading: a change committed meanwhile is either read now or
        // notified next.
        self.take_in(&client, &Change::All, state).await?;
        self.publish(state);
        if let StoreStatus::Degraded { since, .. } = state.store.status() {
            tracing::info!(
                target: "certbind::store",
                down_for_s = crate::time::now_unix().saturating_sub(since),
                "the database is reachable again; everything re-read"
            );
        }
        state.store.set_status(StoreStatus::Connected);
        let mut next_resync = Instant::now() + self.resync_interval;
        loop {
            let key_change = self.key_deadline();
            tokio::select! {
                note = notifications.recv() => {
                    let mut changes = match note {
                        Some(Ok(payload)) => vec![Change::parse(&payload)],
                        Some(Err(reason)) => return Err(StoreError::Unavailable(reason)),
                        None => return Err(StoreError::Unavailable("the connection task ended".into())),
                    };
                    // Take in everything already waiting, then publish once.
                    while let Ok(more) = notifications.try_recv() {
                        match more {
                            Ok(payload) => changes.push(Change::parse(&payload)),
                            Err(reason) => return Err(StoreError::Unavailable(reason)),
                        }
                    }
                    if changes.contains(&Change::All) {
                        changes = vec![Change::All];
                    }
                    for change in &changes {
                        self.take_in(&client, change, state).await?;
                    }
                    self.publish(state);
                }
                command = commands.recv() => match command {
                    Some(Command::Apply(change, ack)) => {
                        self.take_in(&client, &change, state).await?;
                        self.publish(state);
                        let _ = ack.send(());
                    }
                    Some(Command::Resync) => {
                        self.take_in(&client, &Change::All, state).await?;
                        self.publish(state);
                        tracing::info!(target: "certbind::store", clients = self.held.clients.len(), "store re-read (SIGHUP)");
                    }
                    None => return Ok(()),
                },
                () = tokio::time::sleep_until(next_resync) => {
                    self.take_in(&client, &Change::All, state).await?;
                    let purged = revoked::purge(&client).await?;
                    state.store.revoked.purge(crate::time::now_unix());
                    self.publish(state);
                    tracing::debug!(target: "certbind::store", clients = self.held.clients.len(), purged, "periodic re-read");
                    next_resync = Instant::now() + self.resync_interval;
                }
                () = tokio::time::sleep_until(key_change) => self.publish(state),
            }
        }
    }
}
