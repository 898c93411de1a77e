//! `token`, `discovery serve`, `join` and `list`.

use super::{Ctx, UsageError, hinted};
use crate::cli::{
    DiscoveryArgs, DiscoveryCommand, JoinArgs, ListArgs, ListFormat, ServeArgs, TokenCommand,
};
use flotilla_core::discovery::{self, Addr, DiscoveryError, Settings, agent, server};

/// Resolves the shared discovery flags into settings for the core.
pub fn settings(ctx: &Ctx, a: &DiscoveryArgs) -> Settings {
    settings_for(ctx.store.root().to_path_buf(), a)
}

pub fn settings_for(store_root: std::path::PathBuf, a: &DiscoveryArgs) -> Settings {
    Settings {
        service: a.discovery_url.clone().filter(|s| !s.is_empty()),
        ca: a
            .discovery_ca
            .clone()
            .map(|p| std::path::absolute(&p).unwrap_or(p)),
        secret_file: a.discovery_secret_file.clone(),
        timeout: a.discovery_timeout,
        store_root,
    }
}

/// A discovery error with its hint, for the user.
pub fn user_error(e: DiscoveryError) -> anyhow::Error {
    match e.hint() {
        Some(h) => hinted(e, h),
        None => e.into(),
    }
}

pub async fn token(ctx: &Ctx, c: TokenCommand) -> anyhow::Result<()> {
    match c {
        TokenCommand::Create(a) => {
            let s = settings(ctx, &a.discovery);
            let token = discovery::create_token(&s).await.map_err(user_error)?;
            ctx.printer.data(&token);
            Ok(())
        }
        TokenCommand::Rm(a) => {
            let s = settings(ctx, &a.discovery);
            discovery::delete_token(&s, &a.token)
                .await
                .map_err(user_error)?;
            ctx.printer.info(&format!("Removed token {}", a.token));
            Ok(())
        }
    }
}

pub async fn serve_cmd(ctx: &Ctx, c: DiscoveryCommand) -> anyhow::Result<()> {
    match c {
        DiscoveryCommand::Serve(a) => serve(ctx, a).await,
    }
}

async fn serve(ctx: &Ctx, a: ServeArgs) -> anyhow::Result<()> {
    let secret = match &a.secret_file {
        Some(p) => Some(read_secret(p)?),
        None => None,
    };
    let opts = server::ServeOptions {
        addr: a.addr,
        data: a.data,
        tls: a.tls_cert.zip(a.tls_key),
        limits: a.limits.to_limits(),
        secret,
    };
    let bound = server::bind(&opts).await?;
    for s in bound.skipped() {
        ctx.printer.warn(&format!(
            "skipped cluster file {}: {} (left as it is; its token answers 404 until the file is repaired and the service restarted)",
            s.path.display(),
            s.reason
        ));
    }
    if opts.secret.is_none() && !bound.local_addr().ip().is_loopback() {
        ctx.printer.warn(&format!(
            "no --secret-file: anyone who reaches {} can create and delete clusters",
            bound.local_addr()
        ));
    }
    let url = bound.url();
    ctx.printer.data(&url);
    ctx.printer.info(&format!(
        "token service listening on {url} (data in {}); point clients at it with --discovery-url {url}",
        opts.data.display()
    ));
    bound.run(server::shutdown_signal()).await?;
    ctx.printer.info("token service stopped");
    Ok(())
}

pub async fn join(ctx: &Ctx, a: JoinArgs) -> anyhow::Result<()> {
    let plan = agent::validate_join(a.advertise.as_deref(), &a.heartbeat, &a.ttl, &a.delay)
        .map_err(UsageError)?;
    let s = settings(ctx, &a.discovery);
    let d = discovery::open(&a.url, &s).map_err(user_error)?;
    let printer = ctx.printer.clone();
    let url = a.url.clone();
    let advertise = plan.advertise.to_string();
    let (hb, ttl) = (plan.heartbeat, plan.ttl);
    let report = move |e: agent::Event<'_>| match e {
        agent::Event::Registered { first: true } => printer.info(&format!(
            "registered {advertise} on {url}; again every {}s, expiring {}s after the last",
            hb.as_secs_f64(),
            ttl.as_secs_f64()
        )),
        agent::Event::Registered { first: false } => {
            tracing::debug!("registered {advertise} again")
        }
        agent::Event::Failed(e) => printer.warn(&e.to_string()),
        agent::Event::Deregistered => printer.info(&format!("deregistered {advertise} from {url}")),
    };
    agent::run(d.as_ref(), &plan, server::shutdown_signal(), &report)
        .await
        .map_err(user_error)
}

pub async fn list(ctx: &Ctx, a: ListArgs) -> anyhow::Result<()> {
    let timeout = agent::validate_timeout(&a.timeout).map_err(UsageError)?;
    let mut s = settings(ctx, &a.discovery);
    s.timeout = s.timeout.min(timeout);
    let d = discovery::open(&a.url, &s).map_err(user_error)?;
    let print = |set: &[Addr]| {
        let items: Vec<String> = set.iter().map(|a| a.to_string()).collect();
        match a.format {
            ListFormat::Json => ctx
                .printer
                .data(&serde_json::to_string(&items).unwrap_or_default()),
            ListFormat::Text => {
                let mut out: String = items.iter().map(|i| format!("{i}\n")).collect();
                if a.watch {
                    out.push('\n');
                }
                ctx.printer.data_raw(&out);
            }
        }
    };
    if !a.watch {
        // The backend bounds each call by `timeout` and names what did not
        // answer; this outer bound is only a safety net for a backend that
        // does several calls, so it must not race the inner one.
        let set = tokio::time::timeout(timeout + std::time::Duration::from_secs(1), d.list())
            .await
            .map_err(|_| {
                hinted(
                    anyhow::anyhow!(
                        "{}: did not answer within {}s",
                        a.url,
                        timeout.as_secs_f64()
                    ),
                    "check that the backend is reachable, or raise --timeout",
                )
            })?
            .map_err(user_error)?;
        print(&set);
        return Ok(());
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let poll = a.poll;
    let watcher = d.watch(poll, tx);
    tokio::pin!(watcher);
    let stop = server::shutdown_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut watcher => return Ok(()),
            _ = &mut stop => return Ok(()),
            item = rx.recv() => match item {
                Some(Ok(set)) => print(&set),
                Some(Err(e)) => ctx.printer.warn(&e.to_string()),
                None => return Ok(()),
            },
        }
    }
}

/// A secret file holds one line; anything larger is not one.
const MAX_SECRET_FILE: u64 = 4096;

/// The token service's secret: the file's one line, surrounding whitespace dropped.
fn read_secret(p: &std::path::Path) -> anyhow::Result<String> {
    use anyhow::Context as _;
    let bytes = flotilla_core::store::read_file_bounded(p, MAX_SECRET_FILE)
        .with_context(|| format!("secret file {}", p.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("secret file {}: not UTF-8 text", p.display()))?;
    let secret = text.trim();
    if secret.len() < 16 || secret.chars().any(|c| c.is_control() || c == ' ') {
        anyhow::bail!(
            "secret file {}: expected one line of at least 16 characters without spaces (for example: openssl rand -hex 32)",
            p.display()
        );
    }
    Ok(secret.to_string())
}
