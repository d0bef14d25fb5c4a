//! Pull requests: states (one byte each, stored), the generated facts
//! ([`PrCore`], with the changes made while running applied), the JSON with
//! its `participants` / `reviewers` expansions, the list (state filter or
//! BBQL `q`, cached) and the single pull request, and the accessors.

use crate::api::{resolve_repo, ApiError, ApiRequest, ApiResult};
use crate::bbql;
use crate::bbql::{Expr, Val};
use crate::changes::PrEdits;
use crate::dataset::{parse, Dataset, DAY_S, TOPICS, VERBS, WEB};
use crate::json::{object, Obj};
use crate::paging::{paginate, PULL_REQUESTS};
use crate::seeds::Seed;
use crate::util::{html_escape, mix, parse_instant, render_markdown, rfc3339_micros, sha1_like, Rng};
use serde_json::Value;
use std::sync::Arc;

/// Pull request state, as in the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PrState {
    Open = 1,
    Merged = 2,
    Declined = 4,
    Superseded = 8,
}

impl PrState {
    pub const ALL: [PrState; 4] = [PrState::Open, PrState::Merged, PrState::Declined, PrState::Superseded];

    pub fn as_str(self) -> &'static str {
        match self {
            PrState::Open => "OPEN",
            PrState::Merged => "MERGED",
            PrState::Declined => "DECLINED",
            PrState::Superseded => "SUPERSEDED",
        }
    }

    /// Exact (upper-case) API spelling only.
    pub fn parse(s: &str) -> Option<PrState> {
        PrState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// This state's bit in a state mask (see `Dataset::pull_request_ids`).
    pub fn bit(self) -> u8 {
        self as u8
    }
}

/// The first draws of a pull request's PRNG stream (see `Dataset::pr_core`),
/// with the changes made while the fake runs applied (`changes.rs`).
pub(crate) struct PrCore {
    pub(crate) id: u32,
    pub(crate) state: PrState,
    /// The current title (the last update's, if any).
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    /// Index into `Dataset::users`.
    pub(crate) author: usize,
    pub(crate) source_branch: String,
    pub(crate) destination_branch: &'static str,
    pub(crate) created: i64,
    /// The generated `updated_on`: the dates of participants, generated
    /// comments, the closing update and the merge commit derive from it.
    pub(crate) updated: i64,
    /// The current `updated_on`: `updated`, or the latest change if later.
    pub(crate) updated_on: i64,
    /// Changes made while the fake runs, if any.
    pub(crate) edits: Option<Arc<PrEdits>>,
    rng: Rng,
}

/// The state of PR `id`: ids 1-4 are MERGED, DECLINED, SUPERSEDED, OPEN so that
/// every state occurs; the rest are about 25% OPEN, 50% MERGED, 15% DECLINED
/// and 10% SUPERSEDED.
pub(crate) fn pr_state(seed: u64, w: usize, r: usize, id: u64) -> PrState {
    match id {
        1 => PrState::Merged,
        2 => PrState::Declined,
        3 => PrState::Superseded,
        4 => PrState::Open,
        _ => match mix(&[seed, Seed::PullRequestState.key(), w as u64, r as u64, id]) % 100 {
            0..=24 => PrState::Open,
            25..=74 => PrState::Merged,
            75..=89 => PrState::Declined,
            _ => PrState::Superseded,
        },
    }
}

impl Dataset {
    pub(crate) fn n_pull_requests(&self, w: usize, r: usize) -> usize {
        self.workspaces[w].repos[r].pr_states.len()
    }

    /// Ascending ids of the pull requests whose state bit is in `mask`
    /// (cached per mask, so deep paging stays O(page)).
    pub(crate) fn pull_request_ids(&self, w: usize, r: usize, mask: u8) -> Arc<Vec<u32>> {
        let mut cache = self.filter_cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry((w, r, mask))
            .or_insert_with(|| {
                let states = &self.workspaces[w].repos[r].pr_states;
                let ids = (1..=states.len() as u32).filter(|&id| states[id as usize - 1].bit() & mask != 0);
                Arc::new(ids.collect())
            })
            .clone()
    }

