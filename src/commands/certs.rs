use anyhow::Context;

use super::Ctx;
use crate::cli::CertsCommand;
use flotilla_core::certs;
use flotilla_core::store;

pub async fn run(ctx: &Ctx, c: CertsCommand) -> anyhow::Result<()> {
    match c {
        CertsCommand::Server(a) => {
            let sc = certs::issue_server(&ctx.store, "engine", &a.sans, false)?;
            store::create_private_dir_all(&a.out)
                .with_context(|| format!("cannot create {}", a.out.display()))?;
            let ca = certs::StoreCerts::of(&ctx.store).ca;
            store::copy_with_mode(&ca, &a.out.join("ca.pem"), 0o644)
                .with_context(|| format!("cannot write {}", a.out.join("ca.pem").display()))?;
            for (name, data, mode) in [
                ("server.pem", &sc.cert_pem, 0o644),
                ("server-key.pem", &sc.key_pem, 0o600),
            ] {
                let p = a.out.join(name);
                store::write_atomic(&p, data.as_bytes(), mode)
                    .with_context(|| format!("cannot write {}", p.display()))?;
            }
            ctx.printer.data(&a.out.to_string_lossy());
            Ok(())
        }
    }
}
