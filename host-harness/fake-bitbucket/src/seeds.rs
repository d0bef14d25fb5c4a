//! The seed-key table: every stream of seeded randomness in the dataset, by
//! name, in one place. A generator mixes `(dataset seed, key, indexes…)`
//! (see `util::mix`, `util::Rng`), so two streams with the same key would
//! draw the same numbers; as enum discriminants the keys cannot collide.
//! The values are part of the dataset: changing one changes every object of
//! that stream (the tests pin generated values), so new streams take new
//! numbers.

/// One stream of seeded randomness (its family module in brackets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Seed {
    /// The user pool (uuids, names, avatars) (`accounts`).
    User = 1,
    /// Workspace uuids (`workspaces`).
    Workspace = 2,
    /// Project uuids (`workspaces`).
    Project = 3,
    /// Repository sizes, flags and uuids (`repositories`).
    Repository = 4,
    /// Pull request facts (author, branches, dates) (`pull_requests`).
    PullRequest = 5,
    /// Pull request states (`pull_requests`).
    PullRequestState = 6,
    /// Pull request source / merge commit hashes (`pull_requests`).
    PullRequestHash = 7,
    /// Commit authors, messages and dates (`commits`).
    Commit = 8,
    /// Commit hashes (`commits`).
    CommitHash = 9,
    /// The authenticated user (`accounts`).
    CurrentUser = 30,
    /// Workspace membership (`workspaces`).
    Member = 31,
    /// Project descriptions and flags (`workspaces`).
    ProjectMeta = 32,
    /// Workspace flags (`workspaces`).
    WorkspaceMeta = 33,
    /// Workspace-level repository permissions (`permissions`).
    WorkspaceRepoPermission = 34,
    /// Branches (`refs`).
    Branch = 40,
    /// Tags (`refs`).
    Tag = 41,
    /// Forks (`repositories`).
    Fork = 42,
    /// Watchers (`repositories`).
    Watcher = 43,
    /// Branch restrictions (`permissions`).
    BranchRestriction = 44,
    /// Explicit user permissions (`permissions`).
    UserPermission = 45,
    /// Pipelines (`pipelines`).
    Pipeline = 46,
    /// Pipeline uuids (`pipelines`).
    PipelineUuid = 47,
    /// Pipeline steps (`pipelines`).
    PipelineStep = 48,
    /// Deployments (`deployments`).
    Deployment = 49,
    /// Environments (`deployments`).
    Environment = 50,
    /// Groups and group permissions (`permissions`).
    Group = 51,
    /// Pull request participants and reviewers (`pr_participants`).
    Participant = 60,
    /// Pull request comments (`pr_comments`).
    Comment = 61,
    /// The commits of a pull request (`commits`).
    PullRequestCommits = 62,
    /// Commit build statuses (`statuses`).
    CommitStatus = 100,
    /// Pull request build statuses (`statuses`).
    PullRequestStatus = 101,
    /// Code Insights reports (`statuses`).
    InsightsReport = 102,
    /// Code Insights annotations (`statuses`).
    Annotation = 103,
    /// Pull request tasks (`reviews`).
    Task = 104,
    /// Commit comments (`reviews`).
    CommitComment = 105,
    /// Files changed by a commit (`diffstat`).
    Diffstat = 106,
    /// Pipeline caches (`pipeline_config`).
    PipelineCache = 107,
    /// Pipeline schedules (`pipeline_config`).
    PipelineSchedule = 108,
    /// Pipelines SSH known hosts (`pipeline_config`).
    KnownHost = 109,
    /// Pipeline variables, repository and workspace (`pipeline_config`).
    PipelineVariable = 110,
    /// Deployment environment variables (`pipeline_config`).
    DeploymentVariable = 111,
    /// Pipelines runners, repository and workspace (`pipeline_config`).
    Runner = 112,
    /// Default reviewers of repositories and projects (`reviewers`).
    DefaultReviewer = 200,
    /// Deploy keys of repositories and projects (`keys`).
    DeployKey = 201,
    /// SSH and GPG keys of accounts (`keys`).
    UserKey = 202,
    /// Webhooks of repositories and workspaces (`hooks`).
    Webhook = 203,
    /// Explicit user and group permissions of projects (`permissions`).
    ProjectPermission = 204,
    /// Snippets, their comments and commits (`snippets`).
    Snippet = 205,
    /// The commits that changed a file (`source`).
    FileHistory = 206,
    /// Data Center repository facts (`dc::data`).
    DcRepository = 301,
    /// Data Center pull requests, their activities and comments (`dc::data`).
    DcPullRequest = 302,
    /// Data Center commits (`dc::data`).
    DcCommit = 304,
    /// Data Center branches and tags (`dc::data`).
    DcRef = 305,
    /// Data Center permissions (`dc::data`).
    DcPermission = 306,
}

impl Seed {
    /// The key mixed into every draw of this stream.
    pub(crate) const fn key(self) -> u64 {
        self as u64
    }
}
