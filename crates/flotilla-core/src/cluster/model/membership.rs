//! Membership following discovery: the swarm's members are resolved again whenever the
//! discovery backend reports a change (etcd watches; the others are polled by
//! [`crate::discovery::Discovery::watch`]) and on a poll of the store's machines; a new address
//! becomes a Pending node with a session of its own, a removed one leaves (its session stops).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::ModelOptions;
use super::node::NodeData;
use super::session::Session;
use super::shared::Shared;
use crate::cluster::live::Target;
use crate::cluster::members::{self, ClusterError, Member};
use crate::store::Store;

/// The running sessions, one per member.
pub(crate) struct Sessions {
    shared: Arc<Shared>,
    opts: ModelOptions,
    cancel: CancellationToken,
    resync: watch::Receiver<u64>,
    running: HashMap<String, (Member, CancellationToken)>,
}

impl Sessions {
    pub fn new(
        shared: Arc<Shared>,
        opts: ModelOptions,
        cancel: CancellationToken,
        resync: watch::Receiver<u64>,
    ) -> Sessions {
        Sessions {
            shared,
            opts,
            cancel,
            resync,
            running: HashMap::new(),
        }
    }

    /// Makes the running sessions those of `targets`: new members start Pending, members that
    /// left (or moved to another address) stop and leave the model.
    pub fn set(&mut self, targets: Vec<Target>) {
        let wanted: HashMap<String, &Target> =
            targets.iter().map(|t| (t.member.name.clone(), t)).collect();
        let gone: Vec<String> = self
            .running
            .iter()
            .filter(|(name, (member, _))| wanted.get(*name).is_none_or(|t| t.member != *member))
            .map(|(name, _)| name.clone())
            .collect();
        for name in gone {
            if let Some((_, token)) = self.running.remove(&name) {
                token.cancel();
            }
            self.shared.remove_node(&name);
        }
        for t in targets {
            let name = t.member.name.clone();
            if self.running.contains_key(&name) {
                continue;
            }
            tracing::info!("node {name} ({}) joins the model", t.member.addr);
            self.shared
                .add_node(NodeData::new(t.member.clone(), t.record_labels.clone()));
            let token = self.cancel.child_token();
            let session = Session::new(
                self.shared.clone(),
                t.member.clone(),
                self.opts.clone(),
                token.clone(),
                self.resync.clone(),
            );
            tokio::spawn(session.run());
            self.running.insert(name, (t.member, token));
        }
    }
}

/// Follows the swarm's membership until cancelled.
pub(crate) async fn follow(
    mut sessions: Sessions,
    store: Store,
    selector: Option<String>,
    poll: Duration,
    cancel: CancellationToken,
) {
    let settings = members::discovery_settings(&store);
    let (tx, mut rx) = mpsc::channel(4);
    let discovery = sessions.shared.swarm.discovery.clone();
    match crate::discovery::open(&discovery, &settings) {
        Ok(backend) => {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                tokio::select! {
                    () = backend.watch(poll, tx) => {}
                    () = cancel.cancelled() => {}
                }
            });
        }
        Err(e) => tracing::warn!("cannot watch {discovery}: {e}; polling the store only"),
    }
    let mut tick = tokio::time::interval(poll);
    tick.tick().await;
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            item = rx.recv() => {
                if let Some(Err(e)) = item {
                    tracing::warn!("discovery {discovery}: {e}");
                    continue;
                }
            }
            _ = tick.tick() => {}
        }
        match members::resolve_with(&store, selector.as_deref(), &settings).await {
            Ok((_, members)) => sessions.set(crate::cluster::live::targets(&store, members)),
            Err(ClusterError::Empty(_)) => sessions.set(Vec::new()),
            Err(e) => tracing::warn!("cannot resolve the swarm's members: {e}"),
        }
    }
}
