//! Every fix offered on real runbooks (the demo workspace and the corpus),
//! applied one at a time, then fix-all: no fix adds an error, none changes
//! text outside its edits or replaces more than the token it is about, and
//! fix-all applied to its own result changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use expect_test::expect;
use runbook_keys::fs::RealFs;

use crate::{Analysis, AnalysisHost, AssistId, IndexScope, Severity, SourceChange};

fn workspace(relative: &str) -> Analysis {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative).canonicalize().unwrap();
    let mut host = AnalysisHost::new(root.clone(), Arc::new(RealFs::new([root])));
    let config_file = host.analysis().read_config_file();
    host.set_settings(config_file, Vec::new());
    let index = host.analysis().build_index(&IndexScope::Workspace);
    host.set_index(index);
    host.analysis()
}

/// The errors of a runbook, by code and message.
fn errors(analysis: &Analysis, path: &Path) -> BTreeMap<(String, String), usize> {
    let mut errors = BTreeMap::new();
    for diagnostic in analysis.diagnostics(path) {
        if diagnostic.severity == Severity::Error {
            *errors.entry((diagnostic.code.to_string(), diagnostic.message)).or_default() += 1;
        }
    }
    errors
}

/// Checks that the edits of `change` only replace one token of a runbook
/// (or insert text), or one entry of a pack.json list with its separator,
/// and applies them.
fn apply_checked(analysis: &Analysis, change: &SourceChange, what: &str) -> Vec<(PathBuf, String)> {
    assert!(change.file_system_edits.is_empty(), "{what}: a fix moved files");
    let mut texts = Vec::new();
    for (path, edits) in &change.edits {
        let before = analysis.file_text(path).unwrap_or_else(|| panic!("{what}: {} cannot be read", path.display()));
        for edit in edits {
            let replaced = &before[edit.range.range.as_range()];
            if crate::is_pack(path) {
                let entry = replaced.trim_matches(|c: char| c == ',' || c.is_whitespace());
                let one_string =
                    entry.starts_with('"') && entry.ends_with('"') && entry[1..entry.len() - 1].find('"').is_none();
                assert!(replaced.is_empty() || one_string, "{what}: removes {replaced:?} from {}", path.display());
            } else {
                assert!(
                    !replaced.contains(['\n', '\r']) && !replaced.trim().contains(char::is_whitespace),
                    "{what}: replaces {replaced:?}, more than a token, in {}",
                    path.display()
                );
            }
        }
        let after = change.apply(path, &before);
        // Nothing before the first edit or after the last one changed.
        let first = edits.first().unwrap().range.range.start;
        let last = edits.last().unwrap().range.range.end;
        assert_eq!(after[..first], before[..first], "{what}");
        assert_eq!(after[after.len() - (before.len() - last)..], before[last..], "{what}");
        texts.push((path.clone(), after));
    }
    texts
}

/// Checks every fix of the workspace; returns how many were offered per
/// code, and for how many runbooks fix-all did something.
fn check_workspace(relative: &str) -> String {
    let analysis = workspace(relative);
    let runbooks: Vec<PathBuf> = analysis.index().unwrap().runbook_paths().map(Path::to_path_buf).collect();
    assert!(!runbooks.is_empty());
    let mut n_fixes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut n_fix_all = 0;
    for path in &runbooks {
        let errors_before = errors(&analysis, path);
        let no_new_errors = |fixed: &Analysis, what: &str| {
            let after = errors(fixed, path);
            for (error, n) in &after {
                assert!(*n <= errors_before.get(error).copied().unwrap_or(0), "{what} added the error {error:?}");
            }
        };
        for diagnostic in analysis.diagnostics(path) {
            for index in 0..diagnostic.fixes.len() {
                let nth = analysis
                    .diagnostics(path)
                    .iter()
                    .take_while(|other| **other != diagnostic)
                    .filter(|other| other.code == diagnostic.code && other.range == diagnostic.range)
                    .count();
                let id = AssistId {
                    name: diagnostic.code.as_str().to_string(),
                    start: diagnostic.range.start,
                    end: diagnostic.range.end,
                    nth,
                    fix: index,
                };
                let what = format!("{}: {} fix {:?}", path.display(), diagnostic.code, diagnostic.fixes[index].label);
                let assist = analysis.resolve_assist(path, &id).unwrap_or_else(|| panic!("{what} is not found again"));
                assert_eq!(assist.label, diagnostic.fixes[index].label, "{what}");
                let change = assist.source_change.unwrap();
                assert!(!change.is_empty(), "{what} changes nothing");
                let fixed = analysis.with_file_texts(apply_checked(&analysis, &change, &what));
                no_new_errors(&fixed, &what);
                *n_fixes.entry(diagnostic.code.as_str()).or_default() += 1;
            }
        }
        let what = format!("{}: fix-all", path.display());
        let fix_all = analysis.fix_all(path);
        if fix_all.source_change.is_empty() {
            continue;
        }
        let fixed = analysis.with_file_texts(apply_checked(&analysis, &fix_all.source_change, &what));
        no_new_errors(&fixed, &what);
        let again = fixed.fix_all(path);
        assert!(again.source_change.is_empty(), "{what} twice changed {:#?}", again.fixed);
        n_fix_all += 1;
    }
    let mut out: String = n_fixes.iter().map(|(code, n)| format!("{code}: {n}\n")).collect();
    out.push_str(&format!("fix-all changed {n_fix_all} of {} runbooks\n", runbooks.len()));
    out
}

#[test]
fn every_fix_of_the_demo_workspace() {
    expect![[r#"
        irreversible-without-warning: 1
        missing-manual-alternative: 2
        missing-precondition: 2
        missing-rollback: 1
        missing-safety: 3
        missing-side-effects: 2
        safety-mismatch: 2
        unknown-export: 2
        unknown-key: 1
        unknown-safety-class: 1
        unresolved-import: 1
        fix-all changed 1 of 2 runbooks
    "#]]
    .assert_eq(&check_workspace("tests/fixtures/demo"));
}

#[test]
fn every_fix_of_the_corpus() {
    expect![[r#"
        missing-manual-alternative: 4
        missing-side-effects: 8
        pack-reference-mismatch: 4
        unknown-export: 5
        fix-all changed 3 of 20 runbooks
    "#]]
    .assert_eq(&check_workspace("tests/corpus/keys-repo"));
}

/// A code action request checks only the Actions at its ranges: every
/// finding of a real runbook, with its fixes, is among those found near its
/// own range, whether the runbook is open (its findings memoized, without
/// fixes, by a publication first) or not. Returns how many were looked for.
fn check_found_near(relative: &str) -> usize {
    let analysis = workspace(relative);
    let runbooks: Vec<PathBuf> = analysis.index().unwrap().runbook_paths().map(Path::to_path_buf).collect();
    let mut n = 0;
    for path in &runbooks {
        let text = analysis.file_text(path).unwrap();
        let open = analysis.with_file_texts(vec![(path.clone(), text)]);
        open.diagnostics_without_fixes(path);
        for analysis in [&analysis, &open] {
            let all = analysis.diagnostics(path);
            for diagnostic in &all {
                let near = analysis.diagnostics_near(path, &[diagnostic.range]);
                assert!(near.contains(diagnostic), "{}: {diagnostic:?} is not near itself", path.display());
                n += 1;
            }
        }
    }
    n
}

#[test]
fn every_finding_is_found_near_itself() {
    assert_eq!(check_found_near("tests/fixtures/demo"), 2 * 23);
    assert_eq!(check_found_near("tests/corpus/keys-repo"), 2 * 41);
}
