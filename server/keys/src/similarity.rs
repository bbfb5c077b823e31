//! Did-you-mean: which known slugs or export names a misspelt one most likely meant.
//!
//! Similarity is Sørensen–Dice over character bigrams (`strsim::sorensen_dice`),
//! which rewards shared fragments wherever they are, so a missing or extra word
//! (`node-safe-cron` for `node-safe-cron-execution`) still scores well, while
//! an edit-distance ratio would punish the length difference. Slugs are
//! compared without their family (`node-`), which every candidate shares and
//! would otherwise make unrelated slugs look alike; the family only breaks
//! ties, so `node-audit-log-capture` suggests `next-audit-log-capture` first.

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

/// The slugs of a catalog, prepared for did-you-mean: each name's bigrams,
/// sorted, so that a query costs one merge per slug and no allocation. A
/// runbook with a dozen unknown KEYs asks on every keystroke, against
/// thousands of slugs; answers are also remembered per catalog (see
/// `KeyCatalog::closest_slugs`).
#[derive(Debug, Default)]
pub(crate) struct SlugIndex {
    entries: Vec<SlugEntry>,
}

#[derive(Debug)]
struct SlugEntry {
    family: String,
    name: String,
    bigrams: Vec<(char, char)>,
}

impl SlugIndex {
    /// `slugs` in the catalog's order; answers are indices into it.
    pub fn new<'a>(slugs: impl Iterator<Item = &'a str>) -> SlugIndex {
        let entries = slugs
            .map(|slug| {
                let lower = slug.to_ascii_lowercase();
                let (family, name) = split_family(&lower);
                SlugEntry { family: family.to_string(), name: name.to_string(), bigrams: sorted_bigrams(name) }
            })
            .collect();
        SlugIndex { entries }
    }

    /// The indices of the slugs closest to `slug`, best first, at most `n`.
    pub fn closest(&self, slug: &str, n: usize) -> Vec<usize> {
        let query = slug.to_ascii_lowercase();
        let (query_family, query_name) = split_family(&query);
        let query_bigrams = sorted_bigrams(query_name);
        let mut scored: Vec<(f64, bool, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| !(entry.family == query_family && entry.name == query_name))
            .filter_map(|(index, entry)| {
                let score = dice(query_name, &query_bigrams, &entry.name, &entry.bigrams);
                let score = if score >= SLUG_CUT_OFF {
                    score
                } else if contains_words(&entry.name, query_name) {
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

/// Sørensen–Dice exactly as `strsim::sorensen_dice` computes it (bigram
/// multisets, lengths in bytes without whitespace), from sorted bigrams.
fn dice(a: &str, a_bigrams: &[(char, char)], b: &str, b_bigrams: &[(char, char)]) -> f64 {
    let length = |text: &str| text.chars().filter(|c| !c.is_whitespace()).map(char::len_utf8).sum::<usize>();
    let (a_len, b_len) = (length(a), length(b));
    if a_bigrams == b_bigrams && a_len == b_len && a.split_whitespace().eq(b.split_whitespace()) {
        return 1.0;
    }
    if a_len < 2 || b_len < 2 {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a_bigrams.len() && j < b_bigrams.len() {
        match a_bigrams[i].cmp(&b_bigrams[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (2 * shared) as f64 / (a_len + b_len - 2) as f64
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

/// Whether every word of `query` (at least one, of three letters or more) is
/// a word of `name`.
fn contains_words(name: &str, query: &str) -> bool {
    let mut words = query.split('-').filter(|word| !word.is_empty()).peekable();
    words.peek().is_some()
        && query.split('-').all(|word| word.len() >= 3)
        && words.all(|word| name.split('-').any(|candidate| candidate == word))
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
            "é-à-ü",
        ];
        for a in words {
            for b in words {
                let ours = dice(a, &sorted_bigrams(a), b, &sorted_bigrams(b));
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
