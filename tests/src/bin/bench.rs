//! `bench`: the command line of the benchmark harness. Runs the workloads,
//! prints a markdown table and writes the same results as JSON.
//!
//! `cargo run --release -p runbook-ls-tests --bin bench [-- --quick]`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use runbook_ls_tests::bench::{self, Options, Workload};

#[derive(Parser)]
#[command(
    name = "bench",
    about = "Benchmarks runbook-ls over stdio on generated workspaces (W1 typing, W2 completion, W3 hover, W4 cold start, W5 check, W6 navigation)."
)]
struct Cli {
    /// Small sizes (1,000-line runbook, 100 edits, 500 KEYs, 50 runbooks), for CI.
    #[arg(long)]
    quick: bool,
    /// Only these workloads, e.g. `W1,W3` (the floors always run).
    #[arg(long, value_delimiter = ',')]
    only: Vec<Workload>,
    /// The seed of the generated workspace and of the random edits.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Keep the generated workspace (its path is in the notes).
    #[arg(long)]
    keep: bool,
    /// Where to write the JSON results [default: <cargo target dir>/bench.json].
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let options = Options { quick: cli.quick, only: cli.only, seed: cli.seed, keep: cli.keep };
    let report = bench::run(&options);
    print!("{}", report.to_markdown());
    let path = cli.json.unwrap_or_else(|| runbook_ls_tests::target_dir().join("bench.json"));
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(parent);
    }
    let json = serde_json::to_string_pretty(&report.to_json()).expect("the report serialises");
    match std::fs::write(&path, json + "\n") {
        Ok(()) => {
            println!("\nJSON: {}", path.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bench: cannot write {}: {error}", path.display());
            ExitCode::from(2)
        }
    }
}
