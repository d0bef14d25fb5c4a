use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "gpg-keys",
    title: "GPG keys of a user",
    aliases: &[],
    summary: "The GPG keys of an account (the authenticated user's when `user` is omitted), for signed commits: \
public keys, ids and fingerprints; subkeys as a json list.",
    params: &[USER_OR_ME],
    columns: columns![
        col("key_id", Text, "key_id", "Key id."),
        opt("fingerprint", Text, "fingerprint", "Fingerprint."),
        opt("name", Text, "name", "Label given to the key."),
        opt("key", Text, "key", "The public key (ASCII-armored)."),
        opt("created_on", Timestamp, "created_on", "When the key was created."),
        opt("added_on", Timestamp, "added_on", "When it was added to the account."),
        opt("last_used", Timestamp, "last_used", "When it was last used."),
        opt("expires_on", Timestamp, "expires_on", "When it expires, if it does."),
        opt("subkeys", Json, "subkeys", "Its subkeys (key_id, fingerprint, dates)."),
        ..user!(brief "owner", "owner", "the account"),
    ],
    primary_key: &["key_id"],
    fan_out: Some(super::current_user::CURRENT_USER),
    api: Api { endpoint: "/users/{user}/gpg-keys", ..Api::LIST },
    ..LIST
};
