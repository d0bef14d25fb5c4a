//! Changes to the dataset while the fake runs, for incremental-sync tests:
//! [`Dataset::update_pull_request`] (new title, `updated_on` moves) and
//! [`Dataset::add_pull_request_comment`] (a new comment; the pull request's
//! `comment_count` and `updated_on` move).
//!
//! The generated facts never change: a change is an overlay that
//! [`Dataset::pr_core`] applies (current title, `updated_on`) and that the
//! comment and activity writers append to. Dates derived from the generated
//! `updated_on` (participants, generated comments, the closing update, the
//! merge commit) stay where they were, so only the changed objects show new
//! dates. Every change clears the BBQL result cache (`query_cache`) and the
//! activity totals (`activity_cache`) of its repository; the per-state id
//! lists (`filter_cache`) stay valid because states never change.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::dataset::{end_secs, Dataset};
use crate::util::parse_instant;

/// Ids of added comments start here, above every generated comment id
/// (`100_000_000 + 8 * pull request id + k`).
const ADDED_COMMENT_ID_BASE: u64 = 1_000_000_000;

/// Every change made so far.
#[derive(Clone, Debug, Default)]
pub(super) struct Changes {
    /// `(workspace, repo, pull request id)` → its changes.
    pub(super) prs: HashMap<(usize, usize, u32), Arc<PrEdits>>,
    /// Comments added so far, over the whole dataset (for their ids).
    comments_added: u64,
}

/// The changes to one pull request.
#[derive(Clone, Debug)]
pub(super) struct PrEdits {
    /// The generated title: the opening and closing updates in its activity
    /// keep showing it.
    pub(super) original_title: String,
    /// `(when, new title)`, by `when` (stable for ties).
    pub(super) updates: Vec<(i64, String)>,
    /// Added comments, by `when` (stable for ties).
    pub(super) comments: Vec<AddedComment>,
}

#[derive(Clone, Debug)]
pub(super) struct AddedComment {
    pub(super) id: u64,
    pub(super) when: i64,
    pub(super) text: String,
}

impl PrEdits {
    /// The current title, if an update changed it.
    pub(super) fn title(&self) -> Option<&str> {
        self.updates.last().map(|(_, t)| t.as_str())
    }

    /// The latest change, if any.
    pub(super) fn last_change(&self) -> Option<i64> {
        let u = self.updates.last().map(|u| u.0);
        let c = self.comments.last().map(|c| c.when);
        u.max(c)
    }
}

impl Dataset {
    /// The changes to pull request `id`, if any (no lock taken while there are none).
    pub(super) fn pr_edits(&self, w: usize, r: usize, id: u32) -> Option<Arc<PrEdits>> {
        if !self.has_changes.load(Ordering::SeqCst) {
            return None;
        }
        self.changes.read().unwrap_or_else(|e| e.into_inner()).prs.get(&(w, r, id)).cloned()
    }

