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

/// The slugs of `candidates` closest to `slug`, best first, at most `n`.
pub(crate) fn closest_slugs<'a>(slug: &str, candidates: impl Iterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let query = slug.to_ascii_lowercase();
    let (query_family, query_name) = split_family(&query);
    let mut scored: Vec<(f64, bool, &'a str)> = candidates
        .filter(|candidate| *candidate != slug)
        .filter_map(|candidate| {
            let lower = candidate.to_ascii_lowercase();
            let (family, name) = split_family(&lower);
            let score = strsim::sorensen_dice(query_name, name);
            let score = if score >= SLUG_CUT_OFF {
                score
            } else if contains_words(name, query_name) {
                CONTAINED_WORDS_SCORE.max(score)
            } else {
                return None;
            };
            Some((score, family == query_family, candidate))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
    scored.into_iter().take(n).map(|(_, _, candidate)| candidate).collect()
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
    fn suggests_related_slugs_only() {
        let closest = |slug: &str| closest_slugs(slug, SLUGS.into_iter(), 3);
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
