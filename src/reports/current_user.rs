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
        opt("nickname", Text, "nickname", "Nickname (on Data Center: the login)."),
        opt("created_on", Timestamp, "created_on", "When the account was created."),
        opt("html_url", Text, "links.html.href", "Profile page."),
        absent_on_cloud("slug", Text, "Data Center only: the user's slug, as URLs name the user."),
        absent_on_cloud("email", Text, "Data Center only: the email address, where the instance shows it."),
    ],
    primary_key: &["uuid"],
    api: Api { endpoint: "/user", shape: Shape::Object, ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// Per-user reports read the authenticated user's own objects when `user`
/// is omitted (one parent row: its `{uuid}`).
pub const CURRENT_USER: FanOut =
    FanOut { param: "user", parent: &REPORT, binds: &[("user", &["uuid"])], dates_narrow_parent: false };

/// On Data Center, which has no `/user`: the run learns the login from the
/// `X-AUSERNAME` header, then reads that user from the instance's users.
pub const DATA_CENTER: Report = Report {
    id: "current-user",
    columns: &[
        id_text("uuid", "id"),
        absent("account_id", Text),
        dc("display_name", Text, "displayName"),
        dc("nickname", Text, "name"),
        absent("created_on", Timestamp),
        dc("html_url", Text, "links.self.0.href"),
        dc("slug", Text, "slug"),
        dc("email", Text, "emailAddress"),
    ],
    primary_key: &["uuid"],
    api: USER_BY_LOGIN,
    ..LIST
};

/// The user the credentials belong to, on Data Center: the instance's users
/// filtered by the login (`filter` matches substrings of names, display
/// names and emails; only the user of that name is kept).
pub const USER_BY_LOGIN: Api = Api {
    endpoint: "/api/latest/users",
    query: &[("filter", "{login}")],
    as_user: true,
    only: Some(|item| item.matches("name", LOGIN)),
    ..Api::DATA_CENTER
};