    /// The parts of pull request `id` that filters, participants, comments and
    /// activity need (the first draws of its PRNG stream).
    pub(crate) fn pr_core(&self, w: usize, r: usize, id: u32) -> PrCore {
        let seed = self.spec.seed;
        let repo = &self.workspaces[w].repos[r];
        let state = repo.pr_states[id as usize - 1];
        let mut rng = Rng::new(&[seed, Seed::PullRequest.key(), w as u64, r as u64, u64::from(id)]);

        let verb = *rng.pick(&VERBS);
        let (topic, topic_slug) = *rng.pick(&TOPICS);
        let ticket = 100 + rng.below(900);
        let title = match id {
            4 => "Fix CSV export: handle \"quoted\" fields, commas\nand embedded newlines".to_string(),
            6 => "Übersetzungen: 日本語 locale hinzufügen ✨".to_string(),
            _ if rng.chance(1, 3) => format!("ACME-{ticket} {verb} {topic}"),
            _ => format!("{verb} {topic}"),
        };
        let description: Option<String> = match id {
            2 => Some(String::new()),
            4 => None,
            _ if id.is_multiple_of(97) => Some(String::new()),
            _ => Some(format!(
                "This change {} the {topic}.\n\n* Ticket: ACME-{ticket}\n* Touches `{}`",
                verb.to_lowercase(),
                repo.slug
            )),
        };
        let author = (rng.next_u64() % self.users.len() as u64) as usize;
        let prefix = if verb == "Fix" { "bugfix" } else { "feature" };
        let source_branch = format!("{prefix}/ACME-{ticket}-{topic_slug}");
        let destination_branch = if rng.chance(1, 8) { "develop" } else { repo.mainbranch };

        let created = repo.pr_start_us + (i64::from(id) - 1) * repo.pr_step_us + rng.range(0, repo.pr_step_us);
        let updated = created
            + match state {
                PrState::Open => rng.range(0, 2 * DAY_S * 1_000_000),
                _ => rng.range(3_600_000_000, 5 * DAY_S * 1_000_000),
            };
        let edits = self.pr_edits(w, r, id);
        let (title, updated_on) = match &edits {
            Some(e) => (e.title().map_or(title, str::to_string), e.last_change().map_or(updated, |t| t.max(updated))),
            None => (title, updated),
        };
        PrCore {
            id,
            state,
            title,
            description,
            author,
            source_branch,
            destination_branch,
            created,
            updated,
            updated_on,
            edits,
            rng,
        }
    }

    /// Pull request `id` (1-based), as listed by `…/pullrequests`.
    pub(crate) fn pull_request_json(&self, w: usize, r: usize, id: u32) -> String {
        self.pull_request_json_with(w, r, id, false, false)
    }

