//! `runbook-ls check --fix` and `--diff`: the fix-all of every runbook
//! checked (the same unambiguous fixes as the editors' `source.fixAll`),
//! written back atomically or printed as a unified diff, then the findings
//! that remain, checked on the fixed text.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use rayon::prelude::*;
use runbook_ide::{Analysis, DiagnosticCode};
use runbook_keys::fs::{FileSystem, RealFs, WalkedTree};

use super::{CheckArgs, Run, display_path, exit_status, format};

/// A file the fixes change.
struct FixedFile {
    /// The workspace it is in: nothing outside is ever written.
    root: PathBuf,
    path: PathBuf,
    before: String,
    after: String,
}

/// What fix-all does to the workspaces of a run.
#[derive(Default)]
struct Plan {
    files: Vec<FixedFile>,
    /// By runbook: the code and label of each fix.
    fixes: BTreeMap<PathBuf, Vec<(DiagnosticCode, String)>>,
}

fn plan(analyses: &[(PathBuf, Analysis)]) -> Plan {
    let mut plan = Plan::default();
    for (root, analysis) in analyses {
        let runbooks: Vec<&Path> = analysis.index().map(|index| index.runbook_paths().collect()).unwrap_or_default();
        let fixed: Vec<(&Path, runbook_ide::FixAll)> =
            runbooks.par_iter().map(|path| (*path, analysis.fix_all(path))).collect();
        let mut change = runbook_ide::SourceChange::default();
        for (path, fix_all) in fixed {
            if fix_all.source_change.is_empty() {
                continue;
            }
            plan.fixes.insert(path.to_path_buf(), fix_all.fixed);
            change.merge(fix_all.source_change);
        }
        for path in change.edits.keys() {
            let Some(before) = analysis.file_text(path) else { continue };
            let after = change.apply(path, &before);
            if after != before {
                plan.files.push(FixedFile { root: root.clone(), path: path.clone(), before, after });
            }
        }
    }
    plan.files.sort_by(|a, b| a.path.cmp(&b.path));
    plan
}

/// The disk, with the fixed texts in place of the files they fix: the
/// findings that remain are checked on it, whether or not they were written.
#[derive(Clone)]
struct FixedFs {
    disk: RealFs,
    fixed: HashMap<PathBuf, String>,
}

