//! GitLab Code Quality: one JSON array of issues, each with a fingerprint
//! that stays the same while the finding does, so that merge requests show
//! only the findings they add or fix.

use std::io::{self, Write};

use runbook_ide::Severity;
use serde_json::{Value, json};

use crate::check::Finding;

pub fn write(out: &mut impl Write, findings: &[Finding]) -> io::Result<()> {
    let issues: Vec<Value> = findings
        .iter()
        .map(|finding| {
            json!({
                "description": finding.message,
                "check_name": finding.code.as_str(),
                "fingerprint": finding.fingerprint,
                "severity": severity(finding.severity),
                "location": {
                    "path": finding.display_path,
                    "positions": {
                        "begin": { "line": finding.line, "column": finding.column },
                        "end": { "line": finding.end_line, "column": finding.end_column },
                    },
                },
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

/// GitLab's scale is info, minor, major, critical, blocker: errors stop CI
/// here, so they rank above warnings without claiming to be critical.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info | Severity::Hint => "info",
    }
}
