//! The host's wall around the guest's outgoing HTTP: which origins a
//! session may reach, and the cap on each response body.

use connector_vocabulary::{auth, DEFAULT_ENDPOINT, DEFAULT_TOKEN_URL};
use http_body_util::{BodyExt, Limited};
use std::future::Future;
use wasmtime_wasi_http::{WasiBody, WasiHttpHooks};

/// The origins a config may reach: its endpoint's (Bitbucket Cloud by
/// default) and, for OAuth, its token URL's. A config the host cannot read
/// allows nothing; the component rejects it with a precise message anyway.
pub(crate) fn allowed_origins(config_json: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(config_json) else {
        return Vec::new();
    };
    let text = |v: Option<&serde_json::Value>, default: &'static str| match v {
        None | Some(serde_json::Value::Null) => Some(default.to_string()),
        Some(v) => v.as_str().map(str::to_string),
    };
    let mut urls = vec![text(value.get("endpoint"), DEFAULT_ENDPOINT)];
    let auth_object = value.get(auth::KEY);
    if auth_object
        .and_then(|a| a.get(auth::TYPE))
        .and_then(|t| t.as_str())
        == Some(auth::OAUTH)
    {
        let token_url = auth_object.and_then(|a| a.get("token_url"));
        urls.push(text(token_url, DEFAULT_TOKEN_URL));
    }
    urls.into_iter()
        .flatten()
        .filter_map(|u| url::Url::parse(u.trim()).ok())
        .map(|u| u.origin().ascii_serialization())
        .collect()
}

/// The host's wall around outgoing HTTP.
pub(crate) struct HttpWall {
    pub(crate) allowed_origins: Vec<String>,
    pub(crate) max_response_bytes: usize,
}

type BoxedFuture<T> = Box<dyn Future<Output = T> + Send>;

impl WasiHttpHooks for HttpWall {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: BoxedFuture<Result<(), wasmtime_wasi_http::Error>>,
    ) -> BoxedFuture<
        wasmtime_wasi_http::Result<(
            http::Response<WasiBody>,
            BoxedFuture<Result<(), wasmtime_wasi_http::Error>>,
        )>,
    > {
        let _ = fut;
        let origin = request_origin(request.uri());
        let allowed = origin.is_some_and(|o| self.allowed_origins.contains(&o));
        let cap = self.max_response_bytes;
        Box::new(async move {
            if !allowed {
                return Err(wasmtime_wasi_http::Error::HttpRequestDenied);
            }
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            // Refuse a declared oversize body up front (the guest sees a
            // typed body-size error); an undeclared one is cut off below.
            let declared = response.headers().get(http::header::CONTENT_LENGTH);
            if let Some(length) = declared.and_then(|v| v.to_str().ok()?.parse::<u64>().ok()) {
                if length > cap as u64 {
                    return Err(wasmtime_wasi_http::Error::HttpResponseBodySize(Some(
                        length,
                    )));
                }
            }
            let response = response.map(|body| {
                Limited::new(body, cap)
                    .map_err(move |e| match e.downcast::<wasmtime_wasi_http::Error>() {
                        Ok(inner) => *inner,
                        Err(_) => wasmtime_wasi_http::Error::HttpResponseBodySize(Some(cap as u64)),
                    })
                    .boxed_unsync()
            });
            Ok((response, Box::new(io) as BoxedFuture<_>))
        })
    }
}

fn request_origin(uri: &http::Uri) -> Option<String> {
    let scheme = uri.scheme_str()?;
    let host = uri.host()?;
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    let default = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
    Some(if default {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}:{port}")
    })
}
