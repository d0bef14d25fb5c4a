//! Column groups several reports share, each written once: the run's
//! repository, workspace and pull request, a user object (`user!`) and a
//! commit's git author (`git_author!`). A report lists its columns with
//! `columns![…]`, where `..group` spreads a group in place:
//!
//! ```ignore
//! columns: columns![
//!     REPOSITORY_SLUG,
//!     col("id", Integer, "id", "Pull request number within the repository."),
//!     ..user!("author", "author", "the author"),
//! ],
//! ```

use super::dsl::{param_col, Column, Item};
use crate::cells::ColumnType;

/// The slug of the repository the report ran on.
pub const REPOSITORY_SLUG: Column = param_col("repository", "repository", "Slug of the repository.");

/// The slug of the workspace the report ran on.
pub const WORKSPACE_SLUG: Column = param_col("workspace", "workspace", "Workspace slug.");

/// The key of the project the report ran on.
pub const PROJECT_KEY: Column = param_col("project", "project", "Key of the project.");

/// The number of the pull request the report ran on.
pub const PULL_REQUEST_ID: Column =
    Column { ty: ColumnType::Integer, ..param_col("pull_request_id", "pull-request", "The pull request.") };

/// The columns, in order, and the columns of each `..group`, as one
/// `&'static [Column]`.
macro_rules! columns {
    (@parts [$($part:expr,)*]) => {{
        const PARTS: &[&[$crate::catalog::Column]] = &[$($part,)*];
        const COLUMNS: [$crate::catalog::Column; $crate::catalog::total_len(PARTS)] = $crate::catalog::concat(PARTS);
        &COLUMNS
    }};
    (@parts [$($part:expr,)*] .. $group:expr $(, $($rest:tt)*)?) => {
        $crate::catalog::columns!(@parts [$($part,)* &$group,] $($($rest)*)?)
    };
    (@parts [$($part:expr,)*] $column:expr $(, $($rest:tt)*)?) => {
        $crate::catalog::columns!(@parts [$($part,)* &[$column],] $($($rest)*)?)
    };
    ($($items:tt)*) => {
        $crate::catalog::columns!(@parts [] $($items)*)
    };
}

/// A user object at `$path`, as columns `$name_uuid`, `$name_account_id`
/// and `$name_display_name`, described as "… of `$whose`". `key` makes the
/// UUID not null (it is part of the primary key); `brief` leaves out the
/// account id.
macro_rules! user {
    ($name:literal, $path:literal, $whose:literal) => {
        [
            $crate::catalog::user!(@uuid $crate::catalog::opt, $name, $path, $whose),
            $crate::catalog::user!(@account_id $name, $path, $whose),
            $crate::catalog::user!(@display_name $name, $path, $whose),
        ]
    };
    (key $name:literal, $path:literal, $whose:literal) => {
        [
            $crate::catalog::user!(@uuid $crate::catalog::col, $name, $path, $whose),
            $crate::catalog::user!(@account_id $name, $path, $whose),
            $crate::catalog::user!(@display_name $name, $path, $whose),
        ]
    };
    (brief $name:literal, $path:literal, $whose:literal) => {
        [
            $crate::catalog::user!(@uuid $crate::catalog::opt, $name, $path, $whose),
            $crate::catalog::user!(@display_name $name, $path, $whose),
        ]
    };
    (@uuid $make:path, $name:literal, $path:expr, $whose:expr) => {
        $make(
            concat!($name, "_uuid"),
            $crate::cells::ColumnType::Text,
            concat!($path, ".uuid"),
            concat!("UUID of ", $whose, "."),
        )
    };
    (@account_id $name:literal, $path:expr, $whose:expr) => {
        $crate::catalog::opt(
            concat!($name, "_account_id"),
            $crate::cells::ColumnType::Text,
            concat!($path, ".account_id"),
            concat!("Atlassian account id of ", $whose, "."),
        )
    };
    (@display_name $name:literal, $path:expr, $whose:expr) => {
        $crate::catalog::opt(
            concat!($name, "_display_name"),
            $crate::cells::ColumnType::Text,
            concat!($path, ".display_name"),
            concat!("Display name of ", $whose, "."),
        )
    };
}

/// A commit's git author at `$path` (`{raw, user}`), as columns
/// `$name_raw`, `$name_uuid`, `$name_account_id` and `$name_display_name`,
/// all nullable. `brief` leaves out the account id.
macro_rules! git_author {
    ($name:literal, $path:literal) => {
        [
            $crate::catalog::git_author!(@raw $name, $path),
            $crate::catalog::git_author!(@uuid $name, $path),
            $crate::catalog::git_author!(@account_id $name, $path),
            $crate::catalog::git_author!(@display_name $name, $path),
        ]
    };
    (brief $name:literal, $path:literal) => {
        [
            $crate::catalog::git_author!(@raw $name, $path),
            $crate::catalog::git_author!(@uuid $name, $path),
            $crate::catalog::git_author!(@display_name $name, $path),
        ]
    };
    (@raw $name:literal, $path:literal) => {
        $crate::catalog::opt(
            concat!($name, "_raw"),
            $crate::cells::ColumnType::Text,
            concat!($path, ".raw"),
            "The commit's author as recorded in git: `Name <email>`.",
        )
    };
    (@uuid $name:literal, $path:literal) => {
        $crate::catalog::user!(
            @uuid $crate::catalog::opt,
            $name,
            concat!($path, ".user"),
            "the commit author's Bitbucket account, when known"
        )
    };
    (@account_id $name:literal, $path:literal) => {
        $crate::catalog::user!(@account_id $name, concat!($path, ".user"), "the commit author, when known")
    };
    (@display_name $name:literal, $path:literal) => {
        $crate::catalog::user!(@display_name $name, concat!($path, ".user"), "the commit author's account, when known")
    };
}

