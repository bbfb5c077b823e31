//! Fingerprints of findings: what SARIF `partialFingerprints`, GitLab Code
//! Quality and the baseline match findings by across runs. A fingerprint
//! hashes what the finding is about (its rule, its file, the text it points
//! at and what its message says is wrong), never where it is: lines moving
//! above it do not change it.

use std::collections::HashMap;
use std::hash::Hasher;

use crate::check::Finding;

/// The key of our fingerprint in SARIF `partialFingerprints` (versioned, as
/// SARIF recommends, so that a change of the recipe is a new key).
pub const SARIF_KEY: &str = "runbookLs/v1";

/// Sets the fingerprint of every finding. Findings that would hash the same
/// (the same rule on the same text twice in one file) are told apart by
/// their order in the file, as GitHub's own line hashes are.
pub fn assign(findings: &mut [Finding]) {
    let mut seen: HashMap<u64, u32> = HashMap::new();
    for finding in findings.iter_mut() {
        let identity = identity(finding);
        let occurrence = seen.entry(identity).or_insert(0);
        finding.fingerprint = hex(hash(&[&identity.to_le_bytes(), &occurrence.to_le_bytes()]));
        *occurrence += 1;
    }
}

/// The hash of what a finding is about, before its occurrence is counted.
fn identity(finding: &Finding) -> u64 {
    let snippet = one_line(&finding.snippet);
    let wrong = what_is_wrong(&finding.message);
    hash(&[b"v1", finding.code.as_str().as_bytes(), finding.path.as_bytes(), snippet.as_bytes(), wrong.as_bytes()])
}

/// A message up to its advice. Every rule writes "what is wrong: what to do
/// or what you may have meant"; the advice names candidates that change when
/// unrelated KEYs or sections come and go, so it is left out.
fn what_is_wrong(message: &str) -> &str {
    message.split_once(": ").map_or(message, |(wrong, _)| wrong)
}

/// Text with its whitespace runs collapsed: re-indenting or re-wrapping the
/// offending text keeps its fingerprint.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// FNV-1a over the parts, each followed by a separator byte that UTF-8 text
/// never holds, so that `("ab", "c")` and `("a", "bc")` differ. FNV-1a is
/// a fixed algorithm: fingerprints stay the same across Rust versions and
/// platforms, unlike `std`'s `DefaultHasher`.
fn hash(parts: &[&[u8]]) -> u64 {
    let mut hasher = fnv::FnvHasher::default();
    for part in parts {
        hasher.write(part);
        hasher.write(&[0xff]);
    }
    hasher.finish()
}

fn hex(value: u64) -> String {
    format!("{value:016x}")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use runbook_ide::{DiagnosticCode, Severity};

    use super::*;

    fn finding(line: u32, code: DiagnosticCode, snippet: &str, message: &str) -> Finding {
        Finding {
            display_path: "runbooks/a.md".to_string(),
            path: "runbooks/a.md".to_string(),
            workspace_root: PathBuf::from("/w"),
            line,
            column: 1,
            end_line: line,
            end_column: 1,
            severity: Severity::Error,
            code,
            message: message.to_string(),
            snippet: snippet.to_string(),
            fingerprint: String::new(),
        }
    }

    fn fingerprints(mut findings: Vec<Finding>) -> Vec<String> {
        assign(&mut findings);
        findings.into_iter().map(|finding| finding.fingerprint).collect()
    }

    #[test]
    fn lines_and_advice_do_not_count_but_the_text_and_the_wrong_do() {
        let unknown = |line, snippet: &str, message: &str| finding(line, DiagnosticCode::UnknownKey, snippet, message);
        let base = fingerprints(vec![unknown(3, "node-a", "no KEY is named `node-a`: did you mean `node-b`?")]);
        assert_eq!(base[0].len(), 16);
        // Moved down, other candidates, the text re-wrapped: the same finding.
        let moved = fingerprints(vec![unknown(30, "node-a", "no KEY is named `node-a`: did you mean `node-c`?")]);
        assert_eq!(moved, base);
        // Another text, another rule: another finding.
        assert_ne!(fingerprints(vec![unknown(3, "node-x", "no KEY is named `node-x`")]), base);
        let other_rule = finding(3, DiagnosticCode::UnknownExport, "node-a", "no KEY is named `node-a`");
        assert_ne!(fingerprints(vec![other_rule]), base);
    }

    #[test]
    fn the_same_finding_twice_in_a_file_gets_two_fingerprints() {
        let twice = fingerprints(vec![
            finding(3, DiagnosticCode::UnknownKey, "node-a", "no KEY is named `node-a`"),
            finding(9, DiagnosticCode::UnknownKey, "node-a", "no KEY is named `node-a`"),
        ]);
        assert_ne!(twice[0], twice[1]);
        // The first keeps its fingerprint whatever follows it.
        let once = fingerprints(vec![finding(4, DiagnosticCode::UnknownKey, "node-a", "no KEY is named `node-a`")]);
        assert_eq!(once[0], twice[0]);
    }

    #[test]
    fn whitespace_in_the_text_does_not_count() {
        let a = fingerprints(vec![finding(1, DiagnosticCode::MissingSafety, "Action 1:  Purge\tthe queue", "x")]);
        let b = fingerprints(vec![finding(1, DiagnosticCode::MissingSafety, "Action 1: Purge the queue", "x")]);
        assert_eq!(a, b);
    }
}
