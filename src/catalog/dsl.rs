//! The report DSL: the types a report definition in `reports/` is made of
//! (what it is called, which parameters it takes, which columns it has and
//! where each is read from) and the constructors that keep a definition
//! short. What the API needs to serve a report (path, paging, filters) is
//! grouped in [`Api`]. A report is Bitbucket Cloud's; the same report on
//! Bitbucket Data Center is a second definition beside it
//! (`Report::data_center`), with the same id, column names, types and
//! order, and primary key, but its own parameters (`project` for
//! `workspace`), API group (`Api::DATA_CENTER`: start/limit paging) and
//! column sources (epoch-millisecond dates: `Source::Millis`; values
//! worked out where Data Center says them otherwise: `Source::Derived`;
//! comment threads flattened: `Each::Thread`).

use crate::cells::ColumnType;

pub use connector_vocabulary::ParamKind;

/// A report definition.
pub struct Report {
    /// Stable kebab-case id.
    pub id: &'static str,
    pub title: &'static str,
    /// Other names people know the report by.
    pub aliases: &'static [&'static str],
    /// What the report holds, by hand; `description()` adds where it is
    /// read from and how the date parameters apply.
    pub summary: &'static str,
    /// The parameters beyond the date parameters, which follow from the
    /// date filter (see `accepts`).
    pub params: &'static [Param],
    pub columns: &'static [Column],
    pub primary_key: &'static [&'static str],
    pub status: Status,
    /// When a parameter is omitted, run once per row of another report.
    pub fan_out: Option<FanOut>,
    /// How the API serves the report.
    pub api: Api,
    /// The same report on Bitbucket Data Center, if it has a counterpart
    /// there (on a Data Center definition itself: `None`).
    pub data_center: Option<&'static Report>,
}

/// The defaults every report definition starts from (`..LIST`).
pub const LIST: Report = Report {
    id: "",
    title: "",
    aliases: &[],
    summary: "",
    params: &[],
    columns: &[],
    primary_key: &[],
    status: Status::Available,
    fan_out: None,
    api: Api::LIST,
    data_center: None,
};

/// Where and how the API serves a report.
pub struct Api {
    /// Path template relative to the endpoint (Data Center: to the
    /// instance's `/rest`), with `{param}` placeholders.
    pub endpoint: &'static str,
    /// How the collection is paged.
    pub paging: Paging,
    /// Query parameters sent with the first request (repeatable keys
    /// allowed); a value `{param}` is that parameter's, if given.
    pub query: &'static [(&'static str, &'static str)],
    /// Expansions added to the `fields` parameter (e.g. `+values.participants`).
    pub expand: &'static [&'static str],
    /// The largest page the endpoint serves (Cloud's `pagelen`, Data
    /// Center's `limit`).
    pub page_len: u32,
    /// A paginated list, or a single object (one row).
    pub shape: Shape,
    /// When set, each object yields several rows (e.g. one per element of
    /// a pull request's `participants`); `Source::Parent` reads the object.
    pub each: Option<Each>,
    /// A fixed BBQL filter (`q`), combined with the date filter by AND.
    pub filter: Option<&'static str>,
    /// How `since` / `days-back` narrow what is fetched.
    pub date_filter: DateFilter,
    /// When this parameter is given, read this endpoint instead.
    pub narrowed_by: Option<(&'static str, &'static str)>,
    /// Data Center: the run first learns whose the credentials are (the
    /// login in the `X-AUSERNAME` header of an answer) and takes it as
    /// the parameter [`LOGIN`], e.g. for `filter={login}`.
    pub as_user: bool,
    /// Keep only the objects this says yes to: an exact match, where the
    /// API's filter matches substrings (see [`Item::matches`]).
    pub only: Option<fn(Item) -> bool>,
}

/// The parameter a run with [`Api::as_user`] gets the login in.
pub const LOGIN: &str = "login";

/// The parameter a Data Center run whose columns read it gets the
/// instance in (`git.example.com/bitbucket`, see `Config::instance`):
/// Data Center's rows name it where Cloud's name the workspace.
pub const INSTANCE: &str = "instance";

impl Api {
    /// A paginated collection of 100 a page, with no filter.
    pub const LIST: Api = Api {
        endpoint: "",
        paging: Paging::Cloud,
        query: &[],
        expand: &[],
        page_len: 100,
        shape: Shape::List,
        each: None,
        filter: None,
        date_filter: DateFilter::None,
        narrowed_by: None,
        as_user: false,
        only: None,
    };

    /// A Data Center collection: `start`/`limit` paging, 1,000 a page
    /// (the most Data Center serves; it answers with its own cap, which
    /// paging follows).
    pub const DATA_CENTER: Api = Api { paging: Paging::StartLimit, page_len: 1000, ..Api::LIST };
}

