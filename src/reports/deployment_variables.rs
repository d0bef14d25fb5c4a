use crate::catalog::*;

pub const REPORT: Report = Report {
    id: "deployment-variables",
    title: "Variables of deployment environments",
    aliases: &[],
    summary: "Variables of a deployment environment, or of every environment (of a repository or of the whole \
workspace): names and whether each is secured, never their values.",
    params: &[
        WORKSPACE,
        REPOSITORY_OR_ALL,
        slug_param("environment", false, "Environment {UUID}; omit it to cover every environment."),
    ],
    columns: columns![
        REPOSITORY_SLUG,
        param_col("environment_uuid", "environment", "The environment (see the environments report)."),
        ..super::pipeline_variables::VARIABLE
    ],
    primary_key: &["repository", "environment_uuid", "uuid"],
    fan_out: Some(super::environments::EVERY_ENVIRONMENT),
    api: Api {
        endpoint: "/repositories/{workspace}/{repository}/deployments_config/environments/{environment}/variables",
        ..Api::LIST
    },
    ..LIST
};
