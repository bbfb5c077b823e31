//! `runbook-ls`: with no arguments, a language server on stdio; `runbook-ls
//! check` lints a tree of runbooks like CI does; `runbook-ls report` writes
//! the audit inventory of a workspace.

mod allocator;
mod change_queue;
mod check;
mod folders;
mod framing;
#[cfg(test)]
mod fuzz;
mod handlers;
mod ordered;
mod positions;
mod pull_diagnostics;
mod refresh;
mod report;
mod semantic_tokens;
mod server;
mod session;
mod show_references;
mod text_sync;
mod to_proto;
mod transport;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "runbook-ls",
    version,
    about = "Language server and linter for incident runbooks that call automation KEYs."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check runbooks and print what is wrong (exit 0: no errors, 1: errors, 2: could not run).
    Check(check::CheckArgs),
    /// Write the audit inventory of every Action (safety, KEYs, side effects, findings) as HTML or JSON.
    Report(report::ReportArgs),
    /// Serve LSP over stdio (what running without a command does).
    Server(ServerArgs),
}

#[derive(clap::Args)]
struct ServerArgs {
    /// Skip (with a logged error) client messages whose body is larger than this.
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = framing::DEFAULT_MAX_MESSAGE_BYTES,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..)
    )]
    max_message_bytes: usize,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // `--help` and `--version` print as clap writes them.
        Err(error) if !error.use_stderr() => {
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("runbook-ls: {} (see runbook-ls --help)", one_line(&error));
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Some(Command::Check(args)) => check::run(args),
        Some(Command::Report(args)) => report::run(args),
        None => serve(framing::DEFAULT_MAX_MESSAGE_BYTES),
        Some(Command::Server(args)) => serve(args.max_message_bytes),
    }
}

/// The language server on stdio, until the client exits.
fn serve(max_message_bytes: usize) -> ExitCode {
    init_logging();
    // Freed pages go back to the system from a background thread within
    // jemalloc's decay time, even while the server sits idle (a CLI run
    // exits instead).
    if let Err(error) = tikv_jemalloc_ctl::background_thread::write(true) {
        tracing::warn!("jemalloc's background thread did not start: {error}");
    }
    allocator::without_thread_cache();
    let runtime = server_runtime();
    match runtime {
        Ok(runtime) => {
            let clean = runtime.block_on(server::run_stdio(max_message_bytes));
            // The stdin reader blocks a thread in a read that only ends when
            // the client closes the pipe; do not wait for it.
            runtime.shutdown_background();
            if clean { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(error) => {
            eprintln!("runbook-ls: cannot start the async runtime: {error}");
            ExitCode::from(2)
        }
    }
}

/// The language server's runtime: its threads (tokio's workers and blocking
/// threads) without jemalloc's thread caches (see `allocator`).
fn server_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().on_thread_start(allocator::without_thread_cache).enable_all().build()
}

/// A command-line error on one line: what is wrong and, when clap knows
/// them, the accepted values (CI logs read best one line per problem).
fn one_line(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let mut lines = rendered.lines().map(str::trim).filter(|line| !line.is_empty());
    let first = lines.next().unwrap_or("invalid arguments").trim_start_matches("error: ").to_string();
    match lines.find(|line| line.starts_with('[')) {
        Some(values) => format!("{first} {values}"),
        None => first,
    }
}

/// Logs go to stderr (stdout is the protocol); `RUNBOOK_LS_LOG=debug` for more.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUNBOOK_LS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter).with_ansi(false).init();
}
