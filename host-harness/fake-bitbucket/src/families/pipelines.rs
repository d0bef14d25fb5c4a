//! Pipelines and their steps: build numbers, scrambled uuids (a key of
//! either finds the pipeline), triggers, results and durations; the list
//! (`sort=created_on|-created_on`), the single pipeline and its steps (one
//! page), and the accessors.

use crate::api::{list, resolve_repo, ApiError, ApiRequest, ApiResult};
use crate::dataset::{brace_encode, end_secs, instant, parse, short_ref, Dataset, DAY_S, TOPICS, WEB};
use crate::json::object;
use crate::paging::{PIPELINES, STEPS};
use crate::seeds::Seed;
use crate::util::{mix, rfc3339_micros, sha1_like, uuid, Rng};
use serde_json::Value;

/// A pipeline's derived facts.
pub(crate) struct PipeMeta {
    pub(crate) build: usize,
    pub(crate) created_us: i64,
    /// 0 PUSH, 1 MANUAL, 2 SCHEDULE
    pub(crate) trigger: u8,
    pub(crate) creator: Option<usize>,
    pub(crate) ref_name: String,
    pub(crate) commit: String,
    /// `None` while IN_PROGRESS; else 0 SUCCESSFUL, 1 FAILED, 2 STOPPED.
    pub(crate) result: Option<u8>,
    pub(crate) queue_s: i64,
    pub(crate) duration_s: i64,
    pub(crate) steps: usize,
}

const RESULTS: [&str; 3] = ["SUCCESSFUL", "FAILED", "STOPPED"];

fn result_json(prefix: &str, r: u8) -> String {
    let name = RESULTS[r as usize];
    object(|o| {
        o.plain("name", name).plain("type", &format!("{prefix}_{}", name.to_lowercase()));
    })
}

const MASK48: u64 = 0xffff_ffff_ffff;

/// Odd, so multiplying by it is a bijection modulo 2^48.
const SCRAMBLE: u64 = 0x9E37_79B9_7F4B;

/// Multiplicative inverse of an odd number modulo 2^64 (Newton's iteration).
fn inverse(odd: u64) -> u64 {
    let mut x = odd;
    for _ in 0..6 {
        x = x.wrapping_mul(2u64.wrapping_sub(odd.wrapping_mul(x)));
    }
    x
}

impl Dataset {
    pub(crate) fn n_pipelines(&self, _w: usize, _r: usize) -> usize {
        self.spec.pipelines_per_repo
    }

    /// Pipeline `build` (1-based): created_on strictly increases with the build
    /// number, spread over the last year or so; the last two may be IN_PROGRESS.
    pub(crate) fn pipeline_meta(&self, w: usize, r: usize, build: usize) -> PipeMeta {
        let seed = self.spec.seed;
        let repo = self.repo(w, r);
        let n = self.spec.pipelines_per_repo as i64;
        let step = (365 * DAY_S / n.max(1)).clamp(600, 30 * DAY_S);
        let start = end_secs() - DAY_S - n * step;
        let mut rng = Rng::new(&[seed, Seed::Pipeline.key(), w as u64, r as u64, build as u64]);
        let created_s = start + (build as i64 - 1) * step + rng.range(0, step / 2);
        let created_us = created_s * 1_000_000 + rng.range(0, 1_000_000);
        let trigger = if build.is_multiple_of(7) {
            2
        } else if rng.chance(1, 5) {
            1
        } else {
            0
        };
        let creator_pick = rng.next_u64();
        let creator = (trigger != 2).then(|| (creator_pick % self.users.len() as u64) as usize);
        let (_, topic_slug) = *rng.pick(&TOPICS);
        let ticket = 100 + rng.below(900);
        let ref_name = match rng.below(20) {
            0..=11 => repo.mainbranch.to_string(),
            12..=14 => "develop".to_string(),
            _ => format!("feature/ACME-{ticket}-{topic_slug}"),
        };
        let commit = self
            .commit_hash_at(w, r, created_us)
            .unwrap_or_else(|| sha1_like(&[seed, Seed::Pipeline.key(), w as u64, r as u64, build as u64]));
        let in_progress = build as i64 > n - 2 && rng.chance(1, 2);
        let result = if in_progress {
            None
        } else {
            Some(match rng.below(100) {
                0..=74 => 0,
                75..=92 => 1,
                _ => 2,
            })
        };
        PipeMeta {
            build,
            created_us,
            trigger,
            creator,
            ref_name,
            commit,
            result,
            queue_s: rng.range(1, 40),
            duration_s: rng.range(45, 1500),
            steps: 2 + (mix(&[seed, Seed::PipelineStep.key(), w as u64, r as u64, build as u64]) % 3) as usize,
        }
    }

