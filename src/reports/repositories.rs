use crate::catalog::*;
use crate::cells::ColumnType::*;

pub const REPORT: Report = Report {
    id: "repositories",
    title: "Repositories of a workspace",
    aliases: &["List All Repositories for Owner", "List Team Repositories"],
    summary: "Every repository in a workspace that the credentials can see.",
    params: &[WORKSPACE],
    columns: COLUMNS,
    primary_key: &["uuid"],
    cloud: Cloud { endpoint: "/repositories/{workspace}", date_filter: DateFilter::Bbql("updated_on"), ..Cloud::LIST },
    ..LIST
};

/// Shared with `public-repositories` and `forks`: the same objects.
pub const COLUMNS: &[Column] = columns![
    col("uuid", Text, "uuid", "Repository UUID, in braces."),
    opt("full_name", Text, "full_name", "workspace/slug."),
    opt("workspace", Text, "workspace.slug", "Workspace slug."),
    opt(
        "slug",
        Text,
        "slug",
        "Repository slug, as used in URLs; Bitbucket may leave it out (the uuid then stands in for it in paths)."
    ),
    opt("name", Text, "name", "Display name."),
    opt("description", Text, "description", "Description."),
    opt("is_private", Boolean, "is_private", "Whether the repository is private."),
    opt("fork_policy", Text, "fork_policy", "allow_forks, no_public_forks or no_forks."),
    opt("language", Text, "language", "Main language, as set by the owner."),
    opt("size_bytes", Integer, "size", "Size of the repository in bytes."),
    opt("main_branch", Text, "mainbranch.name", "Name of the main branch."),
    opt("project_key", Text, "project.key", "Key of the project the repository belongs to."),
    opt("project_name", Text, "project.name", "Name of that project."),
    ..user!(brief "owner", "owner", "the owning account"),
    opt("created_on", Timestamp, "created_on", "When the repository was created."),
    opt("updated_on", Timestamp, "updated_on", "When the repository was last updated."),
    opt("html_url", Text, "links.html.href", "Web page of the repository."),
];

/// Per-repository reports cover every repository of the workspace when
/// `repository` is omitted.
pub const EVERY_REPOSITORY: FanOut =
    FanOut { param: "repository", parent: &REPORT, binds: &[("repository", &["slug", "uuid"])], dates_narrow_parent: false };
