//! A Singer tap over the component (spec 0.3: hub.meltano.com/singer/spec),
//! the binary `tap-bitbucket`, so Meltano and the Singer targets on PyPI
//! load Bitbucket data. It runs the same component in the same sandbox as
//! `connector-harness run`.
//!
//! - `settings`: the tap's own keys in the `--config` file (the scope, a
//!   start date, the component), taken out before the rest configures the
//!   connector;
//! - `catalog`: `--discover` (one stream per available report the scope can
//!   run, named by [`crate::output::table_name`], JSON Schema from the
//!   column types) and the streams and properties
//!   a `--catalog` selects;
//! - `tap`: the sync: SCHEMA, RECORD and STATE messages on stdout, one
//!   partition (e.g. a repository) at a time, a partition's bookmark moved
//!   only once it completed.

pub mod catalog;
pub mod settings;
pub mod tap;
