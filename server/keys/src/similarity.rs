//! Did-you-mean: which known slugs or export names a misspelt one most likely meant.
//!
//! Similarity is Sørensen–Dice over character bigrams (`strsim::sorensen_dice`),
//! which rewards shared fragments wherever they are, so a missing or extra word
//! (`node-safe-cron` for `node-safe-cron-execution`) still scores well, while
//! an edit-distance ratio would punish the length difference. Slugs are
//! compared without their family (`node-`), which every candidate shares and
//! would otherwise make unrelated slugs look alike; the family only breaks
//! ties, so `node-audit-log-capture` suggests `next-audit-log-capture` first.

use std::collections::HashMap;

/// Candidates scoring below this are not suggested. Tuned on the corpus: true
/// typos, missing words and wrong families score 0.6 or more; unrelated slugs
/// of the same family stay under 0.5.
const CUT_OFF: f64 = 0.5;

/// Slugs are stricter: two KEYs of one domain share most of their words
/// (`stripe-webhook-replay` and `stripe-webhook-entitlement` score 0.62), and
/// suggesting the other KEY of the domain misleads more than it helps. True
/// typos score above 0.8; a missing word is caught by the contained-words rule.
const SLUG_CUT_OFF: f64 = 0.7;

/// Whole words of the query found in a candidate (`node-cron` in
/// `node-safe-cron-execution`) count as at least this similar.
const CONTAINED_WORDS_SCORE: f64 = 0.6;

/// The slugs of a catalog, prepared for did-you-mean: which names hold each
/// bigram, so that a query visits only the slugs it shares a bigram with. A
/// runbook with a dozen unknown KEYs asks on every keystroke, against
/// thousands of slugs, and an author typing a slug asks anew at each letter;
/// answers are also remembered per catalog (see `KeyCatalog::closest_slugs`).
#[derive(Debug, Default)]
pub(crate) struct SlugIndex {
    entries: Vec<SlugEntry>,
    /// Each bigram → the entries whose name holds it, and how many times.
    postings: HashMap<(char, char), Vec<(u32, u32)>>,
    /// The entries whose name has no bigram.
    without_bigrams: Vec<u32>,
}

#[derive(Debug)]
struct SlugEntry {
    family: String,
    name: String,
    /// `name`'s length as `dice` counts it (bytes, without whitespace).
    len: usize,
    bigrams: usize,
}

impl SlugIndex {
    /// `slugs` in the catalog's order; answers are indices into it.
    pub fn new<'a>(slugs: impl Iterator<Item = &'a str>) -> SlugIndex {
        let mut index = SlugIndex::default();
        for (at, slug) in slugs.enumerate() {
            let at = u32::try_from(at).expect("fewer than 2^32 KEYs");
            let lower = slug.to_ascii_lowercase();
            let (family, name) = split_family(&lower);
            let bigrams = sorted_bigrams(name);
            for run in bigrams.chunk_by(|a, b| a == b) {
                index.postings.entry(run[0]).or_default().push((at, run.len() as u32));
            }
            if bigrams.is_empty() {
                index.without_bigrams.push(at);
            }
            index.entries.push(SlugEntry {
                family: family.to_string(),
                name: name.to_string(),
                len: dice_len(name),
                bigrams: bigrams.len(),
            });
        }
        index
    }

    /// The indices of the slugs closest to `slug`, best first, at most `n`.
    pub fn closest(&self, slug: &str, n: usize) -> Vec<usize> {
        let query = slug.to_ascii_lowercase();
        let (query_family, query_name) = split_family(&query);
        let query_bigrams = sorted_bigrams(query_name);
        let query_len = dice_len(query_name);
        let query_words = long_words(query_name);
        // Bigrams shared with the query, counted as multisets (what a merge
        // of the sorted lists would count), for the entries sharing any.
        let mut shared = vec![0u32; self.entries.len()];
        let mut candidates = Vec::new();
        for run in query_bigrams.chunk_by(|a, b| a == b) {
            for &(at, count) in self.postings.get(&run[0]).map_or(&[][..], Vec::as_slice) {
                if shared[at as usize] == 0 {
                    candidates.push(at);
                }
                shared[at as usize] += count.min(run.len() as u32);
            }
        }
        // Every other entry scores 0, unless both names lack bigrams (they
        // may be equal), or a word of the query has no bigram of its own
        // (it may still be a word of a name): then all are candidates.
        if query_bigrams.is_empty() {
            candidates.extend(&self.without_bigrams);
        }
        let words_without_bigrams =
            query_words.as_ref().is_some_and(|words| words.iter().any(|word| sorted_bigrams(word).is_empty()));
        if words_without_bigrams {
            candidates = (0..self.entries.len() as u32).collect();
        }
        let query = (query_name, query_len, query_bigrams.len());
        let mut scored: Vec<(f64, bool, usize)> = candidates
            .into_iter()
            .filter_map(|at| {
                let index = at as usize;
                let entry = &self.entries[index];
                if entry.family == query_family && entry.name == query_name {
                    return None;
                }
                let score = dice(query, (&entry.name, entry.len, entry.bigrams), shared[index] as usize);
                let score = if score >= SLUG_CUT_OFF {
                    score
                } else if query_words.as_ref().is_some_and(|words| contains_words(&entry.name, words)) {
                    CONTAINED_WORDS_SCORE.max(score)
                } else {
                    return None;
                };
                Some((score, entry.family == query_family, index))
            })
            .collect();
        // Ties: the query's family first, then the catalog's (slug) order.
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        scored.into_iter().take(n).map(|(_, _, index)| index).collect()
    }
}