    /// Brace-wrapped UUID of pipeline `build`; its last group encodes the build
    /// number, so [`Self::pipeline_by_uuid`] needs no table.
    pub(crate) fn pipeline_uuid(&self, w: usize, r: usize, build: usize) -> String {
        let seed = self.spec.seed;
        let base = uuid(&[seed, Seed::PipelineUuid.key(), w as u64, r as u64, build as u64]);
        let mask = mix(&[seed, Seed::PipelineUuid.key(), w as u64, r as u64]) & MASK48;
        let tag = ((build as u64 ^ mask).wrapping_mul(SCRAMBLE)) & MASK48;
        format!("{}{tag:012x}}}", &base[..25])
    }

    /// Build number of a pipeline given its UUID (with or without braces) or
    /// its build number.
    pub(crate) fn pipeline_by_uuid(&self, w: usize, r: usize, key: &str) -> Option<usize> {
        let n = self.n_pipelines(w, r);
        if let Ok(b) = key.parse::<usize>() {
            return (1..=n).contains(&b).then_some(b);
        }
        let bare = key.trim_start_matches('{').trim_end_matches('}').to_ascii_lowercase();
        if bare.len() != 36 {
            return None;
        }
        let tag = u64::from_str_radix(&bare[24..], 16).ok()?;
        let mask = mix(&[self.spec.seed, Seed::PipelineUuid.key(), w as u64, r as u64]) & MASK48;
        let b = usize::try_from((tag.wrapping_mul(inverse(SCRAMBLE)) & MASK48) ^ mask).ok()?;
        ((1..=n).contains(&b) && self.pipeline_uuid(w, r, b)[1..37] == bare).then_some(b)
    }

    pub(crate) fn pipeline_json(&self, w: usize, r: usize, build: usize) -> String {
        let api_root = self.api_root.as_str();
        let repo = self.repo(w, r);
        let full = &repo.full;
        let m = self.pipeline_meta(w, r, build);
        let uid = self.pipeline_uuid(w, r, build);
        let enc = brace_encode(&uid);
        let (trigger_name, trigger_type) = match m.trigger {
            0 => ("PUSH", "pipeline_trigger_push"),
            1 => ("MANUAL", "pipeline_trigger_manual"),
            _ => ("SCHEDULE", "pipeline_trigger_schedule"),
        };
        let completed_us = m.created_us + (m.queue_s + m.duration_s) * 1_000_000;
        object(|o| {
            o.plain("type", "pipeline").plain("uuid", &uid).num("build_number", build as u64);
            match m.creator {
                Some(u) => o.raw("creator", &self.users[u].json),
                None => o.null("creator"),
            };
            o.raw("repository", &repo.ref_json)
                .obj("target", |t| {
                    t.plain("type", "pipeline_ref_target")
                        .plain("ref_type", "branch")
                        .str("ref_name", &m.ref_name)
                        .obj("commit", |c| self.write_commit_ref(c, &m.commit, full))
                        .obj("selector", |s| {
                            if m.trigger == 1 {
                                s.plain("type", "custom").plain("pattern", "deploy-to-production");
                            } else if m.ref_name == repo.mainbranch {
                                s.plain("type", "default");
                            } else {
                                s.plain("type", "branches").str("pattern", &m.ref_name);
                            }
                        });
                })
                .obj("trigger", |t| {
                    t.plain("name", trigger_name).plain("type", trigger_type);
                })
                .obj("state", |s| match m.result {
                    None => {
                        s.plain("name", "IN_PROGRESS").plain("type", "pipeline_state_in_progress").obj("stage", |st| {
                            st.plain("name", "RUNNING").plain("type", "pipeline_state_in_progress_running");
                        });
                    }
                    Some(res) => {
                        s.plain("name", "COMPLETED")
                            .plain("type", "pipeline_state_completed")
                            .raw("result", &result_json("pipeline_state_completed", res));
                    }
                })
                .raw("variables", "[]")
                .plain("created_on", &rfc3339_micros(m.created_us));
            if m.result.is_some() {
                o.plain("completed_on", &rfc3339_micros(completed_us))
                    .num("build_seconds_used", (m.duration_s * m.steps as i64 * 9 / 10) as u64)
                    .num("duration_in_seconds", m.duration_s as u64);
            } else {
                o.num("build_seconds_used", 0);
            }
            o.obj("links", |l| {
                l.href("self", &format!("{api_root}/repositories/{full}/pipelines/{enc}"))
                    .href("steps", &format!("{api_root}/repositories/{full}/pipelines/{enc}/steps"))
                    .href("html", &format!("{WEB}/{full}/pipelines/results/{build}"));
            });
        })
    }