    /// A copy of every change, for `Clone` and `with_api_root`.
    pub(super) fn changes_snapshot(&self) -> Changes {
        self.changes.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Installs `changes` in a freshly generated dataset.
    pub(super) fn with_changes(self, changes: Changes) -> Dataset {
        self.has_changes.store(!changes.prs.is_empty(), Ordering::SeqCst);
        *self.changes.write().unwrap_or_else(|e| e.into_inner()) = changes;
        self
    }

    /// Marks pull request `id` of `workspace/repo` as updated at `when`
    /// (RFC 3339, later than every generated timestamp, i.e. after
    /// 2026-10-01T00:00:00Z, e.g. `"2026-10-05T12:00:00+00:00"`) with the new
    /// `title`. From then on every endpoint and accessor shows it: the lists
    /// (still ascending id, so it stays in place), BBQL `q` on `title` /
    /// `updated_on` (and any other field), the single pull request, the
    /// `pullrequest` / `pull_request` objects embedded in its comments and
    /// activity, and a new `update` activity item at `when` carrying the new
    /// title (older updates keep the title they had). `updated_on` is the
    /// latest of the generated one and every change's `when`. Panics if the
    /// pull request is unknown or `when` is not such an instant.
    pub fn update_pull_request(&self, workspace: &str, repo: &str, id: u64, when: &str, title: &str) {
        let (w, r, id, t) = self.change_target(workspace, repo, id, when);
        self.edit_pr(w, r, id, |e, _| {
            let at = e.updates.partition_point(|u| u.0 <= t);
            e.updates.insert(at, (t, title.to_string()));
        });
    }

    /// Adds a comment with `text` (markdown) to pull request `pr_id`, by the
    /// pull request's author, created and updated at `when` (as for
    /// [`update_pull_request`](Self::update_pull_request)); returns its id.
    /// `…/comments` lists it after the generated ones (BBQL `created_on` /
    /// `updated_on` filters see it), the activity gets a `comment` item, and
    /// the pull request's `comment_count` grows and its `updated_on` moves
    /// to `when` (if later). Panics like `update_pull_request`.
    pub fn add_pull_request_comment(&self, workspace: &str, repo: &str, pr_id: u64, when: &str, text: &str) -> u64 {
        let (w, r, id, t) = self.change_target(workspace, repo, pr_id, when);
        self.edit_pr(w, r, id, |e, seq| {
            let comment = AddedComment { id: ADDED_COMMENT_ID_BASE + seq, when: t, text: text.to_string() };
            let at = e.comments.partition_point(|c| c.when <= t);
            e.comments.insert(at, comment);
            ADDED_COMMENT_ID_BASE + seq
        })
    }

    fn change_target(&self, workspace: &str, repo: &str, id: u64, when: &str) -> (usize, usize, u32, i64) {
        let (w, r) = self.find_repo(workspace, repo).unwrap_or_else(|| panic!("unknown repository {workspace}/{repo}"));
        assert!(id >= 1 && id <= self.n_pull_requests(w, r) as u64, "unknown pull request {workspace}/{repo}#{id}");
        let t = parse_instant(when).unwrap_or_else(|| panic!("not an RFC 3339 instant: {when:?}"));
        assert!(t > end_secs() * 1_000_000, "{when:?} is not later than every generated timestamp (2026-10-01T00:00:00Z)");
        (w, r, id as u32, t)
    }

    /// Applies `edit` (given the dataset-wide count of comments added so far)
    /// to pull request `id`'s changes, then drops the repository's cached
    /// BBQL results and activity totals.
    fn edit_pr<T>(&self, w: usize, r: usize, id: u32, edit: impl FnOnce(&mut PrEdits, u64) -> T) -> T {
        // The generated title, read before taking the write lock (pr_core reads).
        let original_title = match self.pr_edits(w, r, id) {
            Some(e) => e.original_title.clone(),
            None => self.pr_core(w, r, id).title,
        };
        let out = {
            let mut changes = self.changes.write().unwrap_or_else(|e| e.into_inner());
            let seq = changes.comments_added;
            let entry = changes
                .prs
                .entry((w, r, id))
                .or_insert_with(|| Arc::new(PrEdits { original_title, updates: Vec::new(), comments: Vec::new() }));
            let edits = Arc::make_mut(entry);
            let before = edits.comments.len();
            let out = edit(edits, seq);
            let added = (edits.comments.len() - before) as u64;
            changes.comments_added += added;
            self.has_changes.store(true, Ordering::SeqCst);
            out
        };
        // Results computed before this point must not be cached: bump the
        // generation first (computations that started earlier then skip
        // their insert), then drop what is cached already.
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.query_cache.lock().unwrap_or_else(|e| e.into_inner()).retain(|k, _| (k.0, k.1) != (w, r));
        self.activity_cache.lock().unwrap_or_else(|e| e.into_inner()).remove(&(w, r));
        out
    }

    /// The cache generation: a result computed from data read after
    /// loading it may be cached only if it is still the same afterwards.
    pub(super) fn cache_generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
}