/// The character bigrams of a word without whitespace, sorted.
fn sorted_bigrams(word: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = word.chars().filter(|c| !c.is_whitespace()).collect();
    let mut bigrams: Vec<(char, char)> = chars.windows(2).map(|pair| (pair[0], pair[1])).collect();
    bigrams.sort_unstable();
    bigrams
}

/// A word's length as Sørensen–Dice counts it: bytes, without whitespace.
fn dice_len(word: &str) -> usize {
    word.chars().filter(|c| !c.is_whitespace()).map(char::len_utf8).sum()
}

/// Sørensen–Dice exactly as `strsim::sorensen_dice` computes it (bigram
/// multisets, lengths in bytes without whitespace), for two words given as
/// (text, `dice_len`, bigram count) and the number of bigrams they share.
fn dice(a: (&str, usize, usize), b: (&str, usize, usize), shared: usize) -> f64 {
    let ((a, a_len, a_bigrams), (b, b_len, b_bigrams)) = (a, b);
    let solid = |text: &str| text.chars().filter(|c| !c.is_whitespace()).collect::<Vec<char>>();
    if a_len == b_len && a_bigrams == b_bigrams && shared == a_bigrams && solid(a) == solid(b) {
        return 1.0;
    }
    if a_len < 2 || b_len < 2 {
        return 0.0;
    }
    (2 * shared) as f64 / (a_len + b_len - 2) as f64
}

