use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "webhooks",
    title: "Webhooks of a repository",
    aliases: &[],
    summary: "Webhook subscriptions of a repository, or of every repository of the workspace: where events \
are delivered and which. Never the secret: Bitbucket does not return it; `secret_set` says whether there is \
one. Needs repository admin.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: columns![REPOSITORY_SLUG, ..HOOK],
    primary_key: &["repository", "uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/hooks", ..Api::LIST },
    ..LIST
};

/// Shared with `workspace-webhooks`: the same subscription objects.
pub const HOOK: [Column; 7] = [
    col("uuid", Text, "uuid", "Webhook UUID."),
    opt("url", Text, "url", "URL the events are delivered to."),
    opt("description", Text, "description", "Description."),
    opt("active", Boolean, "active", "Whether events are delivered."),
    opt("events", Json, "events", "The events subscribed to, e.g. [\"repo:push\", \"pullrequest:created\"]."),
    opt("secret_set", Boolean, "secret_set", "Whether deliveries are signed with a secret (never shown)."),
    opt("created_at", Timestamp, "created_at", "When it was created."),
];
