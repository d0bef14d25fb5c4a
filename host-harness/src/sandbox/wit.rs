//! The contract's types as the host sees them (generated from
//! `wit/connector.wit`), and their names in the contract's vocabulary, so
//! every output prints the WIT's own names (`text`, `timestamp`, ...).

use connector_vocabulary as vocabulary;

pub(crate) mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "bitbucket-connector",
        // Calls into the guest are async, so the host can time them out.
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}

pub use bindings::bitbucket::connector::types::*;

/// Maps a generated enum onto the vocabulary's, case by case (the compiler
/// checks that every case is covered).
macro_rules! to_vocabulary {
    ($wit:ident => $vocab:ident { $($case:ident),+ $(,)? }) => {
        impl $wit {
            /// The same case in the contract's vocabulary.
            pub fn vocabulary(self) -> vocabulary::$vocab {
                match self {
                    $($wit::$case => vocabulary::$vocab::$case,)+
                }
            }

            /// The case's name in `wit/connector.wit`.
            pub fn name(self) -> &'static str {
                self.vocabulary().as_str()
            }
        }
    };
}

to_vocabulary!(ErrorCode => ErrorCode {
    InvalidConfig, NotConfigured, UnknownReport, InvalidParameter, RetiredUpstream, WrongProduct,
    Unauthorized, Forbidden, NotFound, RateLimited, Upstream, Transport,
    InvalidResponse, LimitExceeded,
});
to_vocabulary!(ColumnType => ColumnType { Boolean, Integer, Float, Text, Timestamp, Json });
to_vocabulary!(ParamKind => ParamKind { Text, Integer, Date });
to_vocabulary!(Product => Product { Cloud, DataCenter });

impl ReportInfo {
    /// Whether the report runs today (not retired upstream).
    pub fn is_available(&self) -> bool {
        matches!(self.status, ReportStatus::Available)
    }

    /// Whether the report runs on `product`.
    pub fn runs_on(&self, product: Product) -> bool {
        self.products.contains(&product)
    }

    /// The parameters the report requires on `product` that are not among
    /// `given`, in the catalog's order: what a run with only `given` would
    /// lack.
    pub fn missing_params<'r>(&'r self, given: &[&str], product: Product) -> Vec<&'r str> {
        self.params
            .iter()
            .filter(|p| p.required && p.products.contains(&product) && !given.contains(&p.name.as_str()))
            .map(|p| p.name.as_str())
            .collect()
    }

    /// Whether the report takes the parameter `name` on `product`.
    pub fn takes(&self, name: &str, product: Product) -> bool {
        self.params.iter().any(|p| p.name == name && p.products.contains(&product))
    }
}
