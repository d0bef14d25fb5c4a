//! bitbucket-connector: a Bitbucket Cloud data connector as a WASI Preview 2
//! component. This file is the glue between the WIT contract
//! (`wit/connector.wit`) and the modules that do the work:
//!
//! - `config`: the configuration document, validated offline;
//! - `catalog`: what a report is (the DSL), its parameters checked, its
//!   first request planned, its API objects mapped to rows;
//! - `reports/`: the catalog, one declarative definition per report;
//! - `run`: a report run, its requests through one sliding window, rows in
//!   the order sent: a collection's pages, or a fan-out over a parent
//!   report's rows;
//! - `client`: authenticated requests behind the origin wall, Bitbucket's
//!   envelopes, OAuth; the wire is its `Transport` trait;
//! - `retry`: the one retry loop, backoff and the request budget;
//! - `http`: the `Transport` over the host's wasi:http (component only);
//! - `cells`: JSON to typed cells; `time`: dates; `error`: typed errors;
//! - `url`: the URLs it parses and builds (ASCII hosts, no IDNA tables).

pub mod catalog;
pub mod cells;
pub mod client;
pub mod config;
pub mod error;
pub mod reports;
pub mod retry;
pub mod run;
#[cfg(test)]
mod test_support;
pub mod time;
pub mod url;

#[cfg(target_arch = "wasm32")]
mod http;

