//! `check --affected-by PATH…` and `--stdin-paths`: the changed files of a
//! pull request, read from the command line or from standard input (`git
//! diff --name-only origin/main… | runbook-ls check --stdin-paths`). Which
//! runbooks they affect is the analysis' answer (`affected_runbooks`), on
//! an index of the whole workspace.

use std::io::{self, BufRead};
use std::path::{Component, Path, PathBuf};

use super::CheckArgs;

/// The changed files the arguments name, absolute, or `None` when the check
/// is not about changes.
pub fn changed_paths(args: &CheckArgs, cwd: &Path) -> Result<Option<Vec<PathBuf>>, String> {
    let given: Vec<PathBuf> = if args.stdin_paths {
        let mut paths = Vec::new();
        for line in io::stdin().lock().lines() {
            let line = line.map_err(|error| format!("cannot read the changed paths from standard input: {error}"))?;
            let line = line.trim();
            if !line.is_empty() {
                paths.push(PathBuf::from(line));
            }
        }
        paths
    } else if args.affected_by.is_empty() {
        return Ok(None);
    } else {
        args.affected_by.clone()
    };
    Ok(Some(given.iter().map(|path| absolute(cwd, path)).collect()))
}

/// `path` made absolute against `cwd`, with symbolic links resolved as far
/// as it exists (the workspace roots are canonical): a changed file may be
/// a deleted one.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let joined = normal_join(Path::new(""), &cwd.join(path));
    let mut missing: Vec<PathBuf> = Vec::new();
    let mut existing = joined.as_path();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            return missing.iter().rev().fold(canonical, |path, part| normal_join(&path, part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(PathBuf::from(name));
                existing = parent;
            }
            _ => return joined,
        }
    }
}

/// `base/part`, folding `..` and `.` in `part` lexically (git names
/// changed files without either; this is for hand-written paths).
fn normal_join(base: &Path, part: &Path) -> PathBuf {
    let mut path = base.to_path_buf();
    for component in part.components() {
        match component {
            Component::ParentDir => {
                path.pop();
            }
            Component::CurDir => {}
            other => path.push(other),
        }
    }
    path
}

/// The summary on stderr, so that a CI log says what was checked.
pub fn report(n_changed: usize, n_runbooks: usize) {
    eprintln!(
        "runbook-ls: {n_changed} changed {} {n_runbooks} {}",
        if n_changed == 1 { "file affects" } else { "files affect" },
        if n_runbooks == 1 { "runbook" } else { "runbooks" },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_do_not_exist_are_made_absolute_from_their_existing_folder() {
        let cwd = std::env::temp_dir().canonicalize().unwrap();
        assert_eq!(absolute(&cwd, Path::new("no-such-dir/x.md")), cwd.join("no-such-dir/x.md"));
        assert_eq!(absolute(&cwd, Path::new("a/../b.md")), cwd.join("b.md"));
    }
}
