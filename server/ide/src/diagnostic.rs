//! The diagnostic codes of SPEC 5, their default severities and documentation,
//! and the plain-data diagnostic every rule produces.

use std::fmt;
use std::path::PathBuf;

use runbook_syntax::{SourceRange, TextRange};

use crate::fixes::Fix;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        [Severity::Error, Severity::Warning, Severity::Info, Severity::Hint]
            .into_iter()
            .find(|severity| severity.as_str() == text)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($($variant:ident = $name:literal, $severity:ident, $summary:literal;)*) => {
        /// A rule of SPEC 5.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum DiagnosticCode { $($variant,)* }

        impl DiagnosticCode {
            pub const ALL: &'static [DiagnosticCode] = &[$(DiagnosticCode::$variant,)*];

            /// The kebab-case code users see and configure.
            pub const fn as_str(self) -> &'static str {
                match self { $(DiagnosticCode::$variant => $name,)* }
            }

            pub const fn default_severity(self) -> Severity {
                match self { $(DiagnosticCode::$variant => Severity::$severity,)* }
            }

            /// One sentence: when the rule fires.
            pub const fn summary(self) -> &'static str {
                match self { $(DiagnosticCode::$variant => $summary,)* }
            }
        }
    };
}

codes! {
    MissingPrecondition = "missing-precondition", Warning, "An Action section has no Precondition(s) field.";
    MissingRollback = "missing-rollback", Warning, "An Action that is REVERSIBLE, or unclassified and referencing a KEY, has no Rollback field.";
    IrreversibleWithoutWarning = "irreversible-without-warning", Warning, "An IRREVERSIBLE Action has no Warning field.";
    MissingSafety = "missing-safety", Warning, "An Action has no safety class (neither in its heading nor in a Safety field).";
    MissingSideEffects = "missing-side-effects", Warning, "An Action that references a node/next KEY has no Side Effects field.";
    UnknownSafetyClass = "unknown-safety-class", Error, "A heading parenthetical or Safety value is not a safety class but close to one.";
    SafetyMismatch = "safety-mismatch", Warning, "The heading and the Safety field disagree, or the KEY declares a stricter class than the Action.";
    UnknownKey = "unknown-key", Error, "A KEY reference of a configured family names no KEY.";
    UnresolvedImport = "unresolved-import", Error, "An import specifier under a key root names no KEY folder or entry.";
    UnknownExport = "unknown-export", Error, "An imported name is not exported by the KEY.";
    LocationMismatch = "location-mismatch", Warning, "A Location path (a file or a folder) does not exist, or is not the entry of the Action's KEY; outside Actions that use a KEY only paths into a key root are checked.";
    KeyImportMismatch = "key-import-mismatch", Warning, "An Action's KEY field and its Execution import name different KEYs.";
    HiddenExecution = "hidden-execution", Warning, "An Execution/Automated code block imports no KEY but holds more than 10 lines of code.";
    MissingManualAlternative = "missing-manual-alternative", Info, "An Action that executes a KEY has no Manual Alternative.";
    MissingSection = "missing-section", Warning, "A runbook lacks one of the ten canonical sections.";
    SectionOrder = "section-order", Warning, "A runbook has its canonical sections out of order.";
    PackReferenceMismatch = "pack-reference-mismatch", Info, "A pack.json reference list and the runbook's KEY references disagree.";
    InvalidKeyManifest = "invalid-key-manifest", Error, "A key.json is not JSON or has fields of the wrong type.";
    InvalidConfig = "invalid-config", Warning, "A runbook-ls.toml entry is unknown or has a bad value.";
    UnreadableFile = "unreadable-file", Error, "A markdown file is not valid UTF-8 text.";
    FileTooLarge = "file-too-large", Info, "A runbook is above the server's size limit (`max-document-bytes`); `runbook-ls check` still checks it.";
}

impl DiagnosticCode {
    pub fn parse(text: &str) -> Option<DiagnosticCode> {
        DiagnosticCode::ALL.iter().copied().find(|code| code.as_str() == text)
    }
}

impl fmt::Display for DiagnosticCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place that explains a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelatedLocation {
    /// In the file the diagnostic is about.
    Here(TextRange),
    /// In another file (a KEY's manifest or source).
    File { path: PathBuf, range: SourceRange },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub location: RelatedLocation,
    pub message: String,
}

/// Whether findings come with their fixes. Code actions read the fixes; a
/// publication drops them (a client asks for the fixes of a finding with
/// its code and range, see `assists`), and so does the memo of an open
/// document's findings (see `diagnostics::diagnostics_with`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fixes {
    Include,
    Omit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: DiagnosticCode,
    pub severity: Severity,
    pub range: TextRange,
    pub message: String,
    pub related: Vec<Related>,
    /// What would fix it, best first (see `fixes`); edits are built only
    /// when a fix is asked for.
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// The same finding, as published (without its fixes: see `Fixes`), with
    /// every range in this file (its own, related places here) moved from
    /// `within` to start at `to`; `None` when one of them is not inside
    /// `within`. What an open document's memo keeps and gives back.
    pub(crate) fn relocated(&self, within: TextRange, to: usize) -> Option<Diagnostic> {
        let relocate = |range: TextRange| {
            within
                .contains_range(range)
                .then(|| TextRange::new(range.start - within.start + to, range.end - within.start + to))
        };
        let mut related = Vec::with_capacity(self.related.len());
        for item in &self.related {
            let location = match &item.location {
                RelatedLocation::Here(range) => RelatedLocation::Here(relocate(*range)?),
                other => other.clone(),
            };
            related.push(Related { location, message: item.message.clone() });
        }
        Some(Diagnostic {
            range: relocate(self.range)?,
            related,
            fixes: Vec::new(),
            message: self.message.clone(),
            ..*self
        })
    }

    pub fn new(code: DiagnosticCode, range: TextRange, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.default_severity(),
            range,
            message: message.into(),
            related: Vec::new(),
            fixes: Vec::new(),
        }
    }

    pub fn with_related(mut self, location: RelatedLocation, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related { location, message: message.into() });
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Diagnostic {
        self.fixes.push(fix);
        self
    }

    pub fn with_fixes(mut self, fixes: impl IntoIterator<Item = Fix>) -> Diagnostic {
        self.fixes.extend(fixes);
        self
    }
}
