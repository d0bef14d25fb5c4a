//! Pull-request participants and reviewers, derived from the pull request's
//! facts: every date lies between its `created_on` and generated
//! `updated_on`. Shown through the `participants` / `reviewers` expansions.

use crate::dataset::{parse, pick_distinct, Dataset};
use crate::families::pull_requests::{PrCore, PrState};
use crate::json::object;
use crate::seeds::Seed;
use crate::util::{rfc3339_micros, Rng};
use serde_json::Value;

/// One participant of a pull request.
pub(crate) struct Person {
    pub(crate) user: usize,
    pub(crate) reviewer: bool,
    pub(crate) approved: bool,
    pub(crate) changes_requested: bool,
    pub(crate) participated_on: Option<i64>,
}

impl Dataset {
    /// Reviewers (0-2, at least 1 when MERGED) then other participants (0-2);
    /// never the author.
    pub(crate) fn pr_people(&self, w: usize, r: usize, core: &PrCore) -> Vec<Person> {
        let mut rng = Rng::new(&[self.spec.seed, Seed::Participant.key(), w as u64, r as u64, u64::from(core.id)]);
        let merged = core.state == PrState::Merged;
        let n_rev = rng.below(3) as usize + usize::from(merged);
        let n_part = rng.below(3) as usize;
        let users = pick_distinct(&mut rng, self.users.len(), n_rev + n_part, Some(core.author));
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
                Person { user, reviewer, approved, changes_requested, participated_on }
            })
            .collect()
    }

    pub(crate) fn participant_json(&self, p: &Person) -> String {
        object(|o| {
            o.plain("type", "participant")
                .raw("user", &self.users[p.user].json)
                .plain("role", if p.reviewer { "REVIEWER" } else { "PARTICIPANT" })
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

    /// `participants` of one pull request, as in the
    /// `fields=+values.participants` expansion (reviewers first).
    pub fn pull_request_participants(&self, workspace: &str, repo: &str, id: u64) -> Vec<Value> {
        self.pr_index(workspace, repo, id).map_or_else(Vec::new, |(w, r, id)| {
            let core = self.pr_core(w, r, id);
            self.pr_people(w, r, &core).iter().map(|p| parse(&self.participant_json(p))).collect()
        })
    }

    pub fn pull_request_participant_count(&self, workspace: &str, repo: &str, id: u64) -> usize {
        self.pr_index(workspace, repo, id).map_or(0, |(w, r, id)| {
            let core = self.pr_core(w, r, id);
            self.pr_people(w, r, &core).len()
        })
    }
}
