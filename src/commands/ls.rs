use super::Ctx;
use crate::cli::LsArgs;
use crate::ops::filter::Filters;
use crate::ops::ls::{self, HostRow, LsOptions};
use crate::output::template::{self, Format};

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
    let records: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::to_value(r).unwrap_or_default())
        .collect();
    let out = match format {
        Some(Format::Json) => {
            let mut s = serde_json::to_string_pretty(&rows)?;
            s.push('\n');
            s
        }
        Some(Format::Template { text, table }) => {
            template::render_all(&text, table, Some(&HostRow::header()), &records)?
        }
        None => template::render_all(
            HostRow::DEFAULT_TEMPLATE,
            true,
            Some(&HostRow::header()),
            &records,
        )?,
    };
    ctx.printer.data_raw(&out);
    Ok(())
}