    /// Pull request `id`; with `participants` / `reviewers` it also carries those
    /// arrays (the `fields=+values.participants,+values.reviewers` expansion).
    pub(crate) fn pull_request_json_with(&self, w: usize, r: usize, id: u32, participants: bool, reviewers: bool) -> String {
        let api_root = self.api_root.as_str();
        let seed = self.spec.seed;
        let repo = &self.workspaces[w].repos[r];
        let full = &repo.full;
        let api = format!("{api_root}/repositories/{full}/pullrequests/{id}");
        let core = self.pr_core(w, r, id);
        let people = (participants || reviewers).then(|| self.pr_people(w, r, &core));
        let added_comments = core.edits.as_ref().map_or(0, |e| e.comments.len());
        let PrCore {
            state,
            ref title,
            ref description,
            author,
            ref source_branch,
            destination_branch,
            created,
            updated,
            updated_on,
            mut rng,
            ..
        } = core;
        let title = title.as_str();
        let source_branch = source_branch.as_str();
        let raw = description.as_deref().unwrap_or("");
        let author = &self.users[author];
        let (source_hash, dest_hash) = self.pr_hashes(w, r, id, created);
        let merge_hash = (state == PrState::Merged).then(|| {
            self.commit_hash_at(w, r, updated)
                .unwrap_or_else(|| sha1_like(&[seed, Seed::PullRequestHash.key(), w as u64, r as u64, u64::from(id), 1]))
        });
        let closed_by = match state {
            PrState::Merged | PrState::Declined => Some(self.user(rng.next_u64())),
            _ => None,
        };
        let reason = match state {
            PrState::Declined if rng.chance(2, 3) => "Superseded by a different approach, see discussion.",
            _ => "",
        };
        let close_source_branch = rng.chance(3, 4);
        let _ = rng.below(25); // formerly the comment count; kept so later draws are unchanged
        let comment_count = (self.pr_generated_comment_count(w, r, id) + added_comments) as u64;
        let task_count = rng.below(4);
        let draft = state == PrState::Open && rng.chance(1, 10);

        let endpoint = |o: &mut Obj, branch: &str, hash: &str| {
            o.obj("branch", |b| {
                b.str("name", branch);
            })
            .obj("commit", |c| self.write_commit_ref(c, hash, full))
            .raw("repository", &repo.ref_json);
        };
        let diff_spec = format!("{full}:{}%0D{}?from_pullrequest_id={id}&topic=true", &source_hash[..12], &dest_hash[..12]);

        object(|o| {
            o.plain("type", "pullrequest")
                .num("id", u64::from(id))
                .str("title", title)
                .opt_str("description", description.as_deref())
                .obj("summary", |s| {
                    s.plain("type", "rendered").str("raw", raw).plain("markup", "markdown").str("html", &render_markdown(raw));
                })
                .obj("rendered", |s| {
                    s.obj("title", |t| {
                        t.plain("type", "rendered")
                            .str("raw", title)
                            .plain("markup", "markdown")
                            .str("html", &format!("<p>{}</p>", html_escape(title)));
                    });
                })
                .plain("state", state.as_str())
                .raw("author", &author.json)
                .obj("source", |e| endpoint(e, source_branch, &source_hash))
                .obj("destination", |e| endpoint(e, destination_branch, &dest_hash));
            match &merge_hash {
                Some(h) => o.obj("merge_commit", |c| self.write_commit_ref(c, h, full)),
                None => o.null("merge_commit"),
            };
            match closed_by {
                Some(u) => o.raw("closed_by", &u.json),
                None => o.null("closed_by"),
            };
            o.bool("close_source_branch", close_source_branch)
                .str("reason", reason)
                .num("comment_count", comment_count)
                .num("task_count", task_count)
                .bool("draft", draft)
                .bool("queued", false)
                .plain("created_on", &rfc3339_micros(created))
                .plain("updated_on", &rfc3339_micros(updated_on));
            if let Some(people) = &people {
                if reviewers {
                    let accounts: Vec<&str> =
                        people.iter().filter(|p| p.reviewer).map(|p| self.users[p.user].json.as_str()).collect();
                    o.raw_array("reviewers", &accounts);
                }
                if participants {
                    let items: Vec<String> = people.iter().map(|p| self.participant_json(p)).collect();
                    o.raw_array("participants", &items);
                }
            }
            o.obj("links", |l| {
                l.href("self", &api)
                    .href("html", &format!("{WEB}/{full}/pull-requests/{id}"))
                    .href("commits", &format!("{api}/commits"))
                    .href("approve", &format!("{api}/approve"))
                    .href("request-changes", &format!("{api}/request-changes"))
                    .href("diff", &format!("{api_root}/repositories/{full}/diff/{diff_spec}"))
                    .href("diffstat", &format!("{api_root}/repositories/{full}/diffstat/{diff_spec}"))
                    .href("comments", &format!("{api}/comments"))
                    .href("activity", &format!("{api}/activity"))
                    .href("merge", &format!("{api}/merge"))
                    .href("decline", &format!("{api}/decline"))
                    .href("statuses", &format!("{api}/statuses"));
            });
        })
    }

