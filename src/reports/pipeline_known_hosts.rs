use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "pipeline-known-hosts",
    title: "Pipelines SSH known hosts of a repository",
    aliases: &[],
    summary: "The SSH hosts Pipelines trusts for a repository (or for every repository of the workspace), with \
their public key fingerprints.",
    params: &[WORKSPACE, REPOSITORY_OR_ALL],
    columns: &[
        REPOSITORY_SLUG,
        col("uuid", Text, "uuid", "Known host UUID."),
        opt("hostname", Text, "hostname", "Host name, with a port if not 22 ([host]:port)."),
        opt("key_type", Text, "public_key.key_type", "Type of the host key, e.g. ssh-ed25519."),
        opt("md5_fingerprint", Text, "public_key.md5_fingerprint", "MD5 fingerprint of the host key."),
        opt("sha256_fingerprint", Text, "public_key.sha256_fingerprint", "SHA-256 fingerprint of the host key."),
    ],
    primary_key: &["repository", "uuid"],
    fan_out: Some(super::repositories::EVERY_REPOSITORY),
    api: Api { endpoint: "/repositories/{workspace}/{repository}/pipelines_config/ssh/known_hosts", ..Api::LIST },
    ..LIST
};
