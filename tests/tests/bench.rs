//! The benchmark harness in `--quick` mode, so that it cannot rot: every
//! workload runs against the built server and lands in the JSON report.

use std::process::Command;

use runbook_ls_tests::server_binary;
use serde_json::Value;

fn bench() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bench"));
    // The server this test process built, so that the harness does not run cargo again.
    command.env("RUNBOOK_LS_BIN", server_binary());
    command
}

fn list<'a>(report: &'a Value, key: &str) -> Vec<&'a Value> {
    report[key].as_array().expect("a list of rows").iter().collect()
}

#[test]
fn quick_run_measures_every_workload() {
    let json_path = std::env::temp_dir().join(format!("runbook-ls-bench-test-{}.json", std::process::id()));
    let output = bench().args(["--quick", "--seed", "7", "--json"]).arg(&json_path).output().expect("bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("| workload | samples | p50 | p99 | max | target | met? |"), "{stdout}");

    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).expect("the JSON report")).unwrap();
    let _ = std::fs::remove_file(&json_path);
    assert_eq!(report["quick"], true);
    assert_eq!(report["seed"], 7);
    assert_eq!(report["sizes"]["keys"], 500);
    assert!(report["binary"]["version"].as_str().unwrap().starts_with("runbook-ls "), "{}", report["binary"]);
    assert!(report["machine"]["nproc"].as_u64().unwrap() >= 1);

    let rows = list(&report, "rows");
    let row = |name_part: &str| {
        *rows
            .iter()
            .find(|row| row["name"].as_str().unwrap().contains(name_part))
            .unwrap_or_else(|| panic!("no row `{name_part}` in {rows:#?}"))
    };
    let measured = |row: &Value, samples: u64| {
        assert_eq!(row["status"], "measured", "{row:#}");
        assert_eq!(row["samples"], samples, "{row:#}");
        assert!(row["p50"].as_f64().unwrap() > 0.0 && row["p50"].as_f64() <= row["max"].as_f64(), "{row:#}");
    };
    measured(row("typing"), 100);
    measured(row("semantic tokens: full"), 30);
    measured(row("semantic tokens: didChange"), 60);
    measured(row("initialized → index ready"), 1);
    measured(row("when the index is ready"), 1);
    measured(row("after all workloads"), 1);
    measured(row("wall time"), 1);
    measured(row("files per second"), 1);
    measured(row("check --cache, warm run"), 1);
    assert!(row("wall time")["notes"][0].as_str().unwrap().starts_with("50 markdown files; exit status 1;"));
    // Completion and hover are measured once the server has them, and
    // reported as not supported until then.
    for name_part in ["KEY slug after", "export in", "hover: KEY slug", "hover: imported name"] {
        let row = row(name_part);
        match row["status"].as_str() {
            Some("measured") => measured(row, 30),
            Some("not supported") => assert_eq!(row["samples"], 0),
            _ => panic!("{row:#}"),
        }
    }

    // Each peer is compared when it is installed (CI installs them) and
    // said to be missing otherwise; it never fails.
    let peers = list(&report, "peers");
    let mut compared: Vec<(String, String)> = peers
        .iter()
        .map(|peer| {
            let status = peer["status"].as_str().unwrap();
            assert!(status == "measured" || status == "not installed", "{peer:#}");
            if status == "measured" {
                let ratios = peer["speed_ratio"].as_array().unwrap();
                assert!(!ratios.is_empty() && ratios.iter().all(|ratio| ratio.as_f64().unwrap() > 0.0), "{peer:#}");
            }
            let name = peer["peer"].as_str().unwrap().split(' ').next().unwrap().to_string();
            (peer["workload"].as_str().unwrap().to_string(), name)
        })
        .collect();
    compared.sort();
    let expected = [("W1", "rumdl"), ("W5", "markdownlint-cli2"), ("W5", "rumdl")];
    assert_eq!(compared, expected.map(|(workload, peer)| (workload.to_string(), peer.to_string())));
    assert!(stdout.contains("### Peers"), "{stdout}");
    assert!(
        stdout.contains("Every peer was installed.") || stdout.contains("Not installed, so not compared:"),
        "{stdout}"
    );

    let floors = list(&report, "floors");
    assert_eq!(floors.len(), 7, "{floors:#?}");
    assert!(
        floors.iter().any(|floor| floor["name"].as_str().is_some_and(|name| name.contains("block grammar alone"))),
        "the W5 floor of tree-sitter-md's block grammar: {floors:#?}"
    );
    for floor in floors {
        assert_eq!(floor["status"], "measured", "{floor:#}");
    }
}

#[test]
fn unknown_workloads_are_refused() {
    let output = bench().args(["--only", "W1,W9"]).output().expect("bench runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown workload `W9`"), "{stderr}");
}