    /// The source and destination commit hashes of pull request `id`
    /// created at `created` (microseconds; `PrCore::created`).
    pub(crate) fn pr_hashes(&self, w: usize, r: usize, id: u32, created: i64) -> (String, String) {
        let source = sha1_like(&[self.spec.seed, Seed::PullRequestHash.key(), w as u64, r as u64, u64::from(id)]);
        let dest = self.commit_hash_at(w, r, created).unwrap_or_else(|| source.clone());
        (source, dest)
    }

    pub(crate) fn pr_index(&self, workspace: &str, repo: &str, id: u64) -> Option<(usize, usize, u32)> {
        let (w, r) = self.find_repo(workspace, repo)?;
        (id >= 1 && id <= self.n_pull_requests(w, r) as u64).then_some((w, r, id as u32))
    }
}

pub const PULL_REQUEST_FIELDS: &[&str] = &[
    "type",
    "id",
    "title",
    "description",
    "summary",
    "rendered",
    "state",
    "author",
    "source",
    "destination",
    "merge_commit",
    "closed_by",
    "close_source_branch",
    "reason",
    "comment_count",
    "task_count",
    "draft",
    "queued",
    "created_on",
    "updated_on",
    "links",
    "participants",
    "reviewers",
];

/// Whether `fields` asks for `+{prefix}participants` / `+{prefix}reviewers`
/// (the `+` may also have been decoded to a space, or be absent).
fn expansions(req: &ApiRequest, prefix: &str) -> (bool, bool) {
    let mut out = (false, false);
    for f in req.params("fields").iter().flat_map(|v| v.split(',')) {
        let f = f.trim().trim_start_matches('+');
        match f.strip_prefix(prefix) {
            Some("participants") => out.0 = true,
            Some("reviewers") => out.1 = true,
            _ => {}
        }
    }
    out
}

/// `GET /repositories/{workspace}/{repo_slug}/pullrequests`: numbered pages of
/// at most 50, **ascending id**. Without `q`: only OPEN pull requests unless
/// `state` is given (repeatable; OPEN, MERGED, DECLINED, SUPERSEDED, exact
/// upper case, anything else is a 400). With a BBQL `q`, as on Bitbucket,
/// `state` is ignored and every state is eligible (put `state = "OPEN"` in
/// the query). `fields=+values.participants,+values.reviewers` adds those
/// arrays (the generic `fields` pruning runs afterwards, in `server.rs`);
/// `sort` is ignored.
pub(crate) fn list_pull_requests(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let (participants, reviewers) = expansions(req, "values.");
    let write = |id: u32| req.dataset.pull_request_json_with(w, r, id, participants, reviewers);
    if let Some(q) = req.param("q").map(str::trim).filter(|q| !q.is_empty()) {
        let ids = pull_requests_matching(req.dataset, w, r, q)?;
        return paginate(req, PULL_REQUESTS, ids.len(), |range| ids[range].iter().map(|&id| write(id)).collect());
    }
    let mask = state_mask(req)?;
    let ids = req.dataset.pull_request_ids(w, r, mask);
    paginate(req, PULL_REQUESTS, ids.len(), |range| ids[range].iter().map(|&id| write(id)).collect())
}

/// `GET /repositories/{workspace}/{repo_slug}/pullrequests/{id}` (any state),
/// shaped like a list item; `fields=+participants,+reviewers` adds those arrays.
pub(crate) fn get_pull_request(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let (participants, reviewers) = expansions(req, "");
    match id.parse::<u32>() {
        Ok(n) if n >= 1 && (n as usize) <= req.dataset.n_pull_requests(w, r) => {
            Ok(req.dataset.pull_request_json_with(w, r, n, participants, reviewers))
        }
        _ => Err(ApiError::not_found(format!("Pull request {id} not found"))),
    }
}

