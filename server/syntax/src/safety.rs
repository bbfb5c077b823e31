//! The three safety classes of the seed ("Safety Classifications") and how a
//! word in a heading or a Safety field is read as one.

use std::fmt;

/// How dangerous an Action is. Ordered from least to most strict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SafetyClass {
    Safe,
    Reversible,
    Irreversible,
}

impl SafetyClass {
    pub const ALL: [SafetyClass; 3] = [SafetyClass::Safe, SafetyClass::Reversible, SafetyClass::Irreversible];

    pub const fn as_str(self) -> &'static str {
        match self {
            SafetyClass::Safe => "SAFE",
            SafetyClass::Reversible => "REVERSIBLE",
            SafetyClass::Irreversible => "IRREVERSIBLE",
        }
    }

    /// Reads a class word, ignoring case (`Reversible` is REVERSIBLE).
    pub fn parse(word: &str) -> Option<SafetyClass> {
        SafetyClass::ALL.into_iter().find(|class| class.as_str().eq_ignore_ascii_case(word))
    }

    /// The class a misspelt word most likely meant (`REVERSABLE`), if any is
    /// close enough: at most one edit for SAFE, two for the longer words, where a
    /// swap of two neighbouring letters (`REVERSIBEL`) is one edit.
    pub fn closest(word: &str) -> Option<SafetyClass> {
        if word.len() < 3 || SafetyClass::parse(word).is_some() {
            return None;
        }
        let upper = word.to_ascii_uppercase();
        SafetyClass::ALL
            .into_iter()
            .map(|class| (strsim::osa_distance(&upper, class.as_str()), class))
            .filter(|&(distance, class)| distance <= if class == SafetyClass::Safe { 1 } else { 2 })
            .min_by_key(|&(distance, class)| (distance, std::cmp::Reverse(class)))
            .map(|(_, class)| class)
    }

    /// What the class means, from the seed's "Safety Classifications".
    pub const fn meaning(self) -> &'static [&'static str] {
        match self {
            SafetyClass::Safe => &["Read-only operations", "No side effects", "Can be run multiple times safely"],
            SafetyClass::Reversible => &["Has side effects", "Can be undone", "Rollback procedure exists"],
            SafetyClass::Irreversible => &["Permanent changes", "Cannot be undone", "Use with extreme caution"],
        }
    }

    pub const fn example(self) -> &'static str {
        match self {
            SafetyClass::Safe => "Health checks, monitoring, status queries",
            SafetyClass::Reversible => "Configuration updates, service restarts, data updates",
            SafetyClass::Irreversible => "Data deletion, permanent configuration changes",
        }
    }
}

impl fmt::Display for SafetyClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_guesses() {
        assert_eq!(SafetyClass::parse("reversible"), Some(SafetyClass::Reversible));
        assert_eq!(SafetyClass::parse("REVERSABLE"), None);
        assert_eq!(SafetyClass::closest("REVERSABLE"), Some(SafetyClass::Reversible));
        assert_eq!(SafetyClass::closest("IRREVERSABLE"), Some(SafetyClass::Irreversible));
        assert_eq!(SafetyClass::closest("IREVERSIBLE"), Some(SafetyClass::Irreversible));
        assert_eq!(SafetyClass::closest("SAEF"), Some(SafetyClass::Safe));
        assert_eq!(SafetyClass::closest("SAFE"), None);
        assert_eq!(SafetyClass::closest("OPTIONAL"), None);
        assert_eq!(SafetyClass::closest("READ"), None);
        assert_eq!(SafetyClass::closest("USE"), None);
        assert!(SafetyClass::Safe < SafetyClass::Irreversible);
    }
}
