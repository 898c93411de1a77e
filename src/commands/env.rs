use super::{Ctx, hinted};
use crate::cli::{ConfigArgs, EnvArgs};
use flotilla_core::driver::handle::{self, MachineError};
use flotilla_core::ops::env::{self, Connection, EnvOptions, UNSET};
use flotilla_core::shellenv::{self, Shell};

/// Turns a failed connection check into an error with the right hint.
fn explain(name: &str, e: MachineError) -> anyhow::Error {
    match &e {
        MachineError::Probe { source, .. } if source.is_certificate_problem() => hinted(
            e,
            format!(
                "the certificates do not match the engine; regenerate them with `flotilla regenerate-certs {name}`"
            ),
        ),
        MachineError::Probe { .. } => hinted(
            e,
            format!(
                "is the engine running and reachable? `flotilla ls --filter name=^{name}$` shows its state"
            ),
        ),
        MachineError::NoDefault => hinted(e, "name a machine; `flotilla ls` lists them"),
        _ => e.into(),
    }
}

async fn checked(
    ctx: &Ctx,
    name: Option<&str>,
    swarm: bool,
    timeout: std::time::Duration,
) -> anyhow::Result<Connection> {
    let name = handle::resolve_name(&ctx.store, name).map_err(|e| explain("NAME", e))?;
    env::connection(
        &ctx.store,
        &EnvOptions {
            name: name.clone(),
            swarm,
            timeout,
        },
    )
    .await
    .map_err(|e| explain(&name, e))
}

pub async fn env(ctx: &Ctx, a: EnvArgs) -> anyhow::Result<()> {
    let shell = a
        .shell
        .map(Shell::from)
        .unwrap_or_else(|| Shell::detect(std::env::var("SHELL").ok().as_deref()));
    let (no_proxy_name, no_proxy_value) = match std::env::var("no_proxy") {
        Ok(v) if !v.is_empty() => ("no_proxy", v),
        _ => ("NO_PROXY", std::env::var("NO_PROXY").unwrap_or_default()),
    };
    if a.unset {
        if a.name.is_some() {
            return Err(anyhow::anyhow!("expected no machine name with --unset"));
        }
        let mut names: Vec<String> = UNSET.iter().map(|s| s.to_string()).collect();
        if a.no_proxy {
            names.push(no_proxy_name.to_string());
        }
        ctx.printer
            .data_raw(&shellenv::render_unset(shell, &names, &ctx.argv)?);
        return Ok(());
    }
    let conn = checked(ctx, a.name.as_deref(), a.swarm, a.timeout).await?;
    let mut vars = env::variables(&conn);
    if a.no_proxy && !conn.ip.is_empty() {
        vars.push((
            no_proxy_name.to_string(),
            shellenv::no_proxy_with(&no_proxy_value, &conn.ip),
        ));
    }
    let text = shellenv::render_set(shell, &vars, &ctx.argv).map_err(|e| {
        let source = match &e {
            shellenv::RenderError::Value { name, .. } => match name.as_str() {
                "DOCKER_CERT_PATH" => "the store path (-s, FLOTILLA_STORAGE_PATH)",
                "DOCKER_HOST" => "the machine's URL",
                "DOCKER_MACHINE_NAME" => "the machine's name",
                _ => "your NO_PROXY",
            },
            shellenv::RenderError::Name(_) => "flotilla",
        };
        hinted(
            e,
            format!("the value comes from {source}; change it or choose another --shell"),
        )
    })?;
    ctx.printer.data_raw(&text);
    Ok(())
}

pub async fn config(ctx: &Ctx, a: ConfigArgs) -> anyhow::Result<()> {
    let conn = checked(ctx, a.name.as_deref(), a.swarm, a.timeout).await?;
    let mut out = String::new();
    if conn.tls {
        let p = std::path::Path::new(&conn.cert_path);
        out.push_str("--tlsverify\n");
        out.push_str(&format!(
            "--tlscacert={:?}\n",
            p.join("ca.pem").to_string_lossy()
        ));
        out.push_str(&format!(
            "--tlscert={:?}\n",
            p.join("cert.pem").to_string_lossy()
        ));
        out.push_str(&format!(
            "--tlskey={:?}\n",
            p.join("key.pem").to_string_lossy()
        ));
    }
    out.push_str(&format!("-H={}\n", conn.url));
    ctx.printer.data_raw(&out);
    Ok(())
}
