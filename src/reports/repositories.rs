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
    api: Api { endpoint: "/repositories/{workspace}", date_filter: DateFilter::Bbql("updated_on"), ..Api::LIST },
    data_center: Some(&DATA_CENTER),
    ..LIST
};

/// On Data Center: the repositories of a project, by numeric id; no dates.
pub const DATA_CENTER: Report = Report {
    id: "repositories",
    params: &[PROJECT],
    columns: &[
        id_text("uuid", "id"),
        derived("full_name", Text, dc_full_name),
        absent("workspace", Text),
        dc("slug", Text, "slug"),
        dc("name", Text, "name"),
        dc("description", Text, "description"),
        derived("is_private", Boolean, dc_is_private),
        absent("fork_policy", Text),
        absent("language", Text),
        absent("size_bytes", Integer),
        absent("main_branch", Text),
        dc("project_key", Text, "project.key"),
        dc("project_name", Text, "project.name"),
        absent("owner_uuid", Text),
        absent("owner_display_name", Text),
        absent("created_on", Timestamp),
        absent("updated_on", Timestamp),
        dc("html_url", Text, "links.self.0.href"),
    ],
    primary_key: &["uuid"],
    api: Api { endpoint: "/api/latest/projects/{project}/repos", ..Api::DATA_CENTER },
    ..LIST
};

/// Shared with `public-repositories` and `forks`: the same objects.
pub const COLUMNS: &[Column] = columns![
    col("uuid", Text, "uuid", "Repository UUID, in braces (on Data Center: its numeric id)."),
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

/// [`EVERY_REPOSITORY`] on Data Center: every repository of the project.
pub const EVERY_REPOSITORY_DC: FanOut =
    FanOut { param: "repository", parent: &DATA_CENTER, binds: &[("repository", &["slug"])], dates_narrow_parent: false };
