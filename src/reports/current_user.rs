use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "current-user",
    title: "The authenticated user",
    aliases: &["List Users"],
    summary: "The account the credentials belong to. Bitbucket has no listing of all users; for the users of a \
workspace use `workspace-members`.",
    columns: &[
        col("uuid", Text, "uuid", "UUID of the account."),
        opt("account_id", Text, "account_id", "Atlassian account id."),
        opt("display_name", Text, "display_name", "Display name."),
        opt("nickname", Text, "nickname", "Nickname."),
        opt("created_on", Timestamp, "created_on", "When the account was created."),
        opt("html_url", Text, "links.html.href", "Profile page."),
    ],
    primary_key: &["uuid"],
    api: Api { endpoint: "/user", shape: Shape::Object, ..Api::LIST },
    ..LIST
};

/// Per-user reports read the authenticated user's own objects when `user`
/// is omitted (one parent row: its `{uuid}`).
pub const CURRENT_USER: FanOut =
    FanOut { param: "user", parent: &REPORT, binds: &[("user", &["uuid"])], dates_narrow_parent: false };
