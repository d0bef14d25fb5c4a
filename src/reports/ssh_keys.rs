use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "ssh-keys",
    title: "SSH keys of a user",
    aliases: &[],
    summary: "The SSH keys of an account (the authenticated user's when `user` is omitted): public keys and \
their fingerprints.",
    params: &[USER_OR_ME],
    columns: columns![
        col("uuid", Text, "uuid", "SSH key UUID."),
        opt("label", Text, "label", "Label given to the key."),
        opt("key", Text, "key", "The public key (OpenSSH format)."),
        opt("comment", Text, "comment", "The comment at the end of the key."),
        opt("fingerprint", Text, "fingerprint", "SHA-256 fingerprint."),
        opt("created_on", Timestamp, "created_on", "When it was added."),
        opt("last_used", Timestamp, "last_used", "When it was last used."),
        opt("expires_on", Timestamp, "expires_on", "When it expires, if it does."),
        ..user!(brief "owner", "owner", "the account"),
    ],
    primary_key: &["uuid"],
    fan_out: Some(super::current_user::CURRENT_USER),
    api: Api { endpoint: "/users/{user}/ssh-keys", ..Api::LIST },
    ..LIST
};
