//! Recreating a container of a failed node on another one (the I/O of
//! [`crate::cluster::reschedule`]): the same create body (configuration, host configuration,
//! labels with the swarm ID, constraints and affinities, which the scheduler applies again), the
//! same name, decided on the model under the swarm's decision lock like any create, started
//! when the old one ran, and put in the model at once.

use crate::cluster::model::Model;
use crate::cluster::pending::{self, DecisionLock};
use crate::cluster::reschedule::Tracked;
use crate::ops::run::{self, RunError, RunProgress};
use crate::ops::run_spec::Spec;
use crate::scheduler::{ScheduleError, planned_container};
use crate::store::Store;

/// Pulls during a reschedule go to the log.
struct LogProgress;

impl RunProgress for LogProgress {
    fn pull(&self, node: &str, image: &str, status: &str) {
        tracing::debug!("rescheduling: pulling {image} on {node}: {status}");
    }
    fn pulled(&self, node: &str, image: &str) {
        tracing::info!("rescheduling: pulled {image} on {node}");
    }
}

/// A new copy of `old` on another node, started when `start`; returns its ID and node. The old
/// node's copy does not hold the name (it is the same container), every other node's does.
pub async fn recreate(
    store: &Store,
    model: &Model,
    old: &Tracked,
    start: bool,
    pending_ttl: std::time::Duration,
) -> Result<(String, String), RunError> {
    let spec = Spec {
        name: old.name.clone(),
        body: old.body.clone(),
        remove_after: false,
        detach: true,
    };
    let prepared = spec.request()?.prepare().map_err(ScheduleError::from)?;
    let discovery = model.swarm().discovery.clone();
    let lock = DecisionLock::acquire(store, &discovery).await?;
    let entries = lock.pending();
    let decision = run::decide_on_model(model, &entries, &prepared, Some(&old.node))?;
    lock.record(
        &old.swarm_id,
        &decision.node,
        planned_container(&prepared),
        pending_ttl,
    )?;
    lock.release();
    let node = decision.node;
    let result = match model.client(&node) {
        None => Err(RunError::Engine {
            node: node.clone(),
            step: "connect",
            message: "no connection to the engine".into(),
        }),
        Some(docker) => {
            let r = run::create_and_start(
                docker.clone(),
                &node,
                &spec,
                &prepared,
                start,
                None,
                &LogProgress,
            )
            .await;
            if let Ok((id, _, _)) = &r
                && let Ok(inspect) = docker.inspect_container(id, None).await
            {
                model.put_container(&node, inspect);
            }
            r
        }
    };
    let done = if result.is_ok() {
        pending::settle(store, &discovery, &old.swarm_id).await
    } else {
        pending::remove(store, &discovery, &old.swarm_id).await
    };
    if let Err(e) = done {
        tracing::warn!("cannot settle the pending entry: {e}");
    }
    let (id, _, _) = result?;
    Ok((id, node))
}
