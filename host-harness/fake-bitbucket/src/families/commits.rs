//! Commits: hashes and dates (newest first), the commit JSON, the
//! repository's `…/commits` (iterator pages), a pull request's 1-4 commits,
//! resolving a commit key (hash, branch, tag, `HEAD`), and the accessors.

use crate::api::{list, resolve_repo, ApiRequest, ApiResult};
use crate::dataset::{parse, Dataset, TOPICS, VERBS, WEB};
use crate::families::pull_requests::resolve_pr;
use crate::json::{object, Obj};
use crate::paging::{paginate, COMMITS, LIST};
use crate::seeds::Seed;
use crate::util::{mix, render_markdown, rfc3339_secs, sha1_like, Rng};
use serde_json::Value;

impl Dataset {
    pub(crate) fn n_commits(&self, w: usize, r: usize) -> usize {
        self.workspaces[w].repos[r].n_commits
    }

    pub(crate) fn commit_hash(&self, w: usize, r: usize, i: usize) -> String {
        sha1_like(&[self.spec.seed, Seed::CommitHash.key(), w as u64, r as u64, i as u64])
    }

    /// A commit of the repository from around `micros`, if it has any.
    pub(crate) fn commit_hash_at(&self, w: usize, r: usize, micros: i64) -> Option<String> {
        self.commit_index_at(w, r, micros).map(|i| self.commit_hash(w, r, i))
    }

    /// Index of a commit of the repository from around `micros`, if it has any.
    pub(crate) fn commit_index_at(&self, w: usize, r: usize, micros: i64) -> Option<usize> {
        let repo = &self.workspaces[w].repos[r];
        if repo.n_commits == 0 {
            return None;
        }
        let i = (repo.commit_top_s - micros / 1_000_000) / repo.commit_step_s;
        Some(i.clamp(0, repo.n_commits as i64 - 1) as usize)
    }

    /// Resolves `{commit}` of `…/src/{commit}/…`: a full or abbreviated (7+)
    /// hash of one of the repository's commits, a branch or tag name, or `HEAD`.
    pub(crate) fn resolve_commit(&self, w: usize, r: usize, key: &str) -> Option<usize> {
        let n = self.repo(w, r).n_commits;
        if n == 0 {
            return None;
        }
        if key == "HEAD" {
            return Some(0);
        }
        if let Some(b) = self.branches_meta(w, r).into_iter().find(|b| b.0 == key) {
            return Some(b.1);
        }
        if let Some(t) = self.tags_meta(w, r).into_iter().find(|t| t.0 == key) {
            return Some(t.1);
        }
        let hex = (7..=40).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex {
            return (0..n).find(|&i| self.commit_hash(w, r, i).starts_with(key));
        }
        None
    }

    /// `{"type":"commit","hash":…,"links":{self,html}}` members.
    pub(crate) fn write_commit_ref(&self, o: &mut Obj, hash: &str, full: &str) {
        let api_root = self.api_root.as_str();
        o.plain("type", "commit").plain("hash", hash).obj("links", |l| {
            l.href("self", &format!("{api_root}/repositories/{full}/commit/{hash}"))
                .href("html", &format!("{WEB}/{full}/commits/{hash}"));
        });
    }

    /// Date (seconds) of commit `i`: the first draw of its PRNG stream.
    pub(crate) fn commit_date_s(&self, w: usize, r: usize, i: usize) -> i64 {
        let repo = &self.workspaces[w].repos[r];
        let mut rng = Rng::new(&[self.spec.seed, Seed::Commit.key(), w as u64, r as u64, i as u64]);
        repo.commit_top_s - i as i64 * repo.commit_step_s - rng.range(0, repo.commit_step_s)
    }

