use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "deploy-keys",
    title: "Deploy keys of a repository",
    aliases: &[],
    summary: "SSH keys with access to a repository (public keys only), of one repository or of every \
repository of the workspace. Needs repository admin.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: columns![REPOSITORY_SLUG, ..*KEY, ..user!(brief "owner", "owner", "who added it"),],
    primary_key: &["repository", "id"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/deploy-keys", ..Api::LIST },
    ..LIST
};

/// A deploy key's own columns, shared with `project-deploy-keys`.
pub const KEY: &[Column] = &[
    col("id", Integer, "id", "Deploy key id."),
    opt("label", Text, "label", "Label given to the key."),
    opt("key", Text, "key", "The public key (OpenSSH format)."),
    opt("comment", Text, "comment", "The comment at the end of the key."),
    opt("added_on", Timestamp, "added_on", "When it was added."),
    opt("last_used", Timestamp, "last_used", "When it was last used."),
];
