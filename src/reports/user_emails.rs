use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "user-emails",
    title: "Email addresses of the authenticated user",
    aliases: &["List Account Emails"],
    summary: "The authenticated user's email addresses (API tokens only; another account's addresses cannot be \
read).",
    columns: &[
        col("email", Text, "email", "Address."),
        opt("is_primary", Boolean, "is_primary", "Whether it is the primary address."),
        opt("is_confirmed", Boolean, "is_confirmed", "Whether it was confirmed."),
    ],
    primary_key: &["email"],
    api: Api { endpoint: "/user/emails", ..Api::LIST },
    ..LIST
};
