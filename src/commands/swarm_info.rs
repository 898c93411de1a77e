//! `info`: a swarm's nodes as classic `docker info` showed them, or its
//! state document (`--format json`, what `plan --state` reads).

use super::Ctx;
use crate::cli::SwarmInfoArgs;
use crate::output::template::{self, Format};
use crate::view::swarm as swarm_view;
use flotilla_core::cluster::live::{self, Detail, LiveOptions};
use flotilla_core::cluster::{members, pending};

pub async fn run(ctx: &Ctx, a: SwarmInfoArgs) -> anyhow::Result<()> {
    let format = a.format.as_deref().map(Format::parse);
    if let Some(Format::Template { text, .. }) = &format {
        template::compile(text)?;
    }
    let (swarm, members) = members::resolve(&ctx.store, a.select.swarm.as_deref()).await?;
    let targets = live::targets(&ctx.store, members);
    let opts = LiveOptions {
        timeout: a.select.timeout,
        detail: Detail::Full,
        cache: pending::ensure_swarm_dir(&ctx.store, &swarm.discovery),
    };
    let live = live::fetch(swarm, &targets, &opts).await;
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
