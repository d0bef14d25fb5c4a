//! Pull-request sub-resources: participants and reviewers, comments, commits
//! and activity, all derived from the pull request's own facts
//! ([`PrCore`]): every generated date lies between its `created_on` and its
//! generated `updated_on`. Changes made while the fake runs (`changes.rs`)
//! add comments and activity items at their own dates, after all of those.

use std::cmp::Reverse;
use std::sync::Arc;

use serde_json::Value;

use super::accounts::pick_distinct;
use super::data::{parse, Dataset, PrCore, PrState, TOPICS, WEB};
use super::json::object;
use super::util::{mix, parse_instant, render_markdown, rfc3339_micros, Rng};

const K_PARTICIPANT: u64 = 60;
const K_COMMENT: u64 = 61;
const K_PR_COMMITS: u64 = 62;

/// One participant of a pull request.
pub(super) struct Person {
    pub(super) user: usize,
    pub(super) reviewer: bool,
    pub(super) approved: bool,
    pub(super) changes_requested: bool,
    pub(super) participated_on: Option<i64>,
}

/// One comment, before rendering.
pub(super) struct CommentMeta {
    pub(super) id: u64,
    k: usize,
    user: usize,
    pub(super) created: i64,
    updated: i64,
    parent: Option<u64>,
    inline: Option<(&'static str, Option<u64>, Option<u64>)>,
    deleted: bool,
    /// The text of a comment added while the fake runs.
    text: Option<String>,
}

/// One pull request's activity, before rendering: `acts` newest first.
struct Activity {
    core: PrCore,
    people: Vec<Person>,
    comments: Vec<CommentMeta>,
    acts: Vec<(i64, Act)>,
}

/// What an activity item is about.
enum Act {
    Opened,
    Closed,
    /// `edits.updates[j]` (a change made while the fake runs).
    Updated(usize),
    Comment(usize),
    Approval(usize),
    ChangesRequested(usize),
}

const INLINE_PATHS: [&str; 4] = [
    "src/main.rs",
    "src/lib/util.rs",
    "README.md",
    "docs/index.md",
];

impl Dataset {
    /// Reviewers (0-2, at least 1 when MERGED) then other participants (0-2);
    /// never the author.
    pub(super) fn pr_people(&self, w: usize, r: usize, core: &PrCore) -> Vec<Person> {
        let mut rng = Rng::new(&[
            self.spec.seed,
            K_PARTICIPANT,
            w as u64,
            r as u64,
            u64::from(core.id),
        ]);
        let merged = core.state == PrState::Merged;
        let n_rev = rng.below(3) as usize + usize::from(merged);
        let n_part = rng.below(3) as usize;
        let users = pick_distinct(
            &mut rng,
            self.users.len(),
            n_rev + n_part,
            Some(core.author),
        );
        let span = (core.updated - core.created).max(2);
        users
            .into_iter()
            .enumerate()
            .map(|(k, user)| {
                let reviewer = k < n_rev;
                let (approved, changes_requested) = if reviewer {
                    match core.state {
                        PrState::Merged => (k == 0 || rng.chance(2, 3), false),
                        PrState::Open => match rng.below(6) {
                            0 | 1 => (true, false),
                            2 => (false, true),
                            _ => (false, false),
                        },
                        PrState::Declined => (false, rng.chance(1, 3)),
                        PrState::Superseded => (rng.chance(1, 4), false),
                    }
                } else {
                    (rng.chance(1, 5), false)
                };
                let active = approved || changes_requested || !reviewer || rng.chance(1, 2);
                let participated_on = active.then(|| core.created + rng.range(span / 4, span));
                Person {
                    user,
                    reviewer,
                    approved,
                    changes_requested,
                    participated_on,
                }
            })
            .collect()
    }

    pub(super) fn participant_json(&self, p: &Person) -> String {
        object(|o| {
            o.plain("type", "participant")
                .raw("user", &self.users[p.user].json)
                .plain(
                    "role",
                    if p.reviewer {
                        "REVIEWER"
                    } else {
                        "PARTICIPANT"
                    },
                )
                .bool("approved", p.approved);
            if p.approved {
                o.plain("state", "approved");
            } else if p.changes_requested {
                o.plain("state", "changes_requested");
            } else {
                o.null("state");
            }
            match p.participated_on {
                Some(t) => o.plain("participated_on", &rfc3339_micros(t)),
                None => o.null("participated_on"),
            };
        })
    }