/// The states asked for by `state` (repeatable; OPEN when none), as a mask.
fn state_mask(req: &ApiRequest) -> Result<u8, ApiError> {
    let mut mask = 0u8;
    for s in req.params("state") {
        let state = PrState::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!("Invalid state '{s}': expected one of OPEN, MERGED, DECLINED, SUPERSEDED"))
        })?;
        mask |= state.bit();
    }
    Ok(if mask == 0 { PrState::Open.bit() } else { mask })
}

impl Dataset {
    /// `(repo, id)` of the pull requests of workspace `w` authored by pool
    /// user `author` whose state is in `mask`: repository order, then id.
    pub(crate) fn authored_pull_requests(&self, w: usize, author: usize, mask: u8) -> Vec<(usize, u32)> {
        (0..self.n_repos(w))
            .flat_map(|r| self.pull_request_ids(w, r, mask).iter().map(move |&id| (r, id)).collect::<Vec<_>>())
            .filter(|&(r, id)| self.pr_core(w, r, id).author == author)
            .collect()
    }
}

/// `GET /workspaces/{workspace}/pullrequests/{selected_user}`: the pull
/// requests a user authored across the workspace's repositories (repository
/// order, then id), numbered pages of at most 50; `state` as for a
/// repository's list (OPEN only unless given). The authenticated user has
/// authored none; an unknown user is a 404.
pub(crate) fn list_user_pull_requests(req: &ApiRequest, ws: &str, user: &str) -> ApiResult {
    let w = crate::api::resolve_workspace(req, ws)?;
    let ds = req.dataset;
    let (who, _, _) = ds.account(user).ok_or_else(|| ApiError::not_found(format!("User {user} not found")))?;
    let mask = state_mask(req)?;
    let prs = match usize::try_from(who) {
        Ok(author) if author < ds.users.len() => ds.authored_pull_requests(w, author, mask),
        _ => Vec::new(),
    };
    paginate(req, PULL_REQUESTS, prs.len(), |range| prs[range].iter().map(|&(r, id)| ds.pull_request_json(w, r, id)).collect())
}

pub(crate) fn resolve_pr(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> Result<(usize, usize, u32), ApiError> {
    let (w, r) = resolve_repo(req, ws, repo)?;
    match id.parse::<u32>() {
        Ok(n) if n >= 1 && (n as usize) <= req.dataset.n_pull_requests(w, r) => Ok((w, r, n)),
        _ => Err(ApiError::not_found(format!("Pull request {id} not found"))),
    }
}

/// Ascending ids of the pull requests (any state) matching BBQL `q`, cached.
/// `state`, `id`, `title`, `created_on`, `updated_on` and the branch names
/// are read without writing the object; other fields from the full object
/// (participants and reviewers included). Changes made while the fake runs
/// (`changes.rs`) are seen: they drop the repository's cached results, and a
/// result computed across a change is not cached.
pub fn pull_requests_matching(ds: &Dataset, w: usize, r: usize, q: &str) -> Result<Arc<Vec<u32>>, ApiError> {
    let key = (w, r, q.to_string());
    if let Some(ids) = ds.query_cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(ids.clone());
    }
    let generation = ds.cache_generation();
    let expr: Expr = bbql::parse(q, PULL_REQUEST_FIELDS)?;
    let ids: Vec<u32> = (1..=ds.n_pull_requests(w, r) as u32)
        .filter(|&id| {
            let core = ds.pr_core(w, r, id);
            let mut full: Option<Value> = None;
            expr.eval(&mut |field| match field {
                "id" => vec![Val::Num(f64::from(id))],
                "state" => vec![Val::Str(core.state.as_str().to_string())],
                "title" => vec![Val::Str(core.title.clone())],
                "created_on" => vec![Val::Time(core.created)],
                "updated_on" => vec![Val::Time(core.updated_on)],
                "source.branch.name" => vec![Val::Str(core.source_branch.clone())],
                "destination.branch.name" => vec![Val::Str(core.destination_branch.to_string())],
                _ => {
                    let v = full.get_or_insert_with(|| parse(&ds.pull_request_json_with(w, r, id, true, true)));
                    bbql::json_values(v, field)
                }
            })
        })
        .collect();
    let ids = Arc::new(ids);
    let mut cache = ds.query_cache.lock().unwrap_or_else(|e| e.into_inner());
    if ds.cache_generation() != generation {
        return Ok(ids); // a change came in meanwhile: maybe stale, don't keep it
    }
    if cache.len() >= 256 {
        cache.clear();
    }
    cache.insert(key, ids.clone());
    Ok(ids)
}

