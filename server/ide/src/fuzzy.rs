//! Fuzzy matching of what the user typed against names, as editors filter:
//! subsequence matching with bonuses for word starts and consecutive
//! characters (`nucleo-matcher`, the matcher of the Helix editor).

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// Scores strings against what was typed. An empty pattern matches everything equally.
pub struct FuzzyPattern {
    atom: Option<Atom>,
    /// What was typed, lower-cased, when it is ASCII: most names do not
    /// match at all, and a byte loop tells them apart for a fraction of the
    /// matcher's own setup.
    ascii_needle: Option<Vec<u8>>,
    matcher: Matcher,
    buffer: Vec<char>,
}

impl FuzzyPattern {
    pub fn new(typed: &str) -> FuzzyPattern {
        let atom = (!typed.is_empty())
            .then(|| Atom::new(typed, CaseMatching::Ignore, Normalization::Never, AtomKind::Fuzzy, false));
        // Whitespace separates nothing in one atom's needle; the filter skips it too.
        let ascii_needle = typed.is_ascii().then(|| {
            typed.bytes().filter(|byte| !byte.is_ascii_whitespace()).map(|byte| byte.to_ascii_lowercase()).collect()
        });
        FuzzyPattern { atom, ascii_needle, matcher: Matcher::new(Config::DEFAULT), buffer: Vec::new() }
    }

    /// `None` when `candidate` does not contain what was typed as a subsequence.
    pub fn score(&mut self, candidate: &str) -> Option<u32> {
        let Some(atom) = &self.atom else { return Some(0) };
        if let Some(needle) = &self.ascii_needle
            && is_ascii_subsequence(needle, candidate) == Some(false)
        {
            return None;
        }
        atom.score(Utf32Str::new(candidate, &mut self.buffer), &mut self.matcher).map(u32::from)
    }
}

/// Like `FuzzyPattern`, but matching greedily (the first place each
/// character fits, in linear time) rather than searching for the best
/// alignment: for tens of thousands of names per request (workspace
/// symbols), where the optimal match costs too much.
pub struct GreedyPattern {
    /// Lower-cased, as nucleo's case-insensitive matching wants its needle.
    needle: String,
    matcher: Matcher,
    haystack_buffer: Vec<char>,
    needle_buffer: Vec<char>,
}

impl GreedyPattern {
    pub fn new(typed: &str) -> GreedyPattern {
        let mut config = Config::DEFAULT;
        config.ignore_case = true;
        let needle: String = typed.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
        GreedyPattern { needle, matcher: Matcher::new(config), haystack_buffer: Vec::new(), needle_buffer: Vec::new() }
    }

    /// `None` when `candidate` does not contain what was typed as a subsequence.
    pub fn score(&mut self, candidate: &str) -> Option<u32> {
        if self.needle.is_empty() {
            return Some(0);
        }
        // Most names do not match at all; a byte loop tells them apart for a
        // fraction of the matcher's own setup.
        if self.needle.is_ascii() && is_ascii_subsequence(self.needle.as_bytes(), candidate) == Some(false) {
            return None;
        }
        let haystack = Utf32Str::new(candidate, &mut self.haystack_buffer);
        let needle = Utf32Str::new(&self.needle, &mut self.needle_buffer);
        self.matcher.fuzzy_match_greedy(haystack, needle).map(u32::from)
    }
}

/// Whether `needle` (lower-case ASCII) appears in `haystack` in order,
/// ignoring ASCII case, in one pass; `None` when the haystack has a
/// non-ASCII character before that is decided, since case-insensitive
/// matching may fold one to an ASCII letter (the Kelvin sign is a `k`).
fn is_ascii_subsequence(needle: &[u8], haystack: &str) -> Option<bool> {
    let mut needle = needle.iter().peekable();
    for byte in haystack.bytes() {
        let Some(&&wanted) = needle.peek() else { return Some(true) };
        if !byte.is_ascii() {
            return None;
        }
        if byte.to_ascii_lowercase() == wanted {
            needle.next();
        }
    }
    Some(needle.peek().is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_patterns_match_subsequences_ignoring_case() {
        let mut pattern = GreedyPattern::new("RpF");
        assert!(pattern.score("replayFailedWebhooks").is_some());
        assert!(pattern.score("countFailedWebhooks").is_none());
        assert!(pattern.score("rép-pf").is_some(), "non-ASCII names go to the matcher");
        assert!(GreedyPattern::new("").score("anything").is_some());
        assert_eq!(is_ascii_subsequence(b"ab", "xAyB"), Some(true));
        assert_eq!(is_ascii_subsequence(b"ba", "xAyB"), Some(false));
        assert_eq!(is_ascii_subsequence(b"k", "\u{212A}"), None, "the Kelvin sign folds to k");
        assert_eq!(is_ascii_subsequence(b"ab", "ab\u{212A}"), Some(true));
        assert!(
            GreedyPattern::new("k").score("\u{212A}").is_some() == FuzzyPattern::new("k").score("\u{212A}").is_some()
        );
    }

    /// The byte filter only skips what the matcher would reject.
    #[test]
    fn the_ascii_filter_keeps_every_match() {
        let names = ["node-stripe-webhook-replay", "NEXT-Foo", "a b", "ab", "réplay", "", "x-y_z.ts", "NoDe"];
        for typed in ["no", "NO", "nd", "a b", "ab ", "rp", "ré", "x.t", "zz", "-", "node-stripe-webhook-replay-x"] {
            let mut filtered = FuzzyPattern::new(typed);
            let mut unfiltered = FuzzyPattern::new(typed);
            unfiltered.ascii_needle = None;
            for name in names {
                assert_eq!(filtered.score(name), unfiltered.score(name), "{typed:?} against {name:?}");
            }
        }
    }
}