    /// 0-5 generated comments per pull request (independent of its other facts).
    pub(super) fn pr_generated_comment_count(&self, w: usize, r: usize, id: u32) -> usize {
        (mix(&[self.spec.seed, K_COMMENT, w as u64, r as u64, u64::from(id)]) % 6) as usize
    }

    /// Generated comments plus those added while the fake runs.
    pub(super) fn pr_comment_count(&self, w: usize, r: usize, id: u32) -> usize {
        let added = self.pr_edits(w, r, id).map_or(0, |e| e.comments.len());
        self.pr_generated_comment_count(w, r, id) + added
    }

    /// Comments, oldest first: the generated ones (ids increase with the pull
    /// request and position), then those added while the fake runs.
    pub(super) fn pr_comments_meta(
        &self,
        w: usize,
        r: usize,
        core: &PrCore,
        people: &[Person],
    ) -> Vec<CommentMeta> {
        let n = self.pr_generated_comment_count(w, r, core.id);
        let mut rng = Rng::new(&[
            self.spec.seed,
            K_COMMENT,
            w as u64,
            r as u64,
            u64::from(core.id),
            1,
        ]);
        let mut speakers: Vec<usize> = people
            .iter()
            .filter(|p| p.participated_on.is_some())
            .map(|p| p.user)
            .collect();
        speakers.push(core.author);
        let span = (core.updated - core.created).max(2);
        let slot = (span / (n as i64 + 1)).max(1);
        let mut out: Vec<CommentMeta> = Vec::with_capacity(n);
        for k in 0..n {
            let id = 100_000_000 + u64::from(core.id) * 8 + k as u64;
            let created = core.created + slot * k as i64 + rng.range(1, slot);
            let updated = if rng.chance(1, 4) {
                created + rng.range(0, (core.updated - created).max(1))
            } else {
                created
            };
            let parent = (k > 0 && rng.chance(1, 3)).then(|| out[rng.below(k as u64) as usize].id);
            let inline = (parent.is_none() && rng.chance(1, 3)).then(|| {
                let line = 1 + rng.below(200);
                let path = *rng.pick(&INLINE_PATHS);
                if rng.chance(1, 2) {
                    (path, None, Some(line))
                } else {
                    (path, Some(line), None)
                }
            });
            out.push(CommentMeta {
                id,
                k,
                user: *rng.pick(&speakers),
                created,
                updated,
                parent,
                inline,
                deleted: rng.chance(1, 12),
                text: None,
            });
        }
        for (j, c) in core.edits.iter().flat_map(|e| &e.comments).enumerate() {
            out.push(CommentMeta {
                id: c.id,
                k: n + j,
                user: core.author,
                created: c.when,
                updated: c.when,
                parent: None,
                inline: None,
                deleted: false,
                text: Some(c.text.clone()),
            });
        }
        out
    }

    fn pr_ref_json(&self, w: usize, r: usize, id: u32, title: &str) -> String {
        let api_root = self.api_root.as_str();
        let full = &self.workspaces[w].repos[r].full;
        object(|o| {
            o.plain("type", "pullrequest")
                .num("id", u64::from(id))
                .str("title", title)
                .obj("links", |l| {
                    l.href(
                        "self",
                        &format!("{api_root}/repositories/{full}/pullrequests/{id}"),
                    )
                    .href("html", &format!("{WEB}/{full}/pull-requests/{id}"));
                });
        })
    }

