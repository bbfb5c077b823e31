//! Fuzzy matching of what the user typed against names, as editors filter:
//! subsequence matching with bonuses for word starts and consecutive
//! characters (`nucleo-matcher`, the matcher of the Helix editor).

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// Scores strings against what was typed. An empty pattern matches everything equally.
pub struct FuzzyPattern {
    atom: Option<Atom>,
    matcher: Matcher,
    buffer: Vec<char>,
}

impl FuzzyPattern {
    pub fn new(typed: &str) -> FuzzyPattern {
        let atom = (!typed.is_empty())
            .then(|| Atom::new(typed, CaseMatching::Ignore, Normalization::Never, AtomKind::Fuzzy, false));
        FuzzyPattern { atom, matcher: Matcher::new(Config::DEFAULT), buffer: Vec::new() }
    }

    /// `None` when `candidate` does not contain what was typed as a subsequence.
    pub fn score(&mut self, candidate: &str) -> Option<u32> {
        let Some(atom) = &self.atom else { return Some(0) };
        atom.score(Utf32Str::new(candidate, &mut self.buffer), &mut self.matcher).map(u32::from)
    }
}
