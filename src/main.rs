//! The flotilla binary: parse, run, map errors to exit codes.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error, 3 a driver's
//! pre-create check failed.

use std::process::ExitCode;

// clap turns these doc comments into help texts verbatim: their `[IP:]PORT` and `<store>`
// notation is neither a link nor HTML.
#[allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]
mod cli;
mod commands;
mod output;
mod view;

use crate::commands::{AlreadyReported, Ctx, ExitStatus, Hinted, UsageError};
use crate::output::Printer;
use flotilla_core::ops::create::CreateError;
use flotilla_core::store::{self, Store};

fn exit_code(e: &anyhow::Error) -> u8 {
    if let Some(ExitStatus(code)) = e.downcast_ref::<ExitStatus>() {
        return *code;
    }
    for cause in e.chain() {
        if let Some(CreateError::PreCreate { .. }) = cause.downcast_ref::<CreateError>() {
            return 3;
        }
        if cause.downcast_ref::<UsageError>().is_some() {
            return 2;
        }
    }
    1
}

/// The error and its causes on one line, skipping causes whose text the
/// message already includes (typed errors often embed their source).
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.is_empty() {
            out = text;
        } else if !out.contains(&text) {
            out = format!("{out}: {text}");
        }
    }
    out
}

fn init_tracing(debug: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = if debug {
        EnvFilter::new("flotilla=debug,info")
    } else {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"))
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .compact()
        .try_init();
}

fn main() -> ExitCode {
    // `args_os`: a path argument that is not UTF-8 reaches its `PathBuf` intact, and any other
    // such argument is one usage error from clap (`std::env::args` panics on it).
    let argv_os: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let argv: Vec<String> = argv_os
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let cli = match cli::plugin::parse(&argv_os, &argv) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    init_tracing(cli.global.debug);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let printer = Printer::new(cli.global.color, cli.global.no_progress);
    let root = cli
        .global
        .storage_path
        .clone()
        .unwrap_or_else(store::default_root);
    let ctx = Ctx {
        store: Store::new(root),
        printer: printer.clone(),
        argv,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            printer.error(&format!("cannot start the async runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(commands::run(cli, ctx));
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.downcast_ref::<AlreadyReported>().is_none()
                && e.downcast_ref::<ExitStatus>().is_none()
            {
                printer.error(&message(&e));
                if let Some(h) = e.downcast_ref::<Hinted>() {
                    printer.hint(&h.hint);
                }
            }
            ExitCode::from(exit_code(&e))
        }
    }
}