    fn comment_json(&self, w: usize, r: usize, core: &PrCore, c: &CommentMeta) -> String {
        let api_root = self.api_root.as_str();
        let full = &self.workspaces[w].repos[r].full;
        let pr = core.id;
        let mut rng = Rng::new(&[self.spec.seed, K_COMMENT, w as u64, r as u64, c.id]);
        let (topic, _) = *rng.pick(&TOPICS);
        let raw = if let Some(text) = &c.text {
            text.clone()
        } else if c.deleted {
            String::new()
        } else {
            match (c.k + pr as usize) % 6 {
                0 => "LGTM 👍".to_string(),
                1 => format!("Could you add a test for the {topic}?"),
                2 => "Nit: `retry_count` → `max_retries`, and \"quote\" the <b>value</b> & done."
                    .to_string(),
                3 => "Done.".to_string(),
                4 => format!(
                    "Why not reuse the existing helper?\n\n```\nlet {} = helper();\n```",
                    topic.replace(' ', "_")
                ),
                _ => format!("Thanks! Merging once the {topic} change is in."),
            }
        };
        let url = format!("{api_root}/repositories/{full}/pullrequests/{pr}/comments");
        let html = format!("{WEB}/{full}/pull-requests/{pr}/_/diff#comment-");
        object(|o| {
            o.plain("type", "pullrequest_comment")
                .num("id", c.id)
                .plain("created_on", &rfc3339_micros(c.created))
                .plain("updated_on", &rfc3339_micros(c.updated))
                .obj("content", |x| {
                    x.plain("type", "rendered")
                        .str("raw", &raw)
                        .plain("markup", "markdown")
                        .str("html", &render_markdown(&raw));
                })
                .raw("user", &self.users[c.user].json)
                .bool("deleted", c.deleted)
                .bool("pending", false);
            if let Some(p) = c.parent {
                o.obj("parent", |x| {
                    x.num("id", p).obj("links", |l| {
                        l.href("self", &format!("{url}/{p}"))
                            .href("html", &format!("{html}{p}"));
                    });
                });
            }
            if let Some((path, from, to)) = c.inline {
                o.obj("inline", |x| {
                    match from {
                        Some(v) => x.num("from", v),
                        None => x.null("from"),
                    };
                    match to {
                        Some(v) => x.num("to", v),
                        None => x.null("to"),
                    };
                    x.plain("path", path);
                });
            }
            o.raw("pullrequest", &self.pr_ref_json(w, r, pr, &core.title))
                .obj("links", |l| {
                    l.href("self", &format!("{url}/{}", c.id))
                        .href("html", &format!("{html}{}", c.id));
                });
        })
    }

    /// All comments of a pull request, oldest first.
    pub(super) fn pr_comments_json(&self, w: usize, r: usize, id: u32) -> Vec<String> {
        let core = self.pr_core(w, r, id);
        let people = self.pr_people(w, r, &core);
        self.pr_comments_meta(w, r, &core, &people)
            .iter()
            .map(|c| self.comment_json(w, r, &core, c))
            .collect()
    }

    /// Indexes (newest first) of the repository commits on pull request `id`: 1-4.
    pub(super) fn pr_commit_indexes(&self, w: usize, r: usize, id: u32) -> Vec<usize> {
        let repo = &self.workspaces[w].repos[r];
        if repo.n_commits == 0 {
            return Vec::new();
        }
        let n = (1
            + (mix(&[
                self.spec.seed,
                K_PR_COMMITS,
                w as u64,
                r as u64,
                u64::from(id),
            ]) % 4) as usize)
            .min(repo.n_commits);
        let around = repo.pr_start_us + (i64::from(id) - 1) * repo.pr_step_us;
        let start = self
            .commit_index_at(w, r, around)
            .unwrap_or(0)
            .min(repo.n_commits - n);
        (start..start + n).collect()
    }

    /// Activity of one pull request, newest first (ties: closing update and
    /// updates made while the fake runs, approvals / changes requested,
    /// comments, opening update).
    fn pr_activity_meta(&self, w: usize, r: usize, id: u32) -> Activity {
        let core = self.pr_core(w, r, id);
        let people = self.pr_people(w, r, &core);
        let comments = self.pr_comments_meta(w, r, &core, &people);
        let mut acts = vec![(core.created, Act::Opened)];
        if core.state != PrState::Open {
            acts.push((core.updated, Act::Closed));
        }
        for (j, u) in core.edits.iter().flat_map(|e| &e.updates).enumerate() {
            acts.push((u.0, Act::Updated(j)));
        }
        for (k, c) in comments.iter().enumerate() {
            acts.push((c.created, Act::Comment(k)));
        }
        for (k, p) in people.iter().enumerate() {
            if let Some(t) = p.participated_on {
                if p.approved {
                    acts.push((t, Act::Approval(k)));
                } else if p.changes_requested {
                    acts.push((t, Act::ChangesRequested(k)));
                }
            }
        }
        let rank = |a: &Act| match a {
            Act::Closed | Act::Updated(_) => 0,
            Act::Approval(_) | Act::ChangesRequested(_) => 1,
            Act::Comment(_) => 2,
            Act::Opened => 3,
        };
        acts.sort_by_key(|(t, a)| (Reverse(*t), rank(a)));
        Activity {
            core,
            people,
            comments,
            acts,
        }
    }

    pub(super) fn pr_activity_count(&self, w: usize, r: usize, id: u32) -> usize {
        self.pr_activity_meta(w, r, id).acts.len()
    }

