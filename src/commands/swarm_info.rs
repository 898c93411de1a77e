//! `info`: a swarm's nodes as classic `docker info` showed them, or its
//! state document (`--format json`, what `plan --state` reads).

use super::Ctx;
use crate::cli::SwarmInfoArgs;
use crate::output::template::{self, Format};
use crate::view::swarm as swarm_view;
use flotilla_core::cluster::live::{self, Detail};

pub async fn run(ctx: &Ctx, a: SwarmInfoArgs) -> anyhow::Result<()> {
    let format = a.format.as_deref().map(Format::parse);
    if let Some(Format::Template { text, .. }) = &format {
        template::compile(text)?;
    }
    let (live, _) = live::view(
        &ctx.store,
        a.select.swarm.as_deref(),
        a.select.timeout,
        Detail::Full,
    )
    .await?;
    match format {
        None => ctx.printer.data_raw(&swarm_view::info_text(&live)),
        Some(Format::Json) => {
            let mut s = serde_json::to_string_pretty(&live.state)?;
            s.push('\n');
            ctx.printer.data_raw(&s);
        }
        Some(Format::Template { text, .. }) => {
            let out = template::compile(&text)?.render(&serde_json::to_value(&live.state)?)?;
            ctx.printer.data(&out);
        }
    }
    Ok(())
}