    /// Step `j` of pipeline `build`; steps split the pipeline's duration. In a
    /// failed or stopped pipeline the last step carries the result; in a
    /// running one the last step is IN_PROGRESS.
    pub(crate) fn step_json(&self, w: usize, r: usize, m: &PipeMeta, j: usize) -> String {
        let api_root = self.api_root.as_str();
        let seed = self.spec.seed;
        let full = &self.repo(w, r).full;
        let names: &[&str] = match m.steps {
            2 => &["Build and test", "Deploy to Test"],
            3 => &["Lint", "Build and test", "Deploy to Test"],
            _ => &["Lint", "Build", "Unit tests", "Deploy to Staging"],
        };
        let uid = uuid(&[seed, Seed::PipelineStep.key(), w as u64, r as u64, m.build as u64, j as u64 + 1]);
        let per = (m.duration_s / m.steps as i64).max(1);
        let start_us = m.created_us + (m.queue_s + per * j as i64) * 1_000_000;
        let end_us = start_us + per * 1_000_000;
        let last = j + 1 == m.steps;
        let state: Option<u8> = match m.result {
            None if last => None,
            None | Some(0) => Some(0),
            Some(res) if last => Some(res),
            Some(_) => Some(0),
        };
        let pipe_uuid = self.pipeline_uuid(w, r, m.build);
        object(|o| {
            o.plain("type", "pipeline_step")
                .plain("uuid", &uid)
                .str("name", names[j.min(names.len() - 1)])
                .raw("pipeline", &short_ref("pipeline", &pipe_uuid))
                .obj("trigger", |t| {
                    t.plain("type", "pipeline_step_trigger_automatic");
                })
                .obj("state", |s| match state {
                    None => {
                        s.plain("name", "IN_PROGRESS").plain("type", "pipeline_step_state_in_progress");
                    }
                    Some(res) => {
                        s.plain("name", "COMPLETED")
                            .plain("type", "pipeline_step_state_completed")
                            .raw("result", &result_json("pipeline_step_state_completed", res));
                    }
                })
                .obj("image", |i| {
                    i.plain("name", "atlassian/default-image:4");
                })
                .plain("started_on", &rfc3339_micros(start_us));
            if state.is_some() {
                o.plain("completed_on", &rfc3339_micros(end_us))
                    .num("duration_in_seconds", per as u64)
                    .num("build_seconds_used", per as u64);
            }
            o.num("run_number", 1).num("max_time", 120).obj("links", |l| {
                l.href(
                    "self",
                    &format!(
                        "{api_root}/repositories/{full}/pipelines/{}/steps/{}",
                        brace_encode(&pipe_uuid),
                        brace_encode(&uid)
                    ),
                );
            });
        })
    }
}

