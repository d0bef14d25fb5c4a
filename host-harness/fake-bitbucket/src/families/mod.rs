//! The object families, one module each, mirroring the guest's
//! `src/reports/`: each holds its seeded data (what is stored and how each
//! object is generated), its endpoint handlers (routed from `routes.rs`) and
//! the public [`Dataset`](crate::Dataset) accessors tests use to compute the
//! expected rows.
//!
//! - `accounts`: the user pool, the authenticated user, emails, workspace
//!   accesses, `/users/{id}`;
//! - `workspaces`: workspaces, members and workspace permissions, projects;
//! - `repositories`: repositories, forks, watchers;
//! - `pull_requests`: pull requests (states, expansions, BBQL), and a
//!   user's across a workspace;
//!   `pr_participants`, `pr_comments`, `pr_activity`: their sub-resources;
//! - `commits`: repository and pull-request commits;
//! - `refs`: branches and tags, and both together (`…/refs`);
//! - `permissions`: branch restrictions, explicit user and group
//!   permissions (of repositories and projects), workspace-level and the
//!   caller's repository permissions;
//! - `reviewers`: default reviewers of repositories and projects, and the
//!   effective ones;
//! - `keys`: deploy keys (repositories, projects), SSH and GPG keys;
//! - `hooks`: webhooks of repositories and workspaces;
//! - `snippets`: snippets of a workspace, their comments and commits;
//! - `pipelines`: pipelines and their steps;
//! - `deployments`: deployments and environments;
//! - `statuses`: commit and pull-request build statuses, Code Insights
//!   reports and annotations;
//! - `reviews`: pull-request tasks, commit comments;
//! - `diffstat`: the files a commit changed;
//! - `pipeline_config`: pipeline caches, schedules, SSH known hosts,
//!   variables (repository, workspace, deployment environment), runners;
//! - `source`: the `src` tree and a file's history;
//! - `retired`: removed endpoints (410 / 404 as on Bitbucket).

pub(crate) mod accounts;
pub(crate) mod commits;
pub(crate) mod deployments;
pub(crate) mod diffstat;
pub(crate) mod hooks;
pub(crate) mod keys;
pub(crate) mod permissions;
pub(crate) mod pipeline_config;
pub(crate) mod pipelines;
pub(crate) mod pr_activity;
pub(crate) mod pr_comments;
pub(crate) mod pr_participants;
pub(crate) mod pull_requests;
pub(crate) mod refs;
pub(crate) mod repositories;
pub(crate) mod retired;
pub(crate) mod reviewers;
pub(crate) mod reviews;
pub(crate) mod snippets;
pub(crate) mod source;
pub(crate) mod statuses;
pub(crate) mod workspaces;
