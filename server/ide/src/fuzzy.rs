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
    /// Whether what was typed is ASCII without whitespace and starts with a
    /// letter or digit (then `ascii_needle` is all of it): then an ASCII name
    /// that starts with it scores what its start alone scores (see `score`),
    /// and those scores are kept here by that start.
    scores_by_prefix: bool,
    /// (A name's start can be cased in as many ways as it has letters, but
    /// few are: a list.)
    prefix_scores: Vec<(Box<[u8]>, Option<u32>)>,
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
        let scores_by_prefix = ascii_needle.as_ref().is_some_and(|needle: &Vec<u8>| {
            needle.len() == typed.len() && needle.first().is_some_and(u8::is_ascii_alphanumeric)
        });
        FuzzyPattern {
            atom,
            ascii_needle,
            scores_by_prefix,
            prefix_scores: Vec::new(),
            matcher: Matcher::new(Config::DEFAULT),
            buffer: Vec::new(),
        }
    }

    /// `None` when `candidate` does not contain what was typed as a subsequence.
    pub fn score(&mut self, candidate: &str) -> Option<u32> {
        let Some(atom) = &self.atom else { return Some(0) };
        // A name that starts with what was typed matches best right there:
        // the first character gets the largest bonus a character can get
        // (a word start after the whitespace the matcher puts before every
        // name, doubled as the pattern's first), the others the bonus of a
        // run that starts so, and nothing is lost to gaps; a later match can
        // only tie. Its score is then the score of its start, which bonuses
        // (read from the characters before, never after) do not change, and
        // names typed after a slug's family share one start: with ten
        // thousand KEYs that is one match instead of ten thousand.
        if self.scores_by_prefix
            && let Some(prefix) = &self.ascii_needle
            && let Some(start) = candidate.as_bytes().get(..prefix.len())
            && start.eq_ignore_ascii_case(prefix)
            && candidate.is_ascii()
        {
            if let Some((_, score)) = self.prefix_scores.iter().find(|(known, _)| **known == *start) {
                return *score;
            }
            let start = &candidate[..prefix.len()];
            let score = atom.score(Utf32Str::new(start, &mut self.buffer), &mut self.matcher).map(u32::from);
            self.prefix_scores.push((start.as_bytes().into(), score));
            return score;
        }
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

/// The `n` best of a stream of matches by `order` (best first), holding at
/// most `2 * n` at a time: with tens of thousands of names per request, a
/// vector of every match cost more to allocate and free than matching them.
/// Once `n` are kept, an item that is not better than the worst of them is
/// dropped on arrival: names that tie on score arrive in label order, so
/// after the first few hundred nearly all of them are (a profile of slug
/// completion over 10,000 KEYs spent 60% of its time selecting among them).
pub(crate) struct Best<T, F> {
    n: usize,
    items: Vec<T>,
    order: F,
    /// Whether `items[n - 1]` is the worst of `n` items kept so far: then
    /// at least `n` items are at least as good as it.
    bounded: bool,
}

impl<T, F: Fn(&T, &T) -> std::cmp::Ordering> Best<T, F> {
    pub(crate) fn new(n: usize, order: F) -> Best<T, F> {
        Best { n, items: Vec::with_capacity(2 * n), order, bounded: false }
    }

    pub(crate) fn push(&mut self, item: T) {
        // Items pushed since the bound was set may be better than it, never
        // worse: it stays a bound.
        if self.bounded && (self.order)(&item, &self.items[self.n - 1]) != std::cmp::Ordering::Less {
            return;
        }
        if self.items.len() >= 2 * self.n {
            self.keep_best();
        }
        self.items.push(item);
    }

    /// The best of both.
    pub(crate) fn merge(mut self, other: Best<T, F>) -> Best<T, F> {
        self.items.extend(other.items);
        self.keep_best();
        self
    }

    /// The best `n`, best first.
    pub(crate) fn into_sorted(mut self) -> Vec<T> {
        self.keep_best();
        self.items.sort_by(&self.order);
        self.items
    }

    fn keep_best(&mut self) {
        if self.items.len() > self.n {
            if self.n > 0 {
                self.items.select_nth_unstable_by(self.n - 1, &self.order);
                self.bounded = true;
            }
            self.items.truncate(self.n);
        }
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

    #[test]
    fn best_keeps_the_n_best_in_order() {
        let largest_first = |a: &u32, b: &u32| b.cmp(a);
        let mut best = Best::new(3, largest_first);
        (0..100).map(|n| (n * 37) % 100).for_each(|n| best.push(n));
        let mut other = Best::new(3, largest_first);
        other.push(100);
        assert_eq!(best.merge(other).into_sorted(), [100, 99, 98]);
        let mut none = Best::new(0, largest_first);
        none.push(1);
        assert!(none.into_sorted().is_empty());
    }

    proptest::proptest! {
        /// Whatever order items come in, with ties and after a merge: the
        /// `n` best, as sorting all of them would give (ties broken by the
        /// second field, so the order is total).
        #[test]
        fn best_is_the_head_of_the_sorted_items(
            items in proptest::collection::vec((0u8..4, 0u16..500), 0..600),
            more in proptest::collection::vec((0u8..4, 0u16..500), 0..50),
            n in 0usize..40,
        ) {
            let order = |a: &(u8, u16), b: &(u8, u16)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
            let mut best = Best::new(n, order);
            items.iter().for_each(|&item| best.push(item));
            let mut other = Best::new(n, order);
            more.iter().for_each(|&item| other.push(item));
            let mut all: Vec<(u8, u16)> = items.iter().chain(&more).copied().collect();
            all.sort_by(order);
            all.truncate(n);
            proptest::prop_assert_eq!(best.merge(other).into_sorted(), all);
        }
    }

    /// The byte filter only skips what the matcher would reject.
    #[test]
    fn the_ascii_filter_keeps_every_match() {
        let names = ["node-stripe-webhook-replay", "NEXT-Foo", "a b", "ab", "réplay", "", "x-y_z.ts", "NoDe"];
        for typed in ["no", "NO", "nd", "a b", "ab ", "rp", "ré", "x.t", "zz", "-", "node-stripe-webhook-replay-x"] {
            let mut filtered = FuzzyPattern::new(typed);
            let mut unfiltered = FuzzyPattern::new(typed);
            unfiltered.ascii_needle = None;
            unfiltered.scores_by_prefix = false;
            for name in names {
                assert_eq!(filtered.score(name), unfiltered.score(name), "{typed:?} against {name:?}");
            }
        }
    }

    /// The matcher itself on every name: no byte filter, no prefix scores.
    fn plain_score(typed: &str, candidate: &str) -> Option<u32> {
        let mut pattern = FuzzyPattern::new(typed);
        pattern.ascii_needle = None;
        pattern.scores_by_prefix = false;
        pattern.score(candidate)
    }

    #[test]
    fn prefix_scores_are_the_matchers() {
        let mut pattern = FuzzyPattern::new("no");
        for name in ["node-a", "node-b", "NOde-c", "no", "next-node", "n-o"] {
            assert_eq!(pattern.score(name), plain_score("no", name), "{name}");
        }
        assert_eq!(pattern.prefix_scores.len(), 2, "one start per case: {:?}", pattern.prefix_scores);
    }

    proptest::proptest! {
        /// Names that start with what was typed (in any case), and others,
        /// from characters of every class the matcher tells apart.
        #[test]
        fn prefix_scores_agree_with_the_matcher(
            typed in "[a-cA-C0-9/_. -]{1,4}",
            rests in proptest::collection::vec("[a-cA-C0-9/_. :é-]{0,12}", 1..8),
            flips in proptest::collection::vec(proptest::bool::ANY, 4),
        ) {
            let mut pattern = FuzzyPattern::new(&typed);
            for (n, rest) in rests.iter().enumerate() {
                let start: String = typed
                    .chars()
                    .zip(flips.iter().cycle())
                    .map(|(c, &flip)| if flip { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
                    .collect();
                let name = if n % 3 == 2 { rest.clone() } else { format!("{start}{rest}") };
                proptest::prop_assert_eq!(pattern.score(&name), plain_score(&typed, &name), "{:?} against {:?}", typed, name);
            }
        }
    }
}