/// How a collection is paged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    /// Bitbucket Cloud: `pagelen`, `next` links, numbered pages (`page`,
    /// `size`) fetched side by side; `fields` asks only for what is read.
    Cloud,
    /// Bitbucket Data Center: `start` and `limit`, `isLastPage`, the next
    /// page from `nextPageStart`.
    StartLimit,
    /// Data Center's `browse`: the same, of the `children` page nested in
    /// the answer, whose `nextPageStart` may be missing (BSERV-12725): the
    /// next page then starts after the values it held.
    Browse,
}

impl Paging {
    /// Whether this is Data Center's paging (start/limit, in any form).
    pub fn is_data_center(self) -> bool {
        matches!(self, Paging::StartLimit | Paging::Browse)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Bitbucket's paginated envelope.
    List,
    /// One JSON object, one row.
    Object,
}

/// How one API object becomes several rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Each {
    /// One row per element of each of these arrays, in order (a single
    /// object at one of them: one row; absent or null: none).
    Items(&'static [&'static str]),
    /// One row per comment of a thread: the comment at `root`, then its
    /// replies under `replies`, depth first (Data Center's comment
    /// activities). A comment already met in an earlier object of the
    /// same walk is left out: the newest activity about a comment comes
    /// first and says what it is now. `Source::Derived` sees the comment
    /// replied to.
    Thread { root: &'static str, replies: &'static str },
}

/// How the date parameters apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateFilter {
    /// The report takes no date parameters.
    None,
    /// Server side: `q=<field> >= <date>` (BBQL).
    Bbql(&'static str),
    /// Client side, for collections that come newest first without BBQL:
    /// paging stops at the first object whose field is older than the date.
    Cutoff(&'static str),
}

/// Run a report once per row of `parent` when `param` is omitted, binding
/// parameters from the parent's columns (e.g. every repository of a
/// workspace: `repository` from the `slug` column).
#[derive(Clone, Copy)]
pub struct FanOut {
    pub param: &'static str,
    pub parent: &'static Report,
    /// `(parameter, parent columns)`: the parameter takes the first of the
    /// columns with a value (a repository by its slug, or by its `{uuid}`
    /// where Bitbucket left the slug out; paths accept both).
    pub binds: &'static [(&'static str, &'static [&'static str])],
    /// Whether `since`/`days-back` also narrow the parent: yes for pull
    /// requests and pipelines (what changed since), no for repositories (a
    /// repository not pushed to lately still has new pull requests).
    pub dates_narrow_parent: bool,
}

/// Whether a report can run.
pub enum Status {
    Available,
    RetiredUpstream { since: &'static str, reason: &'static str, replacement: Option<&'static str> },
}

/// A parameter a report accepts.
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
    /// For text: what the value may hold, as it lands in a URL path.
    pub text: TextRule,
    pub required: bool,
    pub default: Option<&'static str>,
    pub description: &'static str,
}

/// What a text parameter's value may hold: values land in URL paths, so a
/// stray `/`, `?` or `..` must never change which endpoint is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextRule {
    /// A slug or {UUID}: one path segment.
    Slug,
    /// A commit hash or branch name: one path segment that may hold `/`
    /// (branch names do; it is percent-encoded).
    RefName,
    /// A path inside the repository: spans segments, and, omitted, leaves
    /// the trailing slash of the root.
    RepoPath,
    /// A user's {UUID} or Atlassian account id (`557058:…`): one path
    /// segment that may hold `:`.
    Account,
}

