//! `flotilla proxy` (the watcher) and `flotilla proxy status`.

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::Context;
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

use super::{Ctx, UsageError, hinted};
use crate::cli::{ProxyArgs, ProxyCommand, ProxyRunArgs, ProxyStatusArgs};
use flotilla_core::acme::{self, AcmeConfig};
use flotilla_core::proxy::dataplane::{DataPlane, Local, NODE_PREFIX, NginxContainer, NodeOptions};
use flotilla_core::proxy::engines::{self, Member, Placement};
use flotilla_core::proxy::files::FileDirs;
use flotilla_core::proxy::filter::ContainerFilter;
use flotilla_core::proxy::serving::ProxySettings;
use flotilla_core::proxy::status::{self, Status};
use flotilla_core::proxy::watch::{self, WatchOptions};

pub async fn run(ctx: &Ctx, a: ProxyArgs) -> anyhow::Result<()> {
    match a.command {
        Some(ProxyCommand::Status(s)) => status(ctx, s),
        None => watch(ctx, a.run).await,
    }
}

fn conf_dir(ctx: &Ctx, given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| ctx.store.root().join("proxy"))
}

fn status(ctx: &Ctx, a: ProxyStatusArgs) -> anyhow::Result<()> {
    let dir = conf_dir(ctx, a.conf_dir);
    let st = Status::read(&dir).map_err(|e| match e {
        status::StatusError::Missing { .. } => hinted(
            e,
            "start the watcher with `flotilla proxy`, or pass the --conf-dir it uses",
        ),
        other => other.into(),
    })?;
    if a.format == "json" {
        let mut s = serde_json::to_string_pretty(&st)?;
        s.push('\n');
        ctx.printer.data_raw(&s);
    } else {
        ctx.printer
            .data_raw(&crate::view::proxy_status::render_text(
                &st,
                st.liveness(),
                status::now(),
            ));
    }
    Ok(())
}

/// `PORT`, `IP:PORT` or `[IPv6]:PORT`.
fn parse_listen(s: &str) -> anyhow::Result<(Option<IpAddr>, u16)> {
    let bad = || anyhow::anyhow!("invalid --listen {s:?}: expected PORT or IP:PORT");
    if let Ok(p) = s.parse::<u16>() {
        return if p == 0 { Err(bad()) } else { Ok((None, p)) };
    }
    let sock: std::net::SocketAddr = s.parse().map_err(|_| bad())?;
    if sock.port() == 0 {
        return Err(bad());
    }
    Ok((Some(sock.ip()), sock.port()))
}

/// The operator's settings for every vhost, checked as the renderer will write them.
fn settings(a: &ProxyRunArgs) -> anyhow::Result<ProxySettings> {
    let hsts = a.hsts.trim();
    if !hsts.eq_ignore_ascii_case("off")
        && (hsts.is_empty()
            || hsts
                .chars()
                .any(|c| !(' '..='~').contains(&c) || matches!(c, '"' | '\\' | '$')))
    {
        return Err(UsageError(format!(
            "invalid --hsts {hsts:?}: printable ASCII without quotes, '\\' or '$' (or off)"
        ))
        .into());
    }
    let root = a.default_root.trim();
    let default_root = if root.eq_ignore_ascii_case("none") {
        None
    } else if root.is_empty()
        || root
            .chars()
            .any(|c| c.is_control() || matches!(c, ';' | '{' | '}' | '"' | '\''))
    {
        return Err(UsageError(format!(
            "invalid --default-root {root:?}: a `return` argument such as 404 or \"301 https://example.com\" (or none)"
        ))
        .into());
    } else {
        Some(root.to_string())
    };
    Ok(ProxySettings {
        default_host: a.default_host.clone(),
        default_root,
        trust_downstream_proxy: a.trust_downstream_proxy,
        access_log: a
            .access_log
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned()),
        https_method: a.https_method,
        hsts: hsts.to_string(),
        non_get_redirect: a.non_get_redirect,
        trust_default_cert: a.trust_default_cert,
        http2: a.http2,
    })
}

/// The ACME settings when any ACME flag is given.
fn acme(ctx: &Ctx, a: &ProxyRunArgs) -> Option<AcmeConfig> {
    if a.acme_email.is_none() && a.acme_directory.is_none() && !a.acme_staging {
        return None;
    }
    let directory = match (&a.acme_directory, a.acme_staging) {
        (Some(d), _) => d.clone(),
        (None, true) => acme::LETS_ENCRYPT_STAGING.to_string(),
        (None, false) => acme::LETS_ENCRYPT.to_string(),
    };
    Some(AcmeConfig {
        directory,
        email: a.acme_email.clone(),
        ca_file: a.acme_ca_file.clone(),
        store_root: ctx.store.root().to_path_buf(),
        timeout: a.timeout.max(std::time::Duration::from_secs(30)),
    })
}