    /// Activity items of one pull request, newest first.
    pub(super) fn pr_activity_json(&self, w: usize, r: usize, id: u32) -> Vec<String> {
        let Activity {
            core,
            people,
            comments,
            acts,
        } = self.pr_activity_meta(w, r, id);
        let pr_ref = self.pr_ref_json(w, r, id, &core.title);
        let author = &self.users[core.author].json;
        // Generated updates show the generated title, later ones their own.
        let original_title = core
            .edits
            .as_ref()
            .map_or(core.title.as_str(), |e| e.original_title.as_str());
        acts.iter()
            .map(|(t, act)| {
                object(|o| {
                    match act {
                        Act::Opened | Act::Closed | Act::Updated(_) => {
                            let (state, title) = match act {
                                Act::Opened => (PrState::Open, original_title),
                                Act::Closed => (core.state, original_title),
                                Act::Updated(j) => (
                                    core.state,
                                    core.edits.as_ref().map_or("", |e| e.updates[*j].1.as_str()),
                                ),
                                _ => unreachable!(),
                            };
                            o.obj("update", |u| {
                                u.plain("state", state.as_str())
                                    .str("title", title)
                                    .opt_str("description", core.description.as_deref())
                                    .str("reason", "")
                                    .raw("author", author)
                                    .plain("date", &rfc3339_micros(*t))
                                    .obj("source", |s| {
                                        s.obj("branch", |b| {
                                            b.str("name", &core.source_branch);
                                        });
                                    })
                                    .obj("destination", |s| {
                                        s.obj("branch", |b| {
                                            b.str("name", core.destination_branch);
                                        });
                                    });
                            });
                        }
                        Act::Comment(k) => {
                            o.raw("comment", &self.comment_json(w, r, &core, &comments[*k]));
                        }
                        Act::Approval(k) | Act::ChangesRequested(k) => {
                            let key = if matches!(act, Act::Approval(_)) {
                                "approval"
                            } else {
                                "changes_requested"
                            };
                            o.obj(key, |a| {
                                a.plain("date", &rfc3339_micros(*t))
                                    .raw("user", &self.users[people[*k].user].json)
                                    .raw("pullrequest", &pr_ref);
                            });
                        }
                    }
                    o.raw("pull_request", &pr_ref);
                })
            })
            .collect()
    }

    /// Running totals of activity items over the repository's pull requests,
    /// newest PR first: `totals[i]` = items of the `i` newest PRs (cached;
    /// changes made while the fake runs drop the cached totals).
    pub(super) fn repo_activity_totals(&self, w: usize, r: usize) -> Arc<Vec<usize>> {
        let generation = self.cache_generation();
        if let Some(t) = self
            .activity_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(w, r))
        {
            return t.clone();
        }
        let n = self.n_pull_requests(w, r) as u32;
        let mut totals = Vec::with_capacity(n as usize + 1);
        totals.push(0);
        let mut sum = 0;
        for id in (1..=n).rev() {
            sum += self.pr_activity_count(w, r, id);
            totals.push(sum);
        }
        let totals = Arc::new(totals);
        let mut cache = self
            .activity_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if self.cache_generation() == generation {
            cache.insert((w, r), totals.clone());
        }
        totals
    }

    /// Activity items `range` of the whole repository (PRs newest first, each
    /// PR's items newest first).
    pub(super) fn repo_activity_json(
        &self,
        w: usize,
        r: usize,
        range: std::ops::Range<usize>,
    ) -> Vec<String> {
        let totals = self.repo_activity_totals(w, r);
        let n = self.n_pull_requests(w, r);
        let mut out = Vec::with_capacity(range.len());
        // First PR (position in newest-first order) whose items reach range.start.
        let mut pos = totals
            .partition_point(|&t| t <= range.start)
            .saturating_sub(1);
        let mut skip = range.start - totals[pos.min(n)];
        while out.len() < range.len() && pos < n {
            let id = (n - pos) as u32;
            let items = self.pr_activity_json(w, r, id);
            let take = (range.len() - out.len()).min(items.len().saturating_sub(skip));
            out.extend(items.into_iter().skip(skip).take(take));
            skip = 0;
            pos += 1;
        }
        out
    }

    // ------------------------------------------------------------ public accessors

    fn pr_index(&self, workspace: &str, repo: &str, id: u64) -> Option<(usize, usize, u32)> {
        let (w, r) = self.find_repo(workspace, repo)?;
        (id >= 1 && id <= self.n_pull_requests(w, r) as u64).then_some((w, r, id as u32))
    }

