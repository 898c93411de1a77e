//! `rm`: remove what a driver created, then the local record.

use crate::driver::handle::{self, MachineError, MachineHandle};
use crate::store::{Store, StoreError};

/// One machine's removal, reported in the order the names were given.
#[derive(Debug)]
pub struct RmOutcome {
    /// The machine's name, as given.
    pub name: String,
    /// `Ok` once the local record is gone; `Err` names the step the removal stopped at.
    pub result: Result<(), MachineError>,
    /// Set when only the local record could be removed.
    pub warning: Option<String>,
}

/// Removes machines concurrently; every failure is reported. With `force`
/// the local record goes even when the remote removal fails.
pub async fn remove(store: &Store, names: &[String], force: bool) -> Vec<RmOutcome> {
    remove_with(store, names, force, false).await
}

/// Like [`remove`]; with `cleanup`, flotilla's engine configuration is
/// first removed from hosts flotilla does not own (`generic`), so the host
/// returns to its own configuration.
pub async fn remove_with(
    store: &Store,
    names: &[String],
    force: bool,
    cleanup: bool,
) -> Vec<RmOutcome> {
    let mut set = tokio::task::JoinSet::new();
    for (i, name) in names.iter().enumerate() {
        let store = store.clone();
        let name = name.clone();
        set.spawn(async move { (i, remove_one(&store, &name, force, cleanup).await) });
    }
    let mut out: Vec<(usize, RmOutcome)> = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            out.push(r);
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, o)| o).collect()
}

async fn remove_one(store: &Store, name: &str, force: bool, cleanup: bool) -> RmOutcome {
    let mut warning = None;
    let result = async {
        if !store.exists(name) {
            return Err(MachineError::Store(StoreError::NotFound(name.to_string())));
        }
        // Leave the swarm first, so nothing is scheduled onto a machine
        // that is going away.
        match crate::discovery::membership::deregister(&store.machine_dir(name), store.root()).await
        {
            Ok(_) => {}
            Err(e) if force => {
                warning = Some(format!(
                    "{e}; the machine may still be listed in its discovery (--force)"
                ));
            }
            Err(e) => {
                return Err(MachineError::Other {
                    machine: name.to_string(),
                    message: format!(
                        "cannot leave the swarm: {e} (rm --force removes the machine anyway)"
                    ),
                });
            }
        }
        let record = store.load(name).ok();
        let swarm = record.as_ref().map(|m| m.swarm().clone()).unwrap_or_default();
        if swarm.master {
            // The manager installed on the master goes first (its host may outlive the machine).
            match super::master::remove(store, name).await {
                Ok(_) => {}
                Err(e) if force => {
                    warning = Some(format!("{e}; the manager may still run on the host (--force)"))
                }
                Err(e) => {
                    return Err(MachineError::Other {
                        machine: name.to_string(),
                        message: format!(
                            "cannot stop the swarm manager on it: {e} (rm --force removes the machine anyway)"
                        ),
                    });
                }
            }
        }
        match handle::load(store, name) {
            Ok(mut loaded) => {
                if cleanup
                    && loaded.driver.name() == "generic"
                    && let Err(e) = clean_host(&loaded).await
                {
                    if !force {
                        return Err(e);
                    }
                    warning = Some(format!("{e}; removed the local record only (--force)"));
                }
                if let Err(source) = loaded.driver.remove().await {
                    let e = MachineError::Driver {
                        machine: name.to_string(),
                        source,
                    };
                    if !force {
                        return Err(e);
                    }
                    warning = Some(format!("{e}; removed the local record only (--force)"));
                }
            }
            Err(e) => {
                // A record that cannot be read cannot drive a removal; the
                // local directory is all there is to remove.
                warning = Some(format!("{e}; removed the local record only"));
            }
        }
        {
            let _lock = store.lock()?;
            store.remove(name)?;
        }
        if swarm.is_swarm && !swarm.master {
            // The manager on the master forgets the member.
            if let Err(e) = super::master::sync_members(store, &swarm.discovery).await {
                warning = Some(format!("the manager on the master still lists it: {e}"));
            }
        }
        Ok(())
    }
    .await;
    RmOutcome {
        name: name.to_string(),
        result,
        warning,
    }
}

async fn clean_host(loaded: &MachineHandle) -> Result<(), MachineError> {
    let name = &loaded.machine.name;
    let target = loaded
        .driver
        .remote()
        .await
        .map_err(|source| MachineError::Driver {
            machine: name.clone(),
            source,
        })?;
    let wrap = |source| MachineError::Provision {
        machine: name.clone(),
        source,
    };
    let r = super::connect_remote(&target, std::time::Duration::from_secs(15))
        .await
        .map_err(|source| {
            wrap(crate::provision::ProvisionError::Remote {
                step: "connecting to the host",
                source,
            })
        })?;
    let res = crate::provision::cleanup(r.as_ref(), target.is_container()).await;
    r.close().await;
    let changed = res.map_err(wrap)?;
    tracing::info!(
        "({name}) removed flotilla's configuration: {}",
        if changed.is_empty() {
            "nothing to remove".to_string()
        } else {
            changed.join(", ")
        }
    );
    Ok(())
}