/// `…/pipelines`: oldest first; `sort=created_on` (same) or `sort=-created_on`
/// (newest first), any other `sort` is a 400. `q` is ignored, as on Bitbucket.
pub fn list_pipelines(req: &ApiRequest, ws: &str, repo: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let ds = req.dataset;
    let n = ds.n_pipelines(w, r);
    let newest_first = match req.param("sort") {
        None | Some("" | "created_on") => false,
        Some("-created_on") => true,
        Some(other) => {
            return Err(ApiError {
                detail: Some(format!("Invalid sort field '{other}': use created_on or -created_on")),
                ..ApiError::bad_request("Bad request")
            })
        }
    };
    list(req, PIPELINES, None, n, |i| ds.pipeline_json(w, r, if newest_first { n - i } else { i + 1 }))
}

fn resolve_pipeline(req: &ApiRequest, w: usize, r: usize, key: &str) -> Result<usize, ApiError> {
    req.dataset
        .pipeline_by_uuid(w, r, key)
        .ok_or_else(|| ApiError { detail: Some(format!("Pipeline {key} not found")), ..ApiError::not_found("Not found") })
}

/// `…/pipelines/{pipeline_uuid}` (UUID with or without braces, or build number).
pub fn get_pipeline(req: &ApiRequest, ws: &str, repo: &str, key: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let b = resolve_pipeline(req, w, r, key)?;
    Ok(req.dataset.pipeline_json(w, r, b))
}

/// `…/pipelines/{pipeline_uuid}/steps`: all steps on one page.
pub fn list_steps(req: &ApiRequest, ws: &str, repo: &str, key: &str) -> ApiResult {
    let (w, r) = resolve_repo(req, ws, repo)?;
    let b = resolve_pipeline(req, w, r, key)?;
    let ds = req.dataset;
    let m = ds.pipeline_meta(w, r, b);
    list(req, STEPS, None, m.steps, |j| ds.step_json(w, r, &m, j))
}

impl Dataset {
    /// `…/pipelines`, oldest first (build number 1 first).
    pub fn pipelines(&self, workspace: &str, repo: &str) -> Vec<Value> {
        self.find_repo(workspace, repo)
            .map_or_else(Vec::new, |(w, r)| (1..=self.n_pipelines(w, r)).map(|b| parse(&self.pipeline_json(w, r, b))).collect())
    }

    pub fn pipeline_count(&self, workspace: &str, repo: &str) -> usize {
        self.find_repo(workspace, repo).map_or(0, |(w, r)| self.n_pipelines(w, r))
    }

    /// Pipelines whose `created_on` is on or after `since`. Panics if `since` does not parse.
    pub fn pipelines_created_since(&self, workspace: &str, repo: &str, since: &str) -> usize {
        let t = instant(since);
        self.find_repo(workspace, repo)
            .map_or(0, |(w, r)| (1..=self.n_pipelines(w, r)).filter(|&b| self.pipeline_meta(w, r, b).created_us >= t).count())
    }

    /// `…/pipelines/{uuid}/steps` of pipeline `build_number` (2-4 steps); empty if unknown.
    pub fn pipeline_steps(&self, workspace: &str, repo: &str, build_number: usize) -> Vec<Value> {
        match self.find_repo(workspace, repo) {
            Some((w, r)) if (1..=self.n_pipelines(w, r)).contains(&build_number) => {
                let m = self.pipeline_meta(w, r, build_number);
                (0..m.steps).map(|j| parse(&self.step_json(w, r, &m, j))).collect()
            }
            _ => Vec::new(),
        }
    }

    pub fn pipeline_step_count(&self, workspace: &str, repo: &str, build_number: usize) -> usize {
        match self.find_repo(workspace, repo) {
            Some((w, r)) if (1..=self.n_pipelines(w, r)).contains(&build_number) => self.pipeline_meta(w, r, build_number).steps,
            _ => 0,
        }
    }
}