/// [`user!`]'s columns on Data Center, from its user object at `$path`
/// (`{id, name, slug, displayName}`): the numeric id as the uuid (no
/// Atlassian account ids there). `key`, `brief`: as for `user!`.
macro_rules! dc_user {
    ($name:literal, $path:literal) => {
        [
            $crate::catalog::dc_user!(@uuid true, $name, $path),
            $crate::catalog::absent(concat!($name, "_account_id"), $crate::cells::ColumnType::Text),
            $crate::catalog::dc(concat!($name, "_display_name"), $crate::cells::ColumnType::Text, concat!($path, ".displayName")),
        ]
    };
    (key $name:literal, $path:literal) => {
        [
            $crate::catalog::dc_user!(@uuid false, $name, $path),
            $crate::catalog::absent(concat!($name, "_account_id"), $crate::cells::ColumnType::Text),
            $crate::catalog::dc(concat!($name, "_display_name"), $crate::cells::ColumnType::Text, concat!($path, ".displayName")),
        ]
    };
    (brief $name:literal, $path:literal) => {
        [
            $crate::catalog::dc_user!(@uuid true, $name, $path),
            $crate::catalog::dc(concat!($name, "_display_name"), $crate::cells::ColumnType::Text, concat!($path, ".displayName")),
        ]
    };
    (@uuid $nullable:literal, $name:literal, $path:literal) => {
        $crate::catalog::Column {
            nullable: $nullable,
            ..$crate::catalog::id_text(concat!($name, "_uuid"), concat!($path, ".id"))
        }
    };
}

pub(crate) use {columns, dc_user, git_author, user};

/// How many columns the parts of `columns!` hold.
pub const fn total_len(parts: &[&[Column]]) -> usize {
    let (mut n, mut i) = (0, 0);
    while i < parts.len() {
        n += parts[i].len();
        i += 1;
    }
    n
}

/// The parts of `columns!`, one after another.
pub const fn concat<const N: usize>(parts: &[&[Column]]) -> [Column; N] {
    let mut out = [param_col("", "", ""); N];
    let (mut n, mut i) = (0, 0);
    while i < parts.len() {
        let mut k = 0;
        while k < parts[i].len() {
            out[n] = parts[i][k];
            n += 1;
            k += 1;
        }
        i += 1;
    }
    assert!(n == N, "columns!: wrong length");
    out
}

/// Data Center's permission (`REPO_WRITE`, `PROJECT_ADMIN`) in Cloud's
/// words: its level in lower case (`write`, `admin`).
pub fn dc_permission(item: Item) -> Option<serde_json::Value> {
    let level = item.text("permission")?.rsplit('_').next()?;
    Some(serde_json::Value::String(level.to_ascii_lowercase()))
}

/// Whether a Data Center project or repository is private: not `public`.
pub fn dc_is_private(item: Item) -> Option<serde_json::Value> {
    Some(serde_json::Value::Bool(!item.object.get("public")?.as_bool()?))
}

/// A Data Center repository's `PROJECT/slug`, where Cloud's full name is
/// `workspace/slug`.
pub fn dc_full_name(item: Item) -> Option<serde_json::Value> {
    Some(serde_json::Value::String(format!("{}/{}", item.text("project.key")?, item.text("slug")?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{col, opt, Source};
    use crate::cells::ColumnType::*;

    #[test]
    fn columns_spreads_groups_in_place_and_in_order() {
        const COLUMNS: &[Column] = columns![
            REPOSITORY_SLUG,
            col("id", Integer, "id", "Id."),
            ..user!(key "user", "user", "the member"),
            ..git_author!(brief "author", "commit.author"),
            opt("last", Text, "last", "Last."),
        ];
        let names: Vec<_> = COLUMNS.iter().map(|c| (c.name, c.nullable)).collect();
        assert_eq!(
            names,
            [
                ("repository", false),
                ("id", false),
                ("user_uuid", false),
                ("user_account_id", true),
                ("user_display_name", true),
                ("author_raw", true),
                ("author_uuid", true),
                ("author_display_name", true),
                ("last", true),
            ]
        );
        assert!(matches!(COLUMNS[7].source, Source::Field("commit.author.user.display_name")));
        assert_eq!(COLUMNS[3].description, "Atlassian account id of the member.");
    }
}