    /// `…/pullrequests/{id}/comments`, oldest first (0-5 generated, then any
    /// added while the fake runs); empty if unknown.
    pub fn pull_request_comments(&self, workspace: &str, repo: &str, id: u64) -> Vec<Value> {
        self.pr_index(workspace, repo, id)
            .map_or_else(Vec::new, |(w, r, id)| {
                self.pr_comments_json(w, r, id)
                    .iter()
                    .map(|j| parse(j))
                    .collect()
            })
    }

    pub fn pull_request_comment_count(&self, workspace: &str, repo: &str, id: u64) -> usize {
        self.pr_index(workspace, repo, id)
            .map_or(0, |(w, r, id)| self.pr_comment_count(w, r, id))
    }

    /// `…/pullrequests/{id}/commits`, newest first (1-4, taken from the
    /// repository's commits; 0 in a repository without commits).
    pub fn pull_request_commits(&self, workspace: &str, repo: &str, id: u64) -> Vec<Value> {
        self.pr_index(workspace, repo, id)
            .map_or_else(Vec::new, |(w, r, id)| {
                self.pr_commit_indexes(w, r, id)
                    .into_iter()
                    .map(|i| parse(&self.commit_json(w, r, i)))
                    .collect()
            })
    }

    pub fn pull_request_commit_count(&self, workspace: &str, repo: &str, id: u64) -> usize {
        self.pr_index(workspace, repo, id)
            .map_or(0, |(w, r, id)| self.pr_commit_indexes(w, r, id).len())
    }

    /// `…/pullrequests/{id}/activity`, newest first.
    pub fn pull_request_activity(&self, workspace: &str, repo: &str, id: u64) -> Vec<Value> {
        self.pr_index(workspace, repo, id)
            .map_or_else(Vec::new, |(w, r, id)| {
                self.pr_activity_json(w, r, id)
                    .iter()
                    .map(|j| parse(j))
                    .collect()
            })
    }

    /// Activity items of one pull request: 1 opening update, 1 closing update
    /// unless OPEN, 1 per comment, 1 per approval or changes-requested.
    pub fn pull_request_activity_count(&self, workspace: &str, repo: &str, id: u64) -> usize {
        self.pr_index(workspace, repo, id)
            .map_or(0, |(w, r, id)| self.pr_activity_count(w, r, id))
    }

    /// Items of `…/pullrequests/activity` (the sum over every pull request).
    pub fn repository_activity_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| {
            *self.repo_activity_totals(w, r).last().unwrap_or(&0)
        })
    }

    /// `participants` of one pull request, as in the
    /// `fields=+values.participants` expansion (reviewers first).
    pub fn pull_request_participants(&self, workspace: &str, repo: &str, id: u64) -> Vec<Value> {
        self.pr_index(workspace, repo, id)
            .map_or_else(Vec::new, |(w, r, id)| {
                let core = self.pr_core(w, r, id);
                self.pr_people(w, r, &core)
                    .iter()
                    .map(|p| parse(&self.participant_json(p)))
                    .collect()
            })
    }

    pub fn pull_request_participant_count(&self, workspace: &str, repo: &str, id: u64) -> usize {
        self.pr_index(workspace, repo, id).map_or(0, |(w, r, id)| {
            let core = self.pr_core(w, r, id);
            self.pr_people(w, r, &core).len()
        })
    }

    /// Pull requests (any state) whose `updated_on` is on or after `since`
    /// (RFC 3339 or a date), changes made while the fake runs included.
    /// Panics if `since` does not parse.
    pub fn pull_requests_updated_since(&self, workspace: &str, repo: &str, since: &str) -> usize {
        let t = parse_instant(since).unwrap_or_else(|| panic!("not an instant: {since:?}"));
        self.find_repo(workspace, repo).map_or(0, |(w, r)| {
            (1..=self.n_pull_requests(w, r) as u32)
                .filter(|&id| self.pr_core(w, r, id).updated_on >= t)
                .count()
        })
    }

    /// Ascending ids of the pull requests (any state) whose `updated_on` is
    /// strictly after `since` (RFC 3339 or a date): what BBQL
    /// `updated_on > {since}` selects. Panics if `since` does not parse.
    pub fn pull_request_ids_updated_after(
        &self,
        workspace: &str,
        repo: &str,
        since: &str,
    ) -> Vec<u64> {
        let t = parse_instant(since).unwrap_or_else(|| panic!("not an instant: {since:?}"));
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| {
                (1..=self.n_pull_requests(w, r) as u32)
                    .filter(|&id| self.pr_core(w, r, id).updated_on > t)
                    .map(u64::from)
                    .collect()
            })
    }
}
