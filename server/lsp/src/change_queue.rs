//! Puts each open document's changes in version order before they are applied,
//! and decides how long a gap in the versions is waited for.
//!
//! Helix 25.01 writes every `didChange` from a task of its own, so a burst of
//! typing reaches the server as versions `1,2,3,6,7,8,9,4,5,10` (fixed in Helix
//! 25.07, but Debian 13 ships 25.01). An incremental change only makes sense on
//! the text it was made on, so applying them as they come garbles the text.
//!
//! A gap is not always a reordering, though: LSP lets a client skip numbers
//! ("the number doesn't need to be consecutive"), and Neovim 0.11 numbers
//! versions by its change ticks (it opened a runbook at 0 and sent 4 for the
//! first change, then 5, then 7 after a `:w`). Those gaps never fill. So a
//! change that skips ahead is held for at most [`GAP_WAIT`]; when a wait runs
//! out, the client is one that skips numbers (over a pipe, a notification is
//! late, never lost), the held changes apply in version order, and from then
//! on gaps apply at once for the whole session: such a client writes from one
//! place and does not reorder, and it should not pay the wait on every edit.
//!
//! This is plain data: the caller applies what [`ChangeQueues::arrive`] and
//! [`ChangeQueues::expire`] return, and runs the timer.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// How long a change that skips ahead waits for the versions before it.
/// Helix's reordered notifications arrive within a millisecond of each other;
/// this leaves room for a loaded machine, and a client that skips numbers pays
/// it once per session.
pub const GAP_WAIT: Duration = Duration::from_millis(300);

/// One wait for missing versions, so that a timer started for an old wait
/// does not end a newer one early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold(u64);

/// What to do with a change that just arrived.
#[derive(Debug, PartialEq, Eq)]
pub enum Arrival<C> {
    /// Apply these `(version, change)`s now, in this order: the change that
    /// arrived and the held ones that follow it without a gap.
    Apply(Vec<(i32, C)>),
    /// Held until the versions before it arrive. `Some` when this change
    /// started a wait: call [`ChangeQueues::expire`] with it after [`GAP_WAIT`].
    Held(Option<Hold>),
    /// Not newer than the applied version, or a version already held: dropped,
    /// since applying it would move the text and the published version back.
    Rejected,
    /// The document is not open; the change is handed back.
    NotOpen(C),
}

struct DocumentQueue<C> {
    applied: i32,
    /// Changes that arrived ahead of a missing version. Never empty while
    /// `hold` is set, and `hold` is set while it is not empty.
    held: BTreeMap<i32, C>,
    hold: Option<Hold>,
}

/// The change queues of a session's open documents, keyed by URI.
pub struct ChangeQueues<C> {
    documents: HashMap<String, DocumentQueue<C>>,
    /// Set when a wait ran out: this client skips version numbers.
    client_skips_versions: bool,
    holds_started: u64,
}

impl<C> Default for ChangeQueues<C> {
    fn default() -> ChangeQueues<C> {
        ChangeQueues { documents: HashMap::new(), client_skips_versions: false, holds_started: 0 }
    }
}

impl<C> ChangeQueues<C> {
    /// A document opened (or reopened) at `version`; anything held for it is dropped.
    pub fn open(&mut self, uri: &str, version: i32) {
        let queue = DocumentQueue { applied: version, held: BTreeMap::new(), hold: None };
        self.documents.insert(uri.to_string(), queue);
    }

    pub fn close(&mut self, uri: &str) {
        self.documents.remove(uri);
    }

    /// Whether changes of `uri` are waiting for a missing version.
    pub fn is_holding(&self, uri: &str) -> bool {
        self.documents.get(uri).is_some_and(|queue| !queue.held.is_empty())
    }

