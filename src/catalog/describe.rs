//! A report's description as `list-reports` gives it: the hand-written
//! summary, then what follows from the structured fields (the endpoint
//! read, the page size, how the date parameters apply, and the same on
//! Data Center), so those sentences cannot drift from what the connector
//! does.

use super::dsl::{DateFilter, Each, Report, Shape, Status};

impl Report {
    /// The summary, where the rows are read from, and how dates apply.
    pub fn description(&self) -> String {
        if let Status::RetiredUpstream { .. } = self.status {
            return self.summary.to_string();
        }
        let api = &self.api;
        let mut text = format!("{} Read from GET {}", self.summary, api.endpoint);
        if let Some((param, endpoint)) = api.narrowed_by {
            text += &format!(" (GET {endpoint} when `{param}` is given)");
        }
        if !api.expand.is_empty() {
            text += &format!(" with fields={}", api.expand.join(","));
        }
        if api.shape == Shape::List {
            text += &format!(", {} per page", api.page_len);
        }
        match api.each {
            Some(Each::Items(paths)) => text += &format!(", one row per element of each object's `{}`", paths.join("`, `")),
            Some(Each::Thread { root, replies }) => {
                text += &format!(", one row per comment of each object's `{root}` and of its `{replies}`, replies flattened")
            }
            None => {}
        }
        text += ".";
        if let Some(dates) = self.date_sentence() {
            text += " ";
            text += &dates;
        }
        if let Some(dc) = self.data_center {
            text += &format!(" On Bitbucket Data Center: GET /rest{}", dc.api.endpoint);
            if dc.param("project").is_some() {
                text += ", by `project`";
            }
            if dc.api.as_user {
                text += ", as the user the credentials belong to (the login in the X-AUSERNAME header of a first request)";
            }
            if dc.api.only.is_some() {
                text += ", keeping only exact matches of its substring filter";
            }
            text += &match dc.date_sentence() {
                Some(dates) => format!("; {}", dates[..1].to_lowercase() + &dates[1..]),
                None => ".".to_string(),
            };
        }
        text
    }

    /// How `since`, `days-back` and `changed-after` narrow the report.
    fn date_sentence(&self) -> Option<String> {
        const DATES: &str = "`since`/`days-back`/`changed-after`/`changed-before`";
        match self.api.date_filter {
            DateFilter::Bbql(field) => Some(format!("{DATES} filter server side on {field} (BBQL).")),
            DateFilter::Cutoff(field) => Some(format!(
                "The endpoint has no date filter and lists newest first, so {DATES} stop paging at the first object \
                 older than the date (client side, on {field})."
            )),
            DateFilter::None => match self.fan_out.filter(|f| f.dates_narrow_parent) {
                Some(fan) => {
                    let how = match fan.parent.api.date_filter {
                        DateFilter::Bbql(field) => format!("server side on their {field} (BBQL)"),
                        DateFilter::Cutoff(field) => format!("client side on their {field}, newest first"),
                        DateFilter::None => "not at all".to_string(),
                    };
                    Some(format!("{DATES} select the {} visited when `{}` is omitted, {how}.", fan.parent.id, fan.param))
                }
                None if self.api.shape == Shape::List => Some("The endpoint has no date filter.".into()),
                None => None,
            },
        }
    }
}