impl Dataset {
    /// Every pull request (all states), ascending id, exactly as the API
    /// serves them (changes made while the fake runs included; they never
    /// reorder the list). Empty if the workspace or repository is unknown.
    pub fn pull_requests(&self, workspace: &str, repo: &str) -> Vec<Value> {
        match self.find_repo(workspace, repo) {
            Some((w, r)) => (1..=self.n_pull_requests(w, r) as u32).map(|id| parse(&self.pull_request_json(w, r, id))).collect(),
            None => Vec::new(),
        }
    }

    /// One pull request by id (any state).
    pub fn pull_request(&self, workspace: &str, repo: &str, id: u64) -> Option<Value> {
        let (w, r) = self.find_repo(workspace, repo)?;
        let valid = id >= 1 && id <= self.n_pull_requests(w, r) as u64;
        valid.then(|| parse(&self.pull_request_json(w, r, id as u32)))
    }

    // Cheap summaries, for expectations on big datasets without materialising objects.

    /// Number of pull requests (all states); 0 if unknown.
    pub fn pull_request_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| self.n_pull_requests(w, r))
    }

    /// State of every pull request: element `i` is the state of id `i + 1`.
    pub fn pull_request_states(&self, workspace: &str, repo: &str) -> Vec<PrState> {
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| self.workspaces[w].repos[r].pr_states.clone())
    }

    /// Pull requests (any state) whose `updated_on` is on or after `since`
    /// (RFC 3339 or a date), changes made while the fake runs included.
    /// Panics if `since` does not parse.
    pub fn pull_requests_updated_since(&self, workspace: &str, repo: &str, since: &str) -> usize {
        let t = parse_instant(since).unwrap_or_else(|| panic!("not an instant: {since:?}"));
        self.find_repo(workspace, repo).map_or(0, |(w, r)| {
            (1..=self.n_pull_requests(w, r) as u32).filter(|&id| self.pr_core(w, r, id).updated_on >= t).count()
        })
    }

    /// Ascending ids of the pull requests (any state) whose `updated_on` is
    /// strictly after `since` (RFC 3339 or a date): what BBQL
    /// `updated_on > {since}` selects. Panics if `since` does not parse.
    pub fn pull_request_ids_updated_after(&self, workspace: &str, repo: &str, since: &str) -> Vec<u64> {
        let t = parse_instant(since).unwrap_or_else(|| panic!("not an instant: {since:?}"));
        self.find_repo(workspace, repo).map_or_else(Vec::new, |(w, r)| {
            (1..=self.n_pull_requests(w, r) as u32).filter(|&id| self.pr_core(w, r, id).updated_on > t).map(u64::from).collect()
        })
    }

    /// `GET /workspaces/{workspace}/pullrequests/{user}` in every state:
    /// the pull requests `user` (`{uuid}` or account id) authored.
    pub fn user_pull_requests(&self, workspace: &str, user: &str) -> Vec<Value> {
        let (Some(w), Some((who, _, _))) = (self.find_workspace(workspace), self.account(user)) else {
            return Vec::new();
        };
        let all = PrState::Open.bit() | PrState::Merged.bit() | PrState::Declined.bit() | PrState::Superseded.bit();
        match usize::try_from(who) {
            Ok(author) if author < self.users.len() => self
                .authored_pull_requests(w, author, all)
                .into_iter()
                .map(|(r, id)| parse(&self.pull_request_json(w, r, id)))
                .collect(),
            _ => Vec::new(),
        }
    }
}
