//! What a report is, and what is done with one before and after the
//! network: the DSL a definition in `reports/` is written in (`dsl`) and
//! its generated description (`describe`), the column groups reports
//! share (`groups`), the
//! checks on a run's parameters (`params`), the first request (`plan`) and
//! an API object turned into rows (`mapping`).

mod describe;
mod dsl;
mod groups;
mod mapping;
mod params;
mod plan;

pub use dsl::*;
pub use groups::*;
pub use mapping::millis_at;
pub use params::*;