async fn members(ctx: &Ctx, a: &ProxyRunArgs) -> anyhow::Result<Vec<Member>> {
    let mut out: Vec<Member> = Vec::new();
    if let Some(selector) = &a.swarm {
        let selector = Some(selector.as_str()).filter(|s| !s.is_empty());
        let (_, members) = flotilla_core::cluster::members::resolve(&ctx.store, selector)
            .await
            .context("cannot resolve the swarm's engines")?;
        out.extend(members);
    }
    if !a.machines.is_empty() {
        let mut names = a.machines.clone();
        names.retain(|n| !out.iter().any(|m| &m.name == n));
        names.dedup();
        out.extend(
            engines::machines(&ctx.store, &names)
                .await
                .context("cannot resolve the engines to watch")?,
        );
    }
    if out.is_empty() {
        out.push(engines::docker_host(a.docker_host.as_deref(), |k| {
            std::env::var(k).ok()
        })?);
    }
    Ok(out)
}

async fn watch(ctx: &Ctx, a: ProxyRunArgs) -> anyhow::Result<()> {
    let listen = parse_listen(&a.listen)?;
    let dir = conf_dir(ctx, a.conf_dir.clone());
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))?;
    let mut members = members(ctx, &a).await?;

    let (plane, placement, mode, config) = match &a.node {
        Some(node) => {
            let member = match members.iter().find(|m| &m.name == node) {
                Some(m) => m.clone(),
                None => {
                    // the node is watched too: its own containers are backends like any other
                    let m = engines::machines(&ctx.store, std::slice::from_ref(node))
                        .await
                        .with_context(|| format!("cannot resolve the node {node}"))?
                        .remove(0);
                    members.push(m.clone());
                    m
                }
            };
            let docker =
                flotilla_core::engine::client(&member.addr, member.tls.as_ref(), a.timeout)
                    .with_context(|| format!("cannot connect to {node}"))?;
            let n = NginxContainer::setup(
                docker,
                &NodeOptions {
                    machine: node.clone(),
                    image: a.proxy_image.clone(),
                    name: a.proxy_name.clone(),
                    http_port: listen.1,
                    https_port: a.listen_https.unwrap_or(443),
                    node_ip: engines::host_ip(&member.addr).await.ok().flatten(),
                    conf_dir: dir.clone(),
                    timeout: a.timeout,
                },
            )
            .await
            .with_context(|| format!("cannot set up the data plane on {node}"))?;
            let placement = Placement::Node {
                node: node.clone(),
                network: n.network.clone(),
            };
            let config = format!("{node}:{}:{NODE_PREFIX}/nginx.conf", a.proxy_name);
            (DataPlane::Node(n), placement, "node", config)
        }
        None => {
            if !a.nginx.exists() {
                return Err(hinted(
                    anyhow::anyhow!("nginx not found at {}", a.nginx.display()),
                    "install nginx (apt-get install nginx-light) or pass --nginx PATH",
                ));
            }
            let local = Local::new(
                &dir,
                a.nginx.clone(),
                listen,
                a.listen_https.filter(|p| *p != 0),
                a.reload_cmd.clone(),
                a.timeout,
            );
            let mode = if a.reload_cmd.is_some() {
                "reload-cmd"
            } else {
                "local"
            };
            let config = local.target.display().to_string();
            (
                DataPlane::Local(local),
                Placement::Local {
                    engine_ip: a.engine_ip,
                },
                mode,
                config,
            )
        }
    };
    let specs = engines::specs(&members, &placement).await?;
    let container_filter = ContainerFilter::parse(
        a.container_filters
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    ctx.printer.info(&format!(
        "watching {} ({}); configuration {config}; status {}",
        names.join(", "),
        mode,
        dir.join(status::STATUS_FILE).display()
    ));

    let shutdown = CancellationToken::new();
    let (resync_tx, resync_rx) = tokio::sync::watch::channel(0u64);
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut hup = signal(SignalKind::hangup()).context("cannot handle SIGHUP")?;
    let stop = shutdown.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = term.recv() => break,
                _ = int.recv() => break,
                _ = hup.recv() => {
                    tracing::info!("SIGHUP: resynchronising every engine");
                    resync_tx.send_modify(|n| *n += 1);
                }
            }
        }
        stop.cancel();
    });
    let settings = settings(&a)?;
    let acme = acme(ctx, &a);
    if let Some(acme) = &acme {
        ctx.printer.info(&format!(
            "ACME: certificates from {} for vhosts that ask (LETSENCRYPT_HOST or the flotilla.proxy.acme label)",
            acme.directory
        ));
    }
    let files = FileDirs::under(&dir, a.certs.clone());
    watch::run(
        WatchOptions {
            engines: specs,
            wait: a.wait,
            resync: a.resync,
            timeout: a.timeout,
            conf_dir: dir,
            mode: mode.to_string(),
            node: a.node.clone(),
            config,
            container_filter,
            settings,
            files,
            acme,
        },
        plane,
        resync_rx,
        shutdown,
    )
    .await;
    ctx.printer.info("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_forms() {
        assert_eq!(parse_listen("80").expect("port"), (None, 80));
        assert_eq!(
            parse_listen("127.0.0.1:8080").expect("addr"),
            (Some(IpAddr::from([127, 0, 0, 1])), 8080)
        );
        assert!(parse_listen("[::1]:81").expect("v6").0.is_some());
        for bad in ["0", "x", "127.0.0.1", "1.2.3.4:0"] {
            assert!(parse_listen(bad).is_err(), "{bad}");
        }
    }
}