impl FileSystem for FixedFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.fixed.get(path) {
            Some(text) => Ok(text.clone().into_bytes()),
            None => self.disk.read(path),
        }
    }
    fn is_file(&self, path: &Path) -> bool {
        self.disk.is_file(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.disk.is_dir(path)
    }
    fn exists(&self, path: &Path) -> bool {
        self.disk.exists(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        self.disk.read_dir(path)
    }
    fn walk(&self, root: &Path) -> Vec<PathBuf> {
        self.disk.walk(root)
    }
    fn walk_tree(&self, root: &Path) -> WalkedTree {
        self.disk.walk_tree(root)
    }
    /// With the fixed texts: a KEY's sources parsed later see the same files.
    fn shared(&self) -> Arc<dyn FileSystem> {
        Arc::new(self.clone())
    }
}

pub fn run(args: &CheckArgs) -> ExitCode {
    let run = match Run::new(args) {
        Ok(run) => run,
        Err(message) => {
            eprintln!("runbook-ls: {message}");
            return ExitCode::from(2);
        }
    };
    let plan = plan(&run.analyses(|root| Arc::new(RealFs::new([root.to_path_buf()]))));
    let n_fixes: usize = plan.fixes.values().map(Vec::len).sum();
    let mut failed = false;
    if args.diff {
        let stdout = io::stdout();
        let mut out = io::BufWriter::new(stdout.lock());
        let written = plan.files.iter().try_for_each(|file| write_diff(&mut out, file, &run.cwd));
        if let Err(error) = written.and_then(|()| out.flush()) {
            eprintln!("runbook-ls: cannot write the diff: {error}");
            return ExitCode::from(2);
        }
    } else {
        for (runbook, fixes) in &plan.fixes {
            for (code, label) in fixes {
                eprintln!("{}: fixed [{code}] {label}", display_path(runbook, &run.cwd));
            }
        }
        for file in &plan.files {
            if let Err(error) = write_atomically(&file.root, &file.path, &file.after) {
                eprintln!("runbook-ls: cannot write {}: {error}", display_path(&file.path, &run.cwd));
                failed = true;
            }
        }
    }

    let fixed: HashMap<PathBuf, String> =
        plan.files.iter().map(|file| (file.path.clone(), file.after.clone())).collect();
    let analyses =
        run.analyses(|root| Arc::new(FixedFs { disk: RealFs::new([root.to_path_buf()]), fixed: fixed.clone() }));
    let findings = run.findings(&analyses);
    let verb = if args.diff { "would change" } else { "changed" };
    eprintln!(
        "runbook-ls: {n_fixes} {} {verb} {} {}; {} {} {}",
        if n_fixes == 1 { "fix" } else { "fixes" },
        plan.files.len(),
        if plan.files.len() == 1 { "file" } else { "files" },
        findings.len(),
        if findings.len() == 1 { "finding" } else { "findings" },
        if args.diff { "would remain" } else { "remain" },
    );
    if !args.diff
        && let Err(error) = format::print(&findings, args.format)
    {
        eprintln!("runbook-ls: cannot write the findings: {error}");
        return ExitCode::from(2);
    }
    if failed { ExitCode::from(2) } else { exit_status(&findings) }
}

/// A unified diff of one file, with paths as the user would open them.
fn write_diff(out: &mut impl Write, file: &FixedFile, cwd: &Path) -> io::Result<()> {
    let path = display_path(&file.path, cwd);
    let diff = similar::TextDiff::from_lines(&file.before, &file.after);
    write!(out, "{}", diff.unified_diff().context_radius(3).header(&format!("a/{path}"), &format!("b/{path}")))
}

/// Replaces a file's contents so that a reader never sees half of them: the
/// text goes to a temporary file beside it, which then takes its place with
/// the original's permissions. A symlink is followed to the file it names,
/// unless that is outside the workspace at `root`.
fn write_atomically(root: &Path, path: &Path, text: &str) -> io::Result<()> {
    let target = path.canonicalize()?;
    if !target.starts_with(root.canonicalize()?) {
        return Err(io::Error::other(format!("it is a link to {}, outside the workspace", target.display())));
    }
    let folder = target.parent().ok_or_else(|| io::Error::other("the file has no folder"))?;
    let name = target.file_name().ok_or_else(|| io::Error::other("the path names no file"))?;
    let temporary = folder.join(format!(".{}.runbook-ls-{}.tmp", name.to_string_lossy(), std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create_new(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::set_permissions(&temporary, std::fs::metadata(&target)?.permissions())?;
        std::fs::rename(&temporary, &target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_the_file_and_never_leave_the_workspace() {
        let base = std::env::temp_dir().join(format!("runbook-ls-fix-{}", std::process::id()));
        let root = base.join("ws");
        std::fs::create_dir_all(&root).unwrap();
        let inside = root.join("a.md");
        std::fs::write(&inside, "old").unwrap();
        write_atomically(&root, &inside, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&inside).unwrap(), "new");
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1, "no temporary file is left");

        #[cfg(unix)]
        {
            let outside = base.join("outside.md");
            std::fs::write(&outside, "theirs").unwrap();
            let link = root.join("link.md");
            std::os::unix::fs::symlink(&outside, &link).unwrap();
            let error = write_atomically(&root, &link, "ours").unwrap_err();
            assert!(error.to_string().contains("outside the workspace"), "{error}");
            assert_eq!(std::fs::read_to_string(&outside).unwrap(), "theirs");
        }
        std::fs::remove_dir_all(&base).unwrap();
    }
}
