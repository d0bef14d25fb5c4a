use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "workspace-webhooks",
    title: "Webhooks of a workspace",
    aliases: &[],
    summary: "Webhook subscriptions set on a workspace (events of all its repositories): where events are \
delivered and which. Never the secret: Bitbucket does not return it; `secret_set` says whether there is one. \
Needs workspace admin.",
    params: &[WORKSPACE],
    columns: columns![WORKSPACE_SLUG, ..super::webhooks::HOOK],
    primary_key: &["workspace", "uuid"],
    api: Api { endpoint: "/workspaces/{workspace}/hooks", ..Api::LIST },
    ..LIST
};
