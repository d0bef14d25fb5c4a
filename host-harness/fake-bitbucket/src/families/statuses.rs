//! What tools report against commits: build statuses (of a commit, and of
//! a pull request's source commit) and Code Insights reports with their
//! annotations; handlers (BBQL on statuses) and accessors.

use crate::api::{list, resolve_repo, ApiError, ApiRequest, ApiResult};
use crate::dataset::{parse, Dataset};
use crate::families::pull_requests::resolve_pr;
use crate::json::object;
use crate::paging::LIST;
use crate::seeds::Seed;
use crate::util::{mix, rfc3339_micros, uuid, Rng};
use serde_json::Value;

/// The tools that report statuses: (key, name, description, url base).
const STATUS_TOOLS: [(&str, &str, &str, &str); 3] = [
    ("PIPELINES", "Pipeline #", "Build and unit tests", "https://bitbucket.org"),
    ("sonarcloud", "SonarCloud Quality Gate", "Code quality", "https://sonarcloud.io/dashboard"),
    ("jenkins-e2e", "E2E-", "End-to-end tests in Jenkins", "https://jenkins.acme.example/job/e2e"),
];

const STATES: [&str; 4] = ["SUCCESSFUL", "FAILED", "INPROGRESS", "STOPPED"];

/// Code Insights reports: (external id, title, type, reporter).
const REPORTS: [(&str, &str, &str, &str); 2] =
    [("snyk-security", "Security scan", "SECURITY", "Snyk"), ("codecov-coverage", "Coverage", "COVERAGE", "Codecov")];

const ANNOTATED: [(&str, &str, &str); 4] = [
    ("src/auth/session.rs", "VULNERABILITY", "Session token compared in non-constant time"),
    ("src/api/export.rs", "BUG", "Possible panic on an empty CSV row"),
    ("package.json", "VULNERABILITY", "lodash 4.17.15 has a prototype pollution flaw"),
    ("src/util/retry.rs", "CODE_SMELL", "Function is too complex (cyclomatic complexity 21)"),
];

const SEVERITIES: [&str; 4] = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];

/// Whose statuses: a commit of the repository, or a pull request.
#[derive(Clone, Copy)]
enum Target {
    Commit(usize),
    PullRequest(u32),
}

impl Dataset {
    fn status_count(&self, w: usize, r: usize, target: Target) -> usize {
        let seed = self.spec.seed;
        match target {
            Target::Commit(i) => 1 + (mix(&[seed, Seed::CommitStatus.key(), w as u64, r as u64, i as u64]) % 3) as usize,
            Target::PullRequest(id) => {
                (mix(&[seed, Seed::PullRequestStatus.key(), w as u64, r as u64, u64::from(id)]) % 3) as usize
            }
        }
    }

    /// Status `k` (tool `k`): the first of each list carries every field.
    fn status_json(&self, w: usize, r: usize, target: Target, k: usize) -> String {
        let api_root = self.api_root.as_str();
        let repo = self.repo(w, r);
        let full = &repo.full;
        let (hash, base_us, mut rng) = match target {
            Target::Commit(i) => (
                self.commit_hash(w, r, i),
                self.commit_date_s(w, r, i) * 1_000_000,
                Rng::new(&[self.spec.seed, Seed::CommitStatus.key(), w as u64, r as u64, i as u64, k as u64]),
            ),
            Target::PullRequest(id) => {
                let core = self.pr_core(w, r, id);
                let (source, _) = self.pr_hashes(w, r, id, core.created);
                let seeds = [self.spec.seed, Seed::PullRequestStatus.key(), w as u64, r as u64, u64::from(id), k as u64];
                (source, core.created, Rng::new(&seeds))
            }
        };
        let (key, name, description, url) = STATUS_TOOLS[k];
        let build = 1 + rng.below(900);
        let state = match rng.below(10) {
            0..=6 => STATES[0],
            7 | 8 => STATES[1],
            _ if k == 0 => STATES[2],
            _ => STATES[3],
        };
        let created = base_us + rng.range(30, 900) * 1_000_000;
        let updated = created + rng.range(60, 1800) * 1_000_000;
        let api = format!("{api_root}/repositories/{full}/commit/{hash}");
        object(|o| {
            o.plain("type", "build").plain("key", key).plain("state", state);
            if k == 0 {
                o.plain("name", &format!("{name}{build}"))
                    .plain("url", &format!("{url}/{full}/pipelines/results/{build}"))
                    .plain("refname", repo.mainbranch);
            } else {
                o.plain("name", name).plain("url", &format!("{url}?id={}", repo.slug));
            }
            if k != 2 {
                o.plain("description", description);
            }
            o.plain("created_on", &rfc3339_micros(created)).plain("updated_on", &rfc3339_micros(updated)).obj("links", |l| {
                l.href("self", &format!("{api}/statuses/build/{key}")).href("commit", &api);
            });
        })
    }

