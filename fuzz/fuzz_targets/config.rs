//! Configuration parsing never panics, and its errors never echo a secret.
#![no_main]

use bitbucket_connector::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = Config::parse(text) {
        assert!(!e.message.is_empty());
    }
    // The same input as a token inside an otherwise valid config.
    let json = serde_json::json!({"auth": {"type": "bearer", "token": text}}).to_string();
    if let Err(e) = Config::parse(&json) {
        assert!(text.trim().is_empty() || !e.message.contains(text), "an error echoed the token");
    }
});
