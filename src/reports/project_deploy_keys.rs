use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "project-deploy-keys",
    title: "Deploy keys of a project",
    aliases: &[],
    summary: "SSH keys with read access to every repository of a project (public keys only), of one project \
or of every project of the workspace. Needs project admin.",
    params: &[WORKSPACE, PROJECT_OR_ALL],
    columns: columns![PROJECT_KEY, ..*super::deploy_keys::KEY, ..user!(brief "created_by", "created_by", "who added it"),],
    primary_key: &["project", "id"],
    fan_out: Some(super::projects::EVERY_PROJECT),
    api: Api { endpoint: "/workspaces/{workspace}/projects/{project}/deploy-keys", ..Api::LIST },
    ..LIST
};