    /// Commit number `i` of the repository, 0 = newest.
    pub(crate) fn commit_json(&self, w: usize, r: usize, i: usize) -> String {
        let api_root = self.api_root.as_str();
        let seed = self.spec.seed;
        let repo = &self.workspaces[w].repos[r];
        let full = &repo.full;
        let hash = self.commit_hash(w, r, i);
        let mut rng = Rng::new(&[seed, Seed::Commit.key(), w as u64, r as u64, i as u64]);

        let date = self.commit_date_s(w, r, i);
        let _ = rng.range(0, repo.commit_step_s); // the date's draw
        let is_merge = i % 10 == 3 && i + 2 < repo.n_commits;
        let verb = *rng.pick(&VERBS);
        let (topic, topic_slug) = *rng.pick(&TOPICS);
        let ticket = 100 + rng.below(900);
        // Commits by a CI bot have no Bitbucket account: `author.user` is absent.
        let author = (i % 7 != 6).then(|| self.user(rng.next_u64()));

        let message = if i == 1 {
            "Fix \"naïve\" date parsing, handle CRLF, commas\n\nCo-authored-by: Zoë Ångström <zoe.angstrom@example.com>\n"
                .to_string()
        } else if is_merge {
            format!(
                "Merged in feature/ACME-{ticket}-{topic_slug} (pull request #{})\n\n{verb} {topic}\n\nApproved-by: {}\n",
                1 + rng.below(500),
                self.user(rng.next_u64()).display_name
            )
        } else if i.is_multiple_of(5) {
            format!("{verb} {topic}\n\nACME-{ticket}: {verb} the {topic}.\nSecond line of the body.\n")
        } else {
            format!("{verb} {topic}\n")
        };

        let parents: Vec<String> = [i + 1, i + 2]
            .into_iter()
            .take(if is_merge { 2 } else { 1 })
            .filter(|&p| p < repo.n_commits)
            .map(|p| object(|o| self.write_commit_ref(o, &self.commit_hash(w, r, p), full)))
            .collect();

        let api = format!("{api_root}/repositories/{full}/commit/{hash}");
        object(|o| {
            o.plain("type", "commit")
                .plain("hash", &hash)
                .plain("date", &rfc3339_secs(date))
                .obj("author", |a| {
                    a.plain("type", "author");
                    match author {
                        Some(u) => a.str("raw", &format!("{} <{}>", u.display_name, u.email)).raw("user", &u.json),
                        None => a.str("raw", "build-bot <ci@acme.example>"),
                    };
                })
                .str("message", &message)
                .obj("summary", |s| {
                    s.plain("type", "rendered")
                        .str("raw", &message)
                        .plain("markup", "markdown")
                        .str("html", &render_markdown(&message));
                })
                .raw_array("parents", &parents)
                .raw("repository", &repo.ref_json)
                .obj("links", |l| {
                    l.href("self", &api)
                        .href("html", &format!("{WEB}/{full}/commits/{hash}"))
                        .href("diff", &format!("{api_root}/repositories/{full}/diff/{hash}"))
                        .href("patch", &format!("{api_root}/repositories/{full}/patch/{hash}"))
                        .href("approve", &format!("{api}/approve"))
                        .href("comments", &format!("{api}/comments"))
                        .href("statuses", &format!("{api}/statuses"));
                });
        })
    }

    /// Indexes (newest first) of the repository commits on pull request `id`: 1-4.
    pub(crate) fn pr_commit_indexes(&self, w: usize, r: usize, id: u32) -> Vec<usize> {
        let repo = &self.workspaces[w].repos[r];
        if repo.n_commits == 0 {
            return Vec::new();
        }
        let n = (1 + (mix(&[self.spec.seed, Seed::PullRequestCommits.key(), w as u64, r as u64, u64::from(id)]) % 4) as usize)
            .min(repo.n_commits);
        let around = repo.pr_start_us + (i64::from(id) - 1) * repo.pr_step_us;
        let start = self.commit_index_at(w, r, around).unwrap_or(0).min(repo.n_commits - n);
        (start..start + n).collect()
    }
}

/// `GET /repositories/{workspace}/{repo_slug}/commits`: newest first, iterator
/// pagination (opaque `page` token in `next`; a numeric `page` is a 400).
/// `include`, `exclude`, `path` are accepted and ignored (`fields` is
/// applied generically, in `server.rs`).
pub(crate) fn list_commits(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    paginate(req, COMMITS, req.dataset.n_commits(w, r), |range| range.map(|i| req.dataset.commit_json(w, r, i)).collect())
}

/// `…/pullrequests/{id}/commits`: newest first.
pub fn list_pr_commits(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> ApiResult {
    let (w, r, id) = resolve_pr(req, ws, repo, id)?;
    let ds = req.dataset;
    let idx = ds.pr_commit_indexes(w, r, id);
    list(req, LIST, None, idx.len(), |i| ds.commit_json(w, r, idx[i]))
}

impl Dataset {
    /// Every commit, newest first, exactly as the API serves them. Empty if unknown.
    pub fn commits(&self, workspace: &str, repo: &str) -> Vec<Value> {
        match self.find_repo(workspace, repo) {
            Some((w, r)) => (0..self.n_commits(w, r)).map(|i| parse(&self.commit_json(w, r, i))).collect(),
            None => Vec::new(),
        }
    }

    /// One commit by position in the list (0 = newest).
    pub fn commit(&self, workspace: &str, repo: &str, index: usize) -> Option<Value> {
        let (w, r) = self.find_repo(workspace, repo)?;
        (index < self.n_commits(w, r)).then(|| parse(&self.commit_json(w, r, index)))
    }

    /// Number of commits; 0 if unknown.
    pub fn commit_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| self.n_commits(w, r))
    }

    /// `…/pullrequests/{id}/commits`, newest first (1-4, taken from the
    /// repository's commits; 0 in a repository without commits).
    pub fn pull_request_commits(&self, workspace: &str, repo: &str, id: u64) -> Vec<Value> {
        self.pr_index(workspace, repo, id).map_or_else(Vec::new, |(w, r, id)| {
            self.pr_commit_indexes(w, r, id).into_iter().map(|i| parse(&self.commit_json(w, r, i))).collect()
        })
    }

    pub fn pull_request_commit_count(&self, workspace: &str, repo: &str, id: u64) -> usize {
        self.pr_index(workspace, repo, id).map_or(0, |(w, r, id)| self.pr_commit_indexes(w, r, id).len())
    }
}
