//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice`
//! line per finding, which the runner turns into annotations on the pull
//! request's files.

use std::io::{self, Write};

use runbook_ide::Severity;

use crate::check::Finding;

pub fn write(out: &mut impl Write, findings: &[Finding]) -> io::Result<()> {
    for finding in findings {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info | Severity::Hint => "notice",
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&finding.display_path),
            finding.line,
            finding.column,
            finding.end_line,
            finding.end_column,
            escape_property(finding.code.as_str()),
            escape_data(&finding.message),
        )?;
    }
    Ok(())
}

/// The message of a command: the runner reads `%`-escapes in it, and a line
/// break would end the command (as `escapeData` in `@actions/core`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value: also without the `,` that separates properties and the
/// `:` that ends them (as `escapeProperty` in `@actions/core`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_reads() {
        assert_eq!(escape_data("50% done\r\nnext: a, b"), "50%25 done%0D%0Anext: a, b");
        assert_eq!(escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        // `%` first: a literal `%0A` stays text.
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
