//! The JSON format (SPEC 4): one array of findings with paths relative to
//! the workspace root, 1-based lines and columns counted in characters.

use std::io::{self, Write};

use crate::check::Finding;

pub fn write(out: &mut impl Write, findings: &[Finding]) -> io::Result<()> {
    let findings: Vec<JsonFinding<'_>> = findings
        .iter()
        .map(|finding| JsonFinding {
            path: &finding.path,
            line: finding.line,
            column: finding.column,
            end_line: finding.end_line,
            end_column: finding.end_column,
            severity: finding.severity.as_str(),
            code: finding.code.as_str(),
            message: &finding.message,
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &findings)?;
    writeln!(out)
}

/// One finding of the JSON format, fields in the order SPEC 4 lists them.
#[derive(serde::Serialize)]
struct JsonFinding<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    severity: &'static str,
    code: &'static str,
    message: &'a str,
}
