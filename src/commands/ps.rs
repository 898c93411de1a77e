//! `ps`: the containers of a swarm, named `node/name`.

use super::Ctx;
use crate::cli::PsArgs;
use crate::output::template::{self, Format};
use crate::view::swarm::{self as swarm_view, PsFilters, PsRow};
use flotilla_core::cluster::live::{self, Detail};

pub async fn run(ctx: &Ctx, a: PsArgs) -> anyhow::Result<()> {
    let filters = PsFilters::parse(&a.filter)?;
    let format = a.format.as_deref().map(Format::parse);
    if let Some(Format::Template { text, .. }) = &format {
        template::compile(text)?;
    }
    let (live, _) = live::view(
        &ctx.store,
        a.select.swarm.as_deref(),
        a.select.timeout,
        Detail::Summary,
    )
    .await?;
    for v in &live.views {
        if let Some(e) = &v.error {
            ctx.printer
                .warn(&format!("node {} is {}: {e}", v.name, v.health));
        }
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let rows = swarm_view::ps_rows(&live, a.all, &filters, a.no_trunc, now);
    if a.quiet {
        for r in &rows {
            ctx.printer.data(&r.id);
        }
        return Ok(());
    }
    let out = template::render_listing(
        format.as_ref(),
        &rows,
        &PsRow::header(),
        PsRow::DEFAULT_TEMPLATE,
    )?;
    ctx.printer.data_raw(&out);
    Ok(())
}