/// How many bigrams two sorted bigram lists share, as multisets.
#[cfg(test)]
fn shared_bigrams(a: &[(char, char)], b: &[(char, char)]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// The export names closest to `name` (ignoring case), best first, at most `n`.
pub(crate) fn closest_names<'a>(name: &str, candidates: impl Iterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let query = name.to_lowercase();
    let mut scored: Vec<(f64, &'a str)> = candidates
        .filter(|candidate| *candidate != name)
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            let mut score = strsim::sorensen_dice(&query, &lower);
            // `createRLS` for `createRLSPolicies`: a long enough fragment.
            let (shorter, longer) = if query.len() <= lower.len() { (&query, &lower) } else { (&lower, &query) };
            if shorter.len() >= 4 && longer.contains(shorter.as_str()) {
                score = score.max(CONTAINED_WORDS_SCORE);
            }
            (score >= CUT_OFF).then_some((score, candidate))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(n).map(|(_, candidate)| candidate).collect()
}

fn split_family(slug: &str) -> (&str, &str) {
    slug.split_once('-').unwrap_or(("", slug))
}

/// The words of a slug's name when there is at least one and each has three
/// letters or more: only such a query can be contained in another name.
fn long_words(query: &str) -> Option<Vec<&str>> {
    let words: Vec<&str> = query.split('-').filter(|word| !word.is_empty()).collect();
    (!words.is_empty() && query.split('-').all(|word| word.len() >= 3)).then_some(words)
}

/// Whether every word of `words` (see `long_words`) is a word of `name`.
fn contains_words(name: &str, words: &[&str]) -> bool {
    words.iter().all(|word| name.split('-').any(|candidate| candidate == *word))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLUGS: [&str; 10] = [
        "node-safe-cron-execution",
        "node-background-reconciliation",
        "next-stripe-webhook-entitlement",
        "next-audit-log-capture",
        "node-supabase-rls-guard",
        "node-stripe-webhook-replay",
        "node-webhook-secret-update",
        "node-webhook-monitoring",
        "node-background-job-replay",
        "jupyter-eda-workflows",
    ];

    #[test]
    fn dice_matches_strsim() {
        let words = [
            "stripe-webhook-replay",
            "stripe-webhook-entitlement",
            "aa",
            "a",
            "",
            "abab",
            "baba",
            "a b",
            "ab",
            "é-",
            "é -",
            "é-à-ü",
        ];
        for a in words {
            for b in words {
                let (a_bigrams, b_bigrams) = (sorted_bigrams(a), sorted_bigrams(b));
                let shared = shared_bigrams(&a_bigrams, &b_bigrams);
                let ours = dice((a, dice_len(a), a_bigrams.len()), (b, dice_len(b), b_bigrams.len()), shared);
                assert_eq!(ours, strsim::sorensen_dice(a, b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn suggests_related_slugs_only() {
        let index = SlugIndex::new(SLUGS.into_iter());
        let closest = |slug: &str| index.closest(slug, 3).into_iter().map(|i| SLUGS[i]).collect::<Vec<_>>();
        assert_eq!(closest("node-safe-cron-executon"), ["node-safe-cron-execution"]);
        assert_eq!(closest("node-safe-cron"), ["node-safe-cron-execution"]);
        assert_eq!(closest("node-cron"), ["node-safe-cron-execution"]);
        assert_eq!(closest("jupyter-eda"), ["jupyter-eda-workflows"]);
        assert_eq!(closest("node-audit-log-capture"), ["next-audit-log-capture"]);
        assert_eq!(closest("node-stripe-webhook-entitlement"), ["next-stripe-webhook-entitlement"]);
        assert_eq!(closest("node-webhook-replay"), ["node-stripe-webhook-replay"]);
        assert!(closest("node-foo").is_empty());
        assert!(closest("node-payment-refund").is_empty());
        assert!(closest("node-database-backup").is_empty());
        assert!(closest("node-safe-cron-execution").is_empty());
    }

    /// What `SlugIndex::closest` answers, without the posting index: every
    /// slug scored in full by strsim, then the same contained-words rule.
    fn closest_by_strsim(slugs: &[String], slug: &str, n: usize) -> Vec<usize> {
        let query = slug.to_ascii_lowercase();
        let (query_family, query_name) = split_family(&query);
        let mut scored: Vec<(f64, bool, usize)> = slugs
            .iter()
            .enumerate()
            .filter_map(|(index, candidate)| {
                let candidate = candidate.to_ascii_lowercase();
                let (family, name) = split_family(&candidate);
                if family == query_family && name == query_name {
                    return None;
                }
                let score = strsim::sorensen_dice(query_name, name);
                let score = if score >= SLUG_CUT_OFF {
                    score
                } else if long_words(query_name).is_some_and(|words| contains_words(name, &words)) {
                    CONTAINED_WORDS_SCORE.max(score)
                } else {
                    return None;
                };
                Some((score, family == query_family, index))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        scored.into_iter().take(n).map(|(_, _, index)| index).collect()
    }

    proptest::proptest! {
        /// The posting index only skips work: the answers are strsim's.
        #[test]
        fn closest_agrees_with_strsim(
            slugs in proptest::collection::vec("(node|next)-[a-cé -]{0,12}", 1..40),
            query in "(node|next)?-?[a-cé -]{0,12}",
            n in 1usize..6,
        ) {
            let index = SlugIndex::new(slugs.iter().map(String::as_str));
            proptest::prop_assert_eq!(index.closest(&query, n), closest_by_strsim(&slugs, &query, n));
            for slug in &slugs {
                proptest::prop_assert_eq!(index.closest(slug, n), closest_by_strsim(&slugs, slug, n));
            }
        }
    }

    #[test]
    fn suggests_export_names() {
        let names = ["safeCronExecute", "CronJobConfig", "createRLSPolicies", "verifyStripeWebhook"];
        let closest = |name: &str| closest_names(name, names.into_iter(), 3);
        assert_eq!(closest("safecronexecute"), ["safeCronExecute"]);
        assert_eq!(closest("safeCronExec"), ["safeCronExecute"]);
        assert_eq!(closest("createRlsPolicy"), ["createRLSPolicies"]);
        assert!(closest("rollbackEverything").is_empty());
    }
}
