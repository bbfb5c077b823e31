//! SARIF 2.1.0 for code-scanning services: one run, every rule described,
//! paths relative to the workspace root (`%SRCROOT%`).

use std::io::{self, Write};
use std::path::Path;

use runbook_ide::{DiagnosticCode, Severity};
use serde_json::{Value, json};

use crate::check::{Finding, fingerprint};

pub fn write(out: &mut impl Write, findings: &[Finding]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &sarif_report(findings))?;
    writeln!(out)
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// SARIF 2.1.0: one run, every rule described, paths relative to the
/// workspace root (`%SRCROOT%`), columns in Unicode code points.
pub fn sarif_report(findings: &[Finding]) -> Value {
    let rules: Vec<Value> = DiagnosticCode::ALL
        .iter()
        .map(|code| {
            let docs = runbook_ide::rule_docs(*code);
            json!({
                "id": code.as_str(),
                "name": pascal_case(code.as_str()),
                "shortDescription": { "text": code.summary() },
                "fullDescription": { "text": docs.why },
                "help": { "text": docs.help_text(), "markdown": docs.help_markdown() },
                "defaultConfiguration": { "level": sarif_level(code.default_severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|finding| {
            json!({
                "ruleId": finding.code.as_str(),
                "ruleIndex": DiagnosticCode::ALL.iter().position(|code| *code == finding.code),
                "level": sarif_level(finding.severity),
                "message": { "text": finding.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": finding.path, "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": finding.line,
                            "startColumn": finding.column,
                            "endLine": finding.end_line,
                            "endColumn": finding.end_column,
                        },
                    },
                }],
                "partialFingerprints": { fingerprint::SARIF_KEY: finding.fingerprint },
            })
        })
        .collect();
    let root = findings.first().and_then(|finding| directory_uri(&finding.workspace_root));
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "runbook-ls",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/runbook-ls/runbook-ls",
                "rules": rules,
            },
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(root) = root {
        run["originalUriBaseIds"] = json!({ "%SRCROOT%": { "uri": root } });
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    })
}

fn pascal_case(code: &str) -> String {
    code.split('-').map(|word| word[..1].to_uppercase() + &word[1..]).collect()
}

/// The `file:` URI of a folder, ending in `/` as SARIF's base URIs must.
fn directory_uri(path: &Path) -> Option<String> {
    let uri = tower_lsp_server::ls_types::Uri::from_file_path(path)?;
    Some(format!("{}/", uri.as_str().trim_end_matches('/')))
}