// The bindings wit-bindgen generates use `unsafe` for the canonical ABI;
// nothing else in the component does.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod component {
    use crate::catalog::{ParamKind, Report, Status};
    use crate::cells::{Cell, ColumnType};
    use crate::config::{Config, Product};
    use crate::error::{Error, ErrorCode};
    use crate::http::WasiHttp;
    use crate::reports;
    use std::cell::RefCell;

    wit_bindgen::generate!({
        path: "wit",
        world: "bitbucket-connector",
        with: {
            "wasi:http/types@0.2.12": wasi::http::types,
            "wasi:http/outgoing-handler@0.2.12": wasi::http::outgoing_handler,
            "wasi:io/error@0.2.12": wasi::io::error,
            "wasi:io/poll@0.2.12": wasi::io::poll,
            "wasi:io/streams@0.2.12": wasi::io::streams,
            "wasi:clocks/monotonic-clock@0.2.12": wasi::clocks::monotonic_clock,
        },
    });

    use bitbucket::connector::types as wit;
    use exports::bitbucket::connector::connector as api;

    thread_local! {
        /// The configuration of this instance (one tenant per instance).
        static CONFIG: RefCell<Option<Config>> = const { RefCell::new(None) };
    }

    struct Connector;

    /// A run as the host sees it.
    pub struct RunResource(RefCell<crate::run::Run<WasiHttp>>);

    impl api::Guest for Connector {
        type Run = RunResource;

        fn configure(config: String) -> Result<(), wit::ConnectorError> {
            // A rejected configuration also clears the previous one: fail
            // closed rather than keep running on credentials the host replaced.
            let config = Config::parse(&config);
            let result = config.as_ref().map(|_| ()).map_err(|e| to_wit_error(e.clone()));
            CONFIG.with(|c| *c.borrow_mut() = config.ok());
            result
        }

        fn rotated_refresh_token() -> Option<String> {
            CONFIG.with(|c| match &c.borrow().as_ref()?.auth {
                crate::config::Auth::OAuth(oauth) => {
                    let tokens = oauth.tokens.borrow();
                    tokens.rotated.then(|| tokens.refresh_token.clone()).flatten()
                }
                _ => None,
            })
        }

        fn list_reports() -> Vec<wit::ReportInfo> {
            reports::ALL.iter().map(|r| report_info(r)).collect()
        }

        fn list_partitions(report_id: String, params: Vec<(String, String)>) -> Result<Vec<wit::Partition>, wit::ConnectorError> {
            let (report, config) = report_and_config(&report_id)?;
            let transport = WasiHttp::new(config.timeouts);
            let partitions = crate::run::partitions::list(report, &params, &config, transport).map_err(to_wit_error)?;
            Ok(partitions
                .into_iter()
                .map(|p| wit::Partition { id: p.id, params: p.params, estimated_rows: p.estimated_rows })
                .collect())
        }

        fn run_report(report_id: String, params: Vec<(String, String)>) -> Result<api::Run, wit::ConnectorError> {
            let (report, config) = report_and_config(&report_id)?;
            let transport = WasiHttp::new(config.timeouts);
            let run = crate::run::Run::start(report, &params, &config, transport).map_err(to_wit_error)?;
            Ok(api::Run::new(RunResource(RefCell::new(run))))
        }
    }

    /// The report with this id, available, and the instance's configuration.
    fn report_and_config(report_id: &str) -> Result<(&'static crate::catalog::Report, Config), wit::ConnectorError> {
        let report = reports::find(report_id).ok_or_else(|| {
            to_wit_error(Error::new(ErrorCode::UnknownReport, format!("no report `{report_id}`; list-reports gives the catalog")))
        })?;
        crate::catalog::ensure_available(report).map_err(to_wit_error)?;
        let config = CONFIG.with(|c| c.borrow().clone()).ok_or_else(|| {
            to_wit_error(Error::new(ErrorCode::NotConfigured, "call configure with a configuration before running a report"))
        })?;
        let report = reports::on_product(report, config.product).map_err(to_wit_error)?;
        Ok((report, config))
    }

    impl api::GuestRun for RunResource {
        fn progress(&self) -> wit::RunProgress {
            let run = self.0.borrow();
            let stats = run.stats();
            wit::RunProgress { requests: stats.requests, retries: stats.retries, pages: stats.pages, skipped: run.skipped() }
        }

        fn checkpoint(&self) -> Option<String> {
            self.0.borrow().checkpoint()
        }

        fn next_batch(&self) -> Result<Option<Vec<wit::Row>>, wit::ConnectorError> {
            let batch = self.0.borrow_mut().next_batch().map_err(to_wit_error)?;
            Ok(batch.map(|rows| rows.into_iter().map(|row| row.into_iter().map(to_wit_cell).collect()).collect()))
        }
    }

    fn to_wit_cell(cell: Cell) -> wit::Cell {
        match cell {
            Cell::Null => wit::Cell::Null,
            Cell::Boolean(b) => wit::Cell::Boolean(b),
            Cell::Integer(i) => wit::Cell::Integer(i),
            Cell::Float(f) => wit::Cell::Float(f),
            Cell::Text(s) => wit::Cell::Text(s),
            Cell::Timestamp(s) => wit::Cell::Timestamp(s),
            Cell::Json(s) => wit::Cell::Json(s),
        }
    }

    fn to_wit_error(e: Error) -> wit::ConnectorError {
        let code = match e.code {
            ErrorCode::InvalidConfig => wit::ErrorCode::InvalidConfig,
            ErrorCode::NotConfigured => wit::ErrorCode::NotConfigured,
            ErrorCode::UnknownReport => wit::ErrorCode::UnknownReport,
            ErrorCode::InvalidParameter => wit::ErrorCode::InvalidParameter,
            ErrorCode::RetiredUpstream => wit::ErrorCode::RetiredUpstream,
            ErrorCode::WrongProduct => wit::ErrorCode::WrongProduct,
            ErrorCode::Unauthorized => wit::ErrorCode::Unauthorized,
            ErrorCode::Forbidden => wit::ErrorCode::Forbidden,
            ErrorCode::NotFound => wit::ErrorCode::NotFound,
            ErrorCode::RateLimited => wit::ErrorCode::RateLimited,
            ErrorCode::Upstream => wit::ErrorCode::Upstream,
            ErrorCode::Transport => wit::ErrorCode::Transport,
            ErrorCode::InvalidResponse => wit::ErrorCode::InvalidResponse,
            ErrorCode::LimitExceeded => wit::ErrorCode::LimitExceeded,
        };
        wit::ConnectorError { code, message: e.message, http_status: e.http_status, retry_after_seconds: e.retry_after_seconds }
    }

    fn to_wit_product(product: Product) -> wit::Product {
        match product {
            Product::Cloud => wit::Product::Cloud,
            Product::DataCenter => wit::Product::DataCenter,
        }
    }

    fn report_info(r: &Report) -> wit::ReportInfo {
        wit::ReportInfo {
            id: r.id.into(),
            title: r.title.into(),
            aliases: r.aliases.iter().map(|a| a.to_string()).collect(),
            description: r.description(),
            endpoint: r.api.endpoint.into(),
            data_center_endpoint: r.data_center.map(|dc| dc.api.endpoint.into()),
            products: r.products().iter().map(|p| to_wit_product(*p)).collect(),
            params: r
                .params_by_product()
                .into_iter()
                .map(|(p, products)| wit::ParamInfo {
                    name: p.name.into(),
                    kind: match p.kind {
                        ParamKind::Text => wit::ParamKind::Text,
                        ParamKind::Integer => wit::ParamKind::Integer,
                        ParamKind::Date => wit::ParamKind::Date,
                    },
                    required: p.required,
                    default: p.default.map(Into::into),
                    description: p.description.into(),
                    products: products.iter().map(|p| to_wit_product(*p)).collect(),
                })
                .collect(),
            columns: r
                .columns
                .iter()
                .map(|c| wit::ColumnInfo {
                    name: c.name.into(),
                    type_: match c.ty {
                        ColumnType::Boolean => wit::ColumnType::Boolean,
                        ColumnType::Integer => wit::ColumnType::Integer,
                        ColumnType::Float => wit::ColumnType::Float,
                        ColumnType::Text => wit::ColumnType::Text,
                        ColumnType::Timestamp => wit::ColumnType::Timestamp,
                        ColumnType::Json => wit::ColumnType::Json,
                    },
                    nullable: c.nullable,
                    description: c.description.into(),
                })
                .collect(),
            primary_key: r.primary_key.iter().map(|k| k.to_string()).collect(),
            changed_column: r.changed_column().map(Into::into),
            status: match r.status {
                Status::Available => wit::ReportStatus::Available,
                Status::RetiredUpstream { since, reason, replacement } => wit::ReportStatus::RetiredUpstream(wit::Retirement {
                    since: since.into(),
                    reason: reason.into(),
                    replacement: replacement.map(Into::into),
                }),
            },
        }
    }

    export!(Connector);
}