/// Where a column's value comes from.
#[derive(Clone, Copy)]
pub enum Source {
    /// A dotted path into the API object (`author.user.uuid`), or into the
    /// array element when the report has `each`.
    Field(&'static str),
    /// A dotted path into the enclosing object, for reports with `each`.
    Parent(&'static str),
    /// The value of a run parameter (e.g. the repository slug).
    Param(&'static str),
    /// The first of several paths that has a value (objects whose shape
    /// depends on their kind, like pull-request activity).
    FirstOf(&'static [&'static str]),
    /// The name of the first of these keys the object has (its kind).
    KeyOf(&'static [&'static str]),
    /// A date written as epoch milliseconds (Data Center's), at a dotted
    /// path into the object, as an RFC 3339 timestamp.
    Millis(&'static str),
    /// A numeric id at a dotted path, as text (Data Center's numeric ids,
    /// in a column Cloud fills with a `{UUID}`).
    IdText(&'static str),
    /// A value this product does not have: always null.
    Absent,
    /// Worked out from the object, the enclosing object and the comment
    /// replied to, where a value is not at one path (Data Center's
    /// anchors and review states, told in Cloud's words).
    Derived(fn(Item) -> Option<serde_json::Value>),
}

/// What a [`Source::Derived`] column sees of one row's origin.
#[derive(Clone, Copy)]
pub struct Item<'a> {
    /// The object the row is made from (the array element with `each`).
    pub object: &'a serde_json::Value,
    /// The enclosing object (with `each`; else the object itself).
    pub parent: &'a serde_json::Value,
    /// With `Each::Thread`: the comment this one replies to.
    pub replied_to: Option<&'a serde_json::Value>,
    /// The run's parameters.
    pub params: &'a super::Params,
}

impl Item<'_> {
    /// The text at `path` of the object.
    pub fn text(&self, path: &str) -> Option<&str> {
        crate::cells::lookup(self.object, path)?.as_str()
    }

    /// Whether the text at `path` of the object is the parameter `param`'s
    /// value, ignoring case (Data Center's user and group names are).
    pub fn matches(&self, path: &str, param: &str) -> bool {
        self.text(path).zip(self.params.get(param)).is_some_and(|(text, value)| text.eq_ignore_ascii_case(value))
    }

    /// The value at `path` of the object.
    pub fn value(&self, path: &str) -> Option<serde_json::Value> {
        crate::cells::lookup(self.object, path).cloned()
    }

    /// Data Center's word at `path` in Cloud's words, by `table`
    /// (`("NEEDS_WORK", "changes_requested")`); a word the table lacks is
    /// as `unlisted` says.
    pub fn word(&self, path: &str, table: &[(&str, &str)], unlisted: Unlisted) -> Option<serde_json::Value> {
        let word = self.text(path)?;
        let cloud = match table.iter().find(|(dc, _)| *dc == word) {
            Some((_, cloud)) => cloud.to_string(),
            None => match unlisted {
                Unlisted::Null => return None,
                Unlisted::Lowercase => word.to_ascii_lowercase(),
            },
        };
        Some(serde_json::Value::String(cloud))
    }
}

/// What [`Item::word`] makes of a word its table lacks.
#[derive(Clone, Copy)]
pub enum Unlisted {
    /// Null: Cloud has no such value.
    Null,
    /// The word in lower case (Data Center's own value, told as Cloud tells its own).
    Lowercase,
}

/// A column and how it is filled.
#[derive(Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub nullable: bool,
    pub source: Source,
    pub description: &'static str,
}

/// A column that is never null: a key, or a field the API schema requires.
pub const fn col(name: &'static str, ty: ColumnType, path: &'static str, description: &'static str) -> Column {
    Column { name, ty, nullable: false, source: Source::Field(path), description }
}

/// A column that may be null or absent in the API object.
pub const fn opt(name: &'static str, ty: ColumnType, path: &'static str, description: &'static str) -> Column {
    Column { name, ty, nullable: true, source: Source::Field(path), description }
}

/// A column with the value of a run parameter.
pub const fn param_col(name: &'static str, param: &'static str, description: &'static str) -> Column {
    Column { name, ty: ColumnType::Text, nullable: false, source: Source::Param(param), description }
}

/// A column read from the enclosing object of a report with `each`.
pub const fn parent_col(name: &'static str, ty: ColumnType, path: &'static str, description: &'static str) -> Column {
    Column { name, ty, nullable: false, source: Source::Parent(path), description }
}

/// A column read from the enclosing object, which may be null or absent there.
pub const fn parent_opt(name: &'static str, ty: ColumnType, path: &'static str, description: &'static str) -> Column {
    Column { nullable: true, ..parent_col(name, ty, path, description) }
}

/// A date Data Center writes as epoch milliseconds, which may be absent.
pub const fn millis(name: &'static str, path: &'static str) -> Column {
    Column { name, ty: ColumnType::Timestamp, nullable: true, source: Source::Millis(path), description: "" }
}

/// A column the product does not have: null in every row.
pub const fn absent(name: &'static str, ty: ColumnType) -> Column {
    Column { name, ty, nullable: true, source: Source::Absent, description: "" }
}

/// A numeric id as text, which is never null (Data Center's ids, where
/// Cloud's are `{UUID}`s).
pub const fn id_text(name: &'static str, path: &'static str) -> Column {
    Column { name, ty: ColumnType::Text, nullable: false, source: Source::IdText(path), description: "" }
}

/// A column worked out by `derive` (see [`Source::Derived`]), which may be null.
pub const fn derived(name: &'static str, ty: ColumnType, derive: fn(Item) -> Option<serde_json::Value>) -> Column {
    Column { name, ty, nullable: true, source: Source::Derived(derive), description: "" }
}

/// A column Data Center reads like Cloud, from its own `path`.
pub const fn dc(name: &'static str, ty: ColumnType, path: &'static str) -> Column {
    opt(name, ty, path, "")
}

/// A column Cloud does not have (null there) that Data Center fills: its
/// definition says where from.
pub const fn absent_on_cloud(name: &'static str, ty: ColumnType, description: &'static str) -> Column {
    Column { description, ..absent(name, ty) }
}