    fn statuses_json(&self, w: usize, r: usize, target: Target) -> Vec<String> {
        (0..self.status_count(w, r, target)).map(|k| self.status_json(w, r, target, k)).collect()
    }

    /// Code Insights reports of commit `i`: every fourth commit has none,
    /// the others the security report and, for some, the coverage one.
    fn insights_report_count(&self, w: usize, r: usize, i: usize) -> usize {
        if i % 4 == 3 {
            0
        } else {
            1 + (mix(&[self.spec.seed, Seed::InsightsReport.key(), w as u64, r as u64, i as u64]) % 2) as usize
        }
    }

    fn insights_report_uuid(&self, w: usize, r: usize, i: usize, k: usize) -> String {
        uuid(&[self.spec.seed, Seed::InsightsReport.key(), w as u64, r as u64, i as u64, k as u64])
    }

    fn insights_report_json(&self, w: usize, r: usize, i: usize, k: usize) -> String {
        let (external_id, title, report_type, reporter) = REPORTS[k];
        let mut rng = Rng::new(&[self.spec.seed, Seed::InsightsReport.key(), w as u64, r as u64, i as u64, k as u64, 1]);
        let created = self.commit_date_s(w, r, i) * 1_000_000 + rng.range(60, 1200) * 1_000_000;
        let findings = self.annotation_count(w, r, i, k);
        let result = if k == 0 && findings > 0 { "FAILED" } else { "PASSED" };
        let full = &self.repo(w, r).full;
        let data = if k == 0 {
            format!(r#"[{{"title":"Vulnerabilities","type":"NUMBER","value":{findings}}}]"#)
        } else {
            format!(r#"[{{"title":"Coverage","type":"PERCENTAGE","value":{}}}]"#, 60 + rng.below(35))
        };
        object(|o| {
            o.plain("type", "report")
                .plain("uuid", &self.insights_report_uuid(w, r, i, k))
                .plain("title", title)
                .plain("details", &format!("{title} of the commit by {reporter}."))
                .plain("external_id", external_id)
                .plain("reporter", reporter)
                .plain(
                    "link",
                    &format!("https://{}.example/report/{full}/{}", reporter.to_lowercase(), self.commit_hash(w, r, i)),
                )
                .bool("remote_link_enabled", false)
                .plain("report_type", report_type)
                .plain("result", result)
                .raw("data", &data)
                .plain("created_on", &rfc3339_micros(created))
                .plain("updated_on", &rfc3339_micros(created + rng.range(0, 600) * 1_000_000));
        })
    }

    /// The report of commit `i` with this uuid (braces optional) or external id.
    fn find_insights_report(&self, w: usize, r: usize, i: usize, key: &str) -> Option<usize> {
        let bare = key.trim_start_matches('{').trim_end_matches('}');
        (0..self.insights_report_count(w, r, i))
            .find(|&k| REPORTS[k].0 == key || self.insights_report_uuid(w, r, i, k).trim_matches(['{', '}']) == bare)
    }

    /// 1-3 annotations on the security report, 0-1 on coverage.
    fn annotation_count(&self, w: usize, r: usize, i: usize, k: usize) -> usize {
        let m = mix(&[self.spec.seed, Seed::Annotation.key(), w as u64, r as u64, i as u64, k as u64]);
        if k == 0 {
            1 + (m % 3) as usize
        } else {
            (m % 2) as usize
        }
    }

    fn annotation_json(&self, w: usize, r: usize, i: usize, k: usize, a: usize) -> String {
        let mut rng = Rng::new(&[self.spec.seed, Seed::Annotation.key(), w as u64, r as u64, i as u64, k as u64, a as u64]);
        let (path, kind, summary) = if k == 0 { ANNOTATED[(a * 2) % 4] } else { ANNOTATED[3] };
        let created = self.commit_date_s(w, r, i) * 1_000_000 + rng.range(60, 1200) * 1_000_000;
        let uid = uuid(&[self.spec.seed, Seed::Annotation.key(), w as u64, r as u64, i as u64, k as u64, a as u64]);
        object(|o| {
            o.plain("type", "report_annotation")
                .plain("uuid", &uid)
                .plain("external_id", &format!("{}-{}", REPORTS[k].0, a + 1))
                .plain("annotation_type", kind)
                .plain("path", path);
            if a == 0 || rng.chance(1, 2) {
                o.num("line", 1 + rng.below(300));
            }
            o.plain("summary", summary);
            if a == 0 {
                o.plain("details", "See the advisory for the affected versions and the fix.")
                    .plain("link", &format!("https://{}.example/finding/{}", REPORTS[k].3.to_lowercase(), &uid[1..9]));
            }
            o.plain("result", if k == 0 { "FAILED" } else { "IGNORED" })
                .plain("severity", SEVERITIES[rng.below(4) as usize])
                .plain("created_on", &rfc3339_micros(created))
                .plain("updated_on", &rfc3339_micros(created));
        })
    }
}

const STATUS_FIELDS: &[&str] = &["type", "key", "state", "name", "description", "url", "refname", "created_on", "updated_on"];

/// `(workspace, repository, commit index)` of a `{commit}` path parameter.
pub(crate) fn resolve_commit(req: &ApiRequest, ws: &str, repo: &str, commit: &str) -> Result<(usize, usize, usize), ApiError> {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let i = req.dataset.resolve_commit(w, r, commit).ok_or_else(|| ApiError::not_found(format!("Commit not found: {commit}")))?;
    Ok((w, r, i))
}

/// `…/commit/{commit}/statuses`: 1-3, BBQL `q`.
pub fn list_commit_statuses(req: &ApiRequest, ws: &str, repo: &str, commit: &str) -> ApiResult {
    let (w, r, i) = resolve_commit(req, ws, repo, commit)?;
    let items = req.dataset.statuses_json(w, r, Target::Commit(i));
    list(req, LIST, Some(STATUS_FIELDS), items.len(), |k| items[k].clone())
}

/// `…/pullrequests/{id}/statuses`: 0-2, on the source commit, BBQL `q`.
pub fn list_pr_statuses(req: &ApiRequest, ws: &str, repo: &str, id: &str) -> ApiResult {
    let (w, r, id) = resolve_pr(req, ws, repo, id)?;
    let items = req.dataset.statuses_json(w, r, Target::PullRequest(id));
    list(req, LIST, Some(STATUS_FIELDS), items.len(), |k| items[k].clone())
}

/// `…/commit/{commit}/reports`.
pub fn list_insights_reports(req: &ApiRequest, ws: &str, repo: &str, commit: &str) -> ApiResult {
    let (w, r, i) = resolve_commit(req, ws, repo, commit)?;
    let ds = req.dataset;
    list(req, LIST, None, ds.insights_report_count(w, r, i), |k| ds.insights_report_json(w, r, i, k))
}

/// `…/commit/{commit}/reports/{reportId}/annotations` (uuid or external id).
pub fn list_annotations(req: &ApiRequest, ws: &str, repo: &str, commit: &str, report: &str) -> ApiResult {
    let (w, r, i) = resolve_commit(req, ws, repo, commit)?;
    let ds = req.dataset;
    let k = ds.find_insights_report(w, r, i, report).ok_or_else(|| ApiError::not_found(format!("Report {report} not found")))?;
    list(req, LIST, None, ds.annotation_count(w, r, i, k), |a| ds.annotation_json(w, r, i, k, a))
}

impl Dataset {
    /// `…/commit/{hash}/statuses` of commit `index` (0 = newest): 1-3.
    pub fn commit_statuses(&self, workspace: &str, repo: &str, index: usize) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .filter(|&(w, r)| index < self.n_commits(w, r))
            .map_or_else(Vec::new, |(w, r)| self.statuses_json(w, r, Target::Commit(index)).iter().map(|j| parse(j)).collect())
    }

    /// `…/pullrequests/{id}/statuses`: 0-2.
    pub fn pull_request_statuses(&self, workspace: &str, repo: &str, id: u64) -> Vec<Value> {
        self.pr_index(workspace, repo, id).map_or_else(Vec::new, |(w, r, id)| {
            self.statuses_json(w, r, Target::PullRequest(id)).iter().map(|j| parse(j)).collect()
        })
    }

    /// `…/commit/{hash}/reports` of commit `index`: 0-2.
    pub fn insights_reports(&self, workspace: &str, repo: &str, index: usize) -> Vec<Value> {
        self.find_repo(workspace, repo).filter(|&(w, r)| index < self.n_commits(w, r)).map_or_else(Vec::new, |(w, r)| {
            (0..self.insights_report_count(w, r, index)).map(|k| parse(&self.insights_report_json(w, r, index, k))).collect()
        })
    }

    /// The annotations of every report of commit `index`, report by report.
    pub fn insights_annotations(&self, workspace: &str, repo: &str, index: usize) -> Vec<Value> {
        self.find_repo(workspace, repo).filter(|&(w, r)| index < self.n_commits(w, r)).map_or_else(Vec::new, |(w, r)| {
            (0..self.insights_report_count(w, r, index))
                .flat_map(|k| (0..self.annotation_count(w, r, index, k)).map(move |a| (k, a)))
                .map(|(k, a)| parse(&self.annotation_json(w, r, index, k, a)))
                .collect()
        })
    }
}
