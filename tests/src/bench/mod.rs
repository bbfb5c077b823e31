//! The benchmark harness: generates a deterministic workspace, drives the
//! built `runbook-ls` over stdio as an editor does (W1 typing, W2 completion,
//! W3 hover, W4 cold start), runs `runbook-ls check` on it (W5), and measures
//! the floors those are compared with. `src/bin/bench.rs` is its command line.

pub mod generate;
