//! JUnit XML, for CI services that show test reports (GitLab, Jenkins,
//! Azure): one test suite per file with findings, one failing test case per
//! finding; without findings, one passing test case, so that the report says
//! the check ran.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::check::Finding;

pub fn write(out: &mut impl Write, findings: &[Finding]) -> io::Result<()> {
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in findings {
        by_file.entry(&finding.display_path).or_default().push(finding);
    }
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    let n = findings.len();
    writeln!(out, r#"<testsuites name="runbook-ls" tests="{}" failures="{n}">"#, n.max(1))?;
    if findings.is_empty() {
        writeln!(out, r#"  <testsuite name="runbook-ls check" tests="1" failures="0">"#)?;
        writeln!(out, r#"    <testcase name="no findings" classname="runbook-ls"/>"#)?;
        writeln!(out, "  </testsuite>")?;
    }
    for (path, findings) in by_file {
        let path = escape(path);
        let n = findings.len();
        writeln!(out, r#"  <testsuite name="{path}" tests="{n}" failures="{n}">"#)?;
        for finding in findings {
            let code = finding.code.as_str();
            let (line, column) = (finding.line, finding.column);
            writeln!(out, r#"    <testcase name="{code} at {line}:{column}" classname="{path}">"#)?;
            writeln!(
                out,
                r#"      <failure message="{}" type="{}">{path}:{line}:{column}: {}[{code}] {}</failure>"#,
                escape(&finding.message),
                finding.severity,
                finding.severity,
                escape(&finding.message),
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Text as XML 1.0 character data or an attribute value: markup characters
/// escaped, characters XML cannot hold at all (most control characters)
/// replaced by U+FFFD.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // Kept as references: a parser would fold them to spaces in attributes.
            '\n' => escaped.push_str("&#10;"),
            '\r' => escaped.push_str("&#13;"),
            '\t' => escaped.push_str("&#9;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => escaped.push('\u{fffd}'),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_characters_xml_cannot_hold() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
        assert_eq!(escape("a\nb\u{1}c"), "a&#10;b\u{fffd}c");
    }
}