    /// A change of `uri` to `version` arrived. `replaces_text`: it holds a
    /// full-text change, so the versions before it no longer matter.
    pub fn arrive(&mut self, uri: &str, version: i32, change: C, replaces_text: bool) -> Arrival<C> {
        let Some(queue) = self.documents.get_mut(uri) else { return Arrival::NotOpen(change) };
        if queue.held.contains_key(&version) {
            tracing::warn!("ignored a second change of {uri} to version {version}");
            return Arrival::Rejected;
        }
        if version <= queue.applied {
            tracing::warn!(
                "ignored the change of {uri} to version {version}, which came after version {}: the server's copy \
                 of the file may differ from the editor's until the file is reopened",
                queue.applied,
            );
            return Arrival::Rejected;
        }
        let next = queue.applied + 1;
        if version != next && !replaces_text && !self.client_skips_versions {
            queue.held.insert(version, change);
            tracing::debug!("holding version {version} of {uri} until version {next} arrives");
            if queue.hold.is_some() {
                return Arrival::Held(None);
            }
            self.holds_started += 1;
            let hold = Hold(self.holds_started);
            queue.hold = Some(hold);
            return Arrival::Held(Some(hold));
        }
        let later = queue.held.split_off(&version);
        let earlier = std::mem::replace(&mut queue.held, later);
        let mut apply: Vec<(i32, C)> = if replaces_text {
            if !earlier.is_empty() {
                tracing::debug!("dropped versions {:?} of {uri}: version {version} replaces the text", earlier.keys());
            }
            Vec::new()
        } else {
            // Only when gaps are taken as skipped numbers, and then nothing is held.
            earlier.into_iter().collect()
        };
        apply.push((version, change));
        queue.applied = version;
        while let Some(entry) = queue.held.first_entry()
            && *entry.key() == queue.applied + 1
        {
            let (version, change) = entry.remove_entry();
            queue.applied = version;
            apply.push((version, change));
        }
        if queue.held.is_empty() {
            queue.hold = None;
        }
        if apply.len() > 1 {
            tracing::debug!(
                "applying versions {:?} of {uri} in order",
                apply.iter().map(|(v, _)| v).collect::<Vec<_>>()
            );
        }
        Arrival::Apply(apply)
    }

