//! The settings the features read: per-rule levels, the runbook globs, the
//! configured key roots and whether to show inlay hints. Where they come
//! from (toml, LSP) is the LSP layer's business.

use std::collections::HashMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use runbook_keys::KeyRoot;

use crate::{Diagnostic, DiagnosticCode, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleLevel {
    Off,
    On(Severity),
}

impl RuleLevel {
    pub fn parse(text: &str) -> Option<RuleLevel> {
        if text == "off" { Some(RuleLevel::Off) } else { Severity::parse(text).map(RuleLevel::On) }
    }
}

pub const DEFAULT_RUNBOOK_GLOBS: &[&str] = &["runbook-keys/*/README.md"];

/// Open documents above this size are not analysed live (`max-document-bytes`):
/// far above any real runbook, and low enough that analysing a document costs
/// well under a second and a few hundred MB at most.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct IdeConfig {
    /// Overrides of the default levels.
    pub rules: HashMap<DiagnosticCode, RuleLevel>,
    /// Workspace-relative globs of the files the structure rules apply to.
    pub runbook_globs: Vec<String>,
    runbook_matcher: GlobSet,
    /// The configured key roots (whether or not they exist).
    pub key_roots: Vec<KeyRoot>,
    /// Whether to show inlay hints after KEY references.
    pub inlay_hints: bool,
    /// Open documents larger than this are not analysed live.
    pub max_document_bytes: usize,
}

impl Default for IdeConfig {
    fn default() -> IdeConfig {
        IdeConfig::new(
            HashMap::new(),
            DEFAULT_RUNBOOK_GLOBS.iter().map(|glob| glob.to_string()).collect(),
            KeyRoot::defaults(),
        )
        .expect("the default globs are valid")
    }
}

impl IdeConfig {
    /// Fails with the first glob that does not parse.
    pub fn new(
        rules: HashMap<DiagnosticCode, RuleLevel>,
        runbook_globs: Vec<String>,
        key_roots: Vec<KeyRoot>,
    ) -> Result<IdeConfig, (String, String)> {
        let runbook_matcher = build_globs(&runbook_globs)?;
        Ok(IdeConfig {
            rules,
            runbook_globs,
            runbook_matcher,
            key_roots,
            inlay_hints: true,
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
        })
    }

    pub fn level(&self, code: DiagnosticCode) -> RuleLevel {
        self.rules.get(&code).copied().unwrap_or(RuleLevel::On(code.default_severity()))
    }

    /// The diagnostic with its configured severity, or `None` when its rule is off.
    /// Every finding goes through here, whatever file it is about.
    pub fn configured(&self, mut diagnostic: Diagnostic) -> Option<Diagnostic> {
        match self.level(diagnostic.code) {
            RuleLevel::Off => None,
            RuleLevel::On(severity) => {
                diagnostic.severity = severity;
                Some(diagnostic)
            }
        }
    }

    /// Whether a workspace-relative, `/`-separated path is a runbook for the structure rules.
    pub fn is_runbook(&self, relative_path: &str) -> bool {
        self.runbook_matcher.is_match(relative_path.trim_start_matches('/'))
    }

    /// The family prefixes of the configured roots (`node`, `next`, `jupyter`).
    pub fn families(&self) -> impl Iterator<Item = &str> {
        self.key_roots.iter().map(|root| root.prefix.as_str())
    }

    pub fn is_family(&self, family: &str) -> bool {
        self.families().any(|known| known == family)
    }

    /// Whether KEYs of `family` execute code (their root has an import prefix).
    pub fn is_execution_family(&self, family: &str) -> bool {
        self.key_roots.iter().any(|root| root.prefix == family && root.import_prefix().is_some())
    }

    /// Whether a workspace-relative path (`/node-keys/x/src/index.ts`,
    /// `node-keys/x/`) is a configured key root or lies in one.
    pub fn is_in_key_root(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./").trim_start_matches('/');
        self.key_roots.iter().any(|root| {
            let root = root.path.trim_start_matches("./").trim_matches('/');
            !root.is_empty() && path.strip_prefix(root).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }

    /// Whether an import specifier is under a key root's import prefix.
    pub fn is_key_import(&self, specifier: &str) -> bool {
        self.key_roots.iter().filter_map(KeyRoot::import_prefix).any(|prefix| specifier.starts_with(&prefix))
    }
}

/// Compiles globs; on failure, the glob and why.
pub fn build_globs(globs: &[String]) -> Result<GlobSet, (String, String)> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let compiled = Glob::new(glob).map_err(|error| (glob.clone(), error.kind().to_string()))?;
        builder.add(compiled);
    }
    builder.build().map_err(|error| (globs.join(", "), error.to_string()))
}
