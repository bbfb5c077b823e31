//! The text format: `path:line:col: severity[code] message`, one finding per
//! line, the way compilers print and editors' problem matchers read.

use std::io::{self, Write};

use crate::check::Finding;

pub fn write(out: &mut impl Write, findings: &[Finding]) -> io::Result<()> {
    for finding in findings {
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            finding.display_path, finding.line, finding.column, finding.severity, finding.code, finding.message
        )?;
    }
    Ok(())
}
