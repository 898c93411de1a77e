//! `flotilla-enginesim`: serves N simulated Docker engines until interrupted. Prints one JSON
//! line on stdout once every engine listens (a benchmark waits for it); logs go to stderr.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use flotilla_enginesim::pattern::{Pattern, parse_labels};
use flotilla_enginesim::sim::DEFAULT_IMAGES;
use flotilla_enginesim::{Sim, SimConfig};

/// Serve many simulated Docker engines (Engine API 1.41 subset) on loopback ports with mutual
/// TLS from a flotilla store's CA, for benchmarks. Not a flotilla command.
#[derive(Parser, Debug)]
#[command(name = "flotilla-enginesim", version)]
struct Args {
    /// flotilla store whose certs/ca.pem and certs/ca-key.pem sign the engines' certificate
    /// and the accepted client certificates
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    /// How many engines
    #[arg(long, default_value_t = 10)]
    engines: usize,
    /// Engine i listens on 127.0.0.1:(PORT+i); 0 lets the system pick each port
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Containers each engine starts with (most running; see the README for the mix)
    #[arg(long, default_value_t = 30)]
    containers_per_engine: usize,
    /// Image tags every engine has, comma-separated
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_IMAGES.iter().map(|s| s.to_string()))]
    images: Vec<String>,
    /// Engine names in /info; {i} is the engine's index, {i%N} and {i/N} work too
    #[arg(long, default_value = "enginesim-{i}", value_parser = Pattern::parse)]
    name: Pattern,
    /// Engine labels in /info, KEY=VALUE comma-separated, with the same placeholders
    #[arg(long, default_value = "zone=z{i%4},model=m{i%3}", value_parser = parse_labels)]
    labels: std::vec::Vec<Pattern>,
    /// NCPU every engine reports
    #[arg(long, default_value_t = 4)]
    ncpu: i64,
    /// MemTotal every engine reports (e.g. 8GiB, 512MiB, or bytes)
    #[arg(long, default_value = "8GiB", value_parser = parse_size)]
    memory: i64,
    /// Delay added before every answer (e.g. 2ms, 0.5s)
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    latency: Duration,
    /// Plain-HTTP control port (loopback)
    #[arg(long, default_value = "127.0.0.1:0")]
    control: SocketAddr,
    /// Write the engines' addresses here, one per line (a file:// discovery list)
    #[arg(long, value_name = "PATH")]
    discovery_file: Option<PathBuf>,
}

/// `250ms`, `1.5s`, `2m`, `100us`, `0`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("{s:?}: add a unit (us, ms, s, m)"))?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().map_err(|_| format!("{s:?}: not a number"))?;
    let secs = match unit {
        "us" | "µs" => n / 1e6,
        "ms" => n / 1e3,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (us, ms, s, m)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))
}

/// `8GiB`, `512MiB`, `8g`, `1048576`.
fn parse_size(s: &str) -> Result<i64, String> {
    let t = s.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: i64 = n.parse().map_err(|_| format!("{s:?}: not a size"))?;
    let shift = match unit.trim_end_matches('b').trim_end_matches('i') {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return Err(format!("{s:?}: unknown unit (KiB, MiB, GiB, TiB)")),
    };
    n.checked_mul(1 << shift)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("{s:?}: out of range"))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let cfg = SimConfig {
        engines: args.engines,
        port: args.port,
        store: args.store,
        containers_per_engine: args.containers_per_engine,
        images: args.images,
        name: args.name,
        labels: args.labels,
        ncpu: args.ncpu,
        memory: args.memory,
        latency: args.latency,
        control: args.control,
        discovery_file: args.discovery_file.clone(),
    };
    let sim = Sim::start(cfg).await?;
    let addrs = sim.addresses();
    let ready = serde_json::json!({
        "ready": true,
        "engines": addrs.len(),
        "discovery_file": args.discovery_file,
        "control": sim.control_addr().to_string(),
        "first": addrs.first().map(|a| a.to_string()),
        "pid": std::process::id(),
        "startup_ms": t0.elapsed().as_millis() as u64,
    });
    println!("{ready}");
    tracing::info!(
        "{} engines listening; control on http://{}",
        addrs.len(),
        sim.control_addr()
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    drop(sim);
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("flotilla-enginesim: error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flotilla-enginesim: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5h").is_err());
        assert_eq!(parse_size("8GiB").unwrap(), 8 << 30);
        assert_eq!(parse_size("512m").unwrap(), 512 << 20);
        assert_eq!(parse_size("1048576").unwrap(), 1 << 20);
        assert!(parse_size("lots").is_err());
    }
}
