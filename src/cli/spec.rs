//! `flotilla up`, `down` and `status -f`: clap types only.

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::parse_duration;

/// The cluster file and how long engines may take.
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterFileArg {
    /// The cluster file [default: flotilla.yaml, else flotilla.yml, in this directory]
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// How long each engine may take to answer
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
}

#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "\
Examples:
  flotilla up -f examples/seed.yaml              # create what is missing, change what differs
  flotilla up -f examples/seed.yaml --dry-run    # print the plan, touch nothing
  flotilla status -f examples/seed.yaml          # each object against the file
  flotilla down -f examples/seed.yaml            # remove what up made
The file format: docs/cluster-file.md; its JSON schema: flotilla up --schema")]
pub struct UpArgs {
    #[command(flatten)]
    pub file: ClusterFileArg,
    /// Print the plan (create / change / recreate / start / remove, per object) and touch nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Also remove what an earlier `up` made that the file no longer has
    #[arg(long)]
    pub prune: bool,
    /// Print the cluster file's JSON schema and exit
    #[arg(long, exclusive = true)]
    pub schema: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct DownArgs {
    #[command(flatten)]
    pub file: ClusterFileArg,
    /// Remove the containers and the proxy but keep the machines (and their swarm)
    #[arg(long)]
    pub keep_machines: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Machine name [default: "default" when it exists]; without a name and with a cluster
    /// file (-f, or ./flotilla.yaml), each object of the file against what exists
    #[arg(conflicts_with = "file")]
    pub name: Option<String>,
    /// The cluster file whose objects to show
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// How long each engine may take to answer
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
    /// `json` prints the rows as a JSON array (with a cluster file)
    #[arg(long, value_name = "FORMAT", value_parser = ["json", "table"], default_value = "table")]
    pub format: String,
}
