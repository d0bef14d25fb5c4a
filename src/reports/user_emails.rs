use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "user-emails",
    title: "Email addresses of the authenticated user",
    aliases: &["List Account Emails"],
    summary: "The authenticated user's email addresses (API tokens only; another account's addresses cannot be \
read). On Data Center a user has one address, the primary one, and none where the instance hides it.",
    columns: &[
        col("email", Text, "email", "Address."),
        opt("is_primary", Boolean, "is_primary", "Whether it is the primary address."),
        opt("is_confirmed", Boolean, "is_confirmed", "Whether it was confirmed."),
    ],
    primary_key: &["email"],
    api: Api { endpoint: "/user/emails", ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center, where a user has one address: the authenticated user's
/// `emailAddress` (no row where the instance does not show it).
pub const DATA_CENTER: Report = Report {
    id: "user-emails",
    columns: &[
        col("email", Text, "emailAddress", ""),
        derived("is_primary", Boolean, |_| Some(serde_json::Value::Bool(true))),
        absent("is_confirmed", Boolean),
    ],
    primary_key: &["email"],
    api: Api {
        only: Some(|item| item.matches("name", LOGIN) && item.text("emailAddress").is_some()),
        ..super::current_user::USER_BY_LOGIN
    },
    ..LIST
};
