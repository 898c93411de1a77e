use super::Ctx;
use crate::cli::LsArgs;
use crate::output::template::{self, Format};
use flotilla_core::ops::filter::Filters;
use flotilla_core::ops::ls::{self, HostRow, LsOptions};

pub async fn run(ctx: &Ctx, a: LsArgs) -> anyhow::Result<()> {
    let opts = LsOptions {
        filters: Filters::parse(&a.filter)?,
        timeout: a.timeout,
        docker_host: std::env::var("DOCKER_HOST").ok(),
    };
    let format = a.format.as_deref().map(Format::parse);
    // Compile the template before any network work so a typo fails fast.
    if let Some(Format::Template { text, .. }) = &format {
        template::compile(text)?;
    }
    if a.quiet {
        for n in ls::names(&ctx.store, &opts).await? {
            ctx.printer.data(&n);
        }
        return Ok(());
    }
    let rows = ls::list(&ctx.store, &opts).await?;
    let out = template::render_listing(
        format.as_ref(),
        &rows,
        &HostRow::header(),
        HostRow::DEFAULT_TEMPLATE,
    )?;
    ctx.printer.data_raw(&out);
    Ok(())
}