    /// The wait `hold` of `uri` ran out: everything held, to apply in version
    /// order (nothing if that wait already ended). The client's text has moved
    /// on without the missing versions, so the later changes are the best
    /// account of it; a client that skips numbers meant exactly that.
    pub fn expire(&mut self, uri: &str, hold: Hold) -> Vec<(i32, C)> {
        let Some(queue) = self.documents.get_mut(uri) else { return Vec::new() };
        if queue.hold != Some(hold) {
            return Vec::new();
        }
        queue.hold = None;
        let held: Vec<(i32, C)> = std::mem::take(&mut queue.held).into_iter().collect();
        let versions: Vec<i32> = held.iter().map(|(version, _)| *version).collect();
        // Info, not a warning: every session of a client that skips numbers
        // comes here once, and Neovim and Helix log a server's stderr as errors.
        tracing::info!(
            "versions after {} of {uri} did not arrive within {} ms: applied {versions:?} without them, and \
             will not wait for missing versions again (this client skips version numbers)",
            queue.applied,
            GAP_WAIT.as_millis(),
        );
        if let Some(&last) = versions.last() {
            queue.applied = last;
        }
        self.client_skips_versions = true;
        held
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;

    const URI: &str = "file:///runbook.md";
    /// The text around the KEY slug that the tests type `abcdefghij` into.
    const PREFIX: &str = "`node-";
    const SUFFIX: &str = "stripe-webhok-replay`";
    const TYPED: &str = "abcdefghij";

    /// What the client's text is at `version`: the first `version` letters typed.
    fn client_text(version: i32) -> String {
        format!("{PREFIX}{}{SUFFIX}", &TYPED[..version as usize])
    }

    #[derive(Debug, PartialEq, Eq)]
    enum Change {
        /// Type the letter of this version where the client's cursor was.
        Typed(i32),
        FullText(String),
    }

    fn apply(text: &mut String, change: &Change) {
        match change {
            Change::Typed(version) => {
                let offset = (PREFIX.len() + *version as usize - 1).min(text.len());
                let letter = (b'a' + *version as u8 - 1) as char;
                text.insert(offset, letter);
            }
            Change::FullText(full) => *text = full.clone(),
        }
    }

    /// Replays `script` (version 0 open), one step per word: `6` is the
    /// change to version 6 typing its letter, `6f` a full-text change to
    /// version 6, `expire` the end of the latest wait. Shows what each step
    /// applied and the server's text at the end.
    #[track_caller]
    fn check(script: &str, expect: Expect) {
        let mut queues = ChangeQueues::default();
        queues.open(URI, 0);
        let mut text = client_text(0);
        let mut hold = None;
        let mut trace = String::new();
        for step in script.split_whitespace() {
            let applied = if step == "expire" {
                Some(queues.expire(URI, hold.take().expect("a wait to expire")))
            } else {
                let (version, change) = match step.strip_suffix('f') {
                    Some(version) => {
                        let version: i32 = version.parse().unwrap();
                        (version, Change::FullText(client_text(version)))
                    }
                    None => {
                        let version: i32 = step.parse().unwrap();
                        (version, Change::Typed(version))
                    }
                };
                let replaces_text = matches!(change, Change::FullText(_));
                match queues.arrive(URI, version, change, replaces_text) {
                    Arrival::Apply(changes) => Some(changes),
                    Arrival::Held(started) => {
                        trace.push_str(&format!(
                            "{step}: held{}\n",
                            if started.is_some() { ", wait starts" } else { "" }
                        ));
                        hold = started.or(hold);
                        None
                    }
                    Arrival::Rejected => {
                        trace.push_str(&format!("{step}: rejected\n"));
                        None
                    }
                    Arrival::NotOpen(_) => unreachable!("the document is open"),
                }
            };
            if let Some(changes) = applied {
                let versions: Vec<String> = changes.iter().map(|(version, _)| version.to_string()).collect();
                trace.push_str(&format!("{step}: apply {}\n", versions.join(" ")));
                for (_, change) in &changes {
                    apply(&mut text, change);
                }
            }
        }
        if queues.is_holding(URI) {
            trace.push_str("still waiting\n");
        }
        trace.push_str(&format!("text: {text}\n"));
        expect.assert_eq(&trace);
    }

    #[test]
    fn in_order_changes_apply_as_they_come() {
        check(
            "1 2 3",
            expect![[r#"
                1: apply 1
                2: apply 2
                3: apply 3
                text: `node-abcstripe-webhok-replay`
            "#]],
        );
    }

    #[test]
    fn helix_orders_are_put_back_in_version_order() {
        check(
            "1 2 3 6 7 8 9 4 5 10",
            expect![[r#"
                1: apply 1
                2: apply 2
                3: apply 3
                6: held, wait starts
                7: held
                8: held
                9: held
                4: apply 4
                5: apply 5 6 7 8 9
                10: apply 10
                text: `node-abcdefghijstripe-webhok-replay`
            "#]],
        );
        check(
            "1 2 3 4 5 6 10 7 8 9",
            expect![[r#"
                1: apply 1
                2: apply 2
                3: apply 3
                4: apply 4
                5: apply 5
                6: apply 6
                10: held, wait starts
                7: apply 7
                8: apply 8
                9: apply 9 10
                text: `node-abcdefghijstripe-webhok-replay`
            "#]],
        );
        check(
            "1 2 3 4 5 6 7 8 10 9",
            expect![[r#"
                1: apply 1
                2: apply 2
                3: apply 3
                4: apply 4
                5: apply 5
                6: apply 6
                7: apply 7
                8: apply 8
                10: held, wait starts
                9: apply 9 10
                text: `node-abcdefghijstripe-webhok-replay`
            "#]],
        );
        // Seen in Helix too: the very first change overtaken.
        check(
            "3 1 4 2 5 6 7 8 9 10",
            expect![[r#"
                3: held, wait starts
                1: apply 1
                4: held
                2: apply 2 3 4
                5: apply 5
                6: apply 6
                7: apply 7
                8: apply 8
                9: apply 9
                10: apply 10
                text: `node-abcdefghijstripe-webhok-replay`
            "#]],
        );
    }

    #[test]
    fn old_and_repeated_versions_are_rejected() {
        check(
            "1 2 2 1 4 4 3",
            expect![[r#"
                1: apply 1
                2: apply 2
                2: rejected
                1: rejected
                4: held, wait starts
                4: rejected
                3: apply 3 4
                text: `node-abcdstripe-webhok-replay`
            "#]],
        );
    }

    #[test]
    fn a_lost_version_stops_the_wait_when_it_runs_out() {
        // 4 never comes in time: 6 and 5 apply in version order, without it
        // (the text diverges, as it would for any server), and when 4 comes
        // after all it is too late. From then on gaps apply at once.
        check(
            "1 2 3 6 5 expire 4 7 9 8",
            expect![[r#"
                1: apply 1
                2: apply 2
                3: apply 3
                6: held, wait starts
                5: held
                expire: apply 5 6
                4: rejected
                7: apply 7
                9: apply 9
                8: rejected
                text: `node-abcsefgtiripe-webhok-replay`
            "#]],
        );
    }

    #[test]
    fn a_client_that_skips_numbers_waits_once() {
        // What Neovim 0.11 sent: opened at 0, a burst typed as version 4, one
        // more change, and one after a `:w`; then a second document.
        let mut queues = ChangeQueues::default();
        queues.open(URI, 0);
        let Arrival::Held(Some(hold)) = queues.arrive(URI, 4, "burst", false) else { panic!("4 waits for 1") };
        assert_eq!(queues.expire(URI, hold), vec![(4, "burst")]);
        assert_eq!(queues.arrive(URI, 5, "x", false), Arrival::Apply(vec![(5, "x")]));
        assert_eq!(queues.arrive(URI, 7, "y", false), Arrival::Apply(vec![(7, "y")]));
        queues.open("file:///other.md", 0);
        assert_eq!(queues.arrive("file:///other.md", 3, "z", false), Arrival::Apply(vec![(3, "z")]));
        assert_eq!(queues.arrive(URI, 6, "late", false), Arrival::Rejected);
    }

    #[test]
    fn a_full_text_change_applies_at_once() {
        check(
            "1 2 5 6f 4 7",
            expect![[r#"
                1: apply 1
                2: apply 2
                5: held, wait starts
                6f: apply 6
                4: rejected
                7: apply 7
                text: `node-abcdefgstripe-webhok-replay`
            "#]],
        );
        check(
            "1 3f 5 4f",
            expect![[r#"
                1: apply 1
                3f: apply 3
                5: held, wait starts
                4f: apply 4 5
                text: `node-abcdestripe-webhok-replay`
            "#]],
        );
    }

    #[test]
    fn a_wait_that_ended_is_not_ended_again() {
        let mut queues = ChangeQueues::default();
        queues.open(URI, 0);
        let Arrival::Held(Some(first)) = queues.arrive(URI, 2, "b", false) else { panic!("2 waits for 1") };
        assert_eq!(queues.arrive(URI, 1, "a", false), Arrival::Apply(vec![(1, "a"), (2, "b")]));
        let Arrival::Held(Some(second)) = queues.arrive(URI, 4, "d", false) else { panic!("4 waits for 3") };
        assert_ne!(first, second);
        assert_eq!(queues.expire(URI, first), Vec::new(), "the first wait's timer fires late");
        assert!(queues.is_holding(URI));
        assert_eq!(queues.expire(URI, second), vec![(4, "d")]);
        assert!(!queues.is_holding(URI));
    }

    #[test]
    fn reopening_or_closing_drops_what_is_held() {
        let mut queues = ChangeQueues::default();
        assert_eq!(queues.arrive(URI, 1, "a", false), Arrival::NotOpen("a"));
        queues.open(URI, 0);
        let Arrival::Held(Some(hold)) = queues.arrive(URI, 2, "b", false) else { panic!("2 waits for 1") };
        queues.open(URI, 5);
        assert!(!queues.is_holding(URI));
        assert_eq!(queues.expire(URI, hold), Vec::new());
        assert_eq!(queues.arrive(URI, 6, "f", false), Arrival::Apply(vec![(6, "f")]));
        queues.close(URI);
        assert_eq!(queues.arrive(URI, 7, "g", false), Arrival::NotOpen("g"));
    }
}
