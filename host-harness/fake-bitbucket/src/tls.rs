//! HTTPS for the fake: a test certificate authority made on the spot, and
//! the server certificate it issues. Tests hand the CA's certificate to the
//! client that should trust it (the harness's `ca_file`); nothing here, or
//! anywhere, turns certificate checks off.

use anyhow::Context;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

/// The names the default server certificate is valid for.
pub const LOOPBACK_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// How the server certificate is made, so tests can present a wrong one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaf {
    /// Valid now, for [`LOOPBACK_NAMES`].
    Good,
    /// Valid now, but only for `git.example.test` (not the address served).
    WrongName,
    /// For [`LOOPBACK_NAMES`], but it expired in 2020.
    Expired,
}

/// A test CA and the server certificate it signed, both made in memory.
#[derive(Clone)]
pub struct TestCa {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivatePkcs8KeyDer<'static>>,
}

impl std::fmt::Debug for TestCa {
    /// The CA's certificate only; the server's private key is not shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").field("ca_pem", &self.ca_pem).finish_non_exhaustive()
    }
}

impl TestCa {
    /// A fresh CA (`CN=fake-bitbucket test CA`) with a [`Leaf::Good`] server certificate.
    pub fn new() -> anyhow::Result<TestCa> {
        TestCa::with_leaf(Leaf::Good)
    }

    /// A fresh CA whose server certificate is `leaf`.
    pub fn with_leaf(leaf: Leaf) -> anyhow::Result<TestCa> {
        let mut ca = CertificateParams::new(Vec::<String>::new()).context("test CA parameters")?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "fake-bitbucket test CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let ca_key = KeyPair::generate().context("test CA key")?;
        let ca_cert = ca.self_signed(&ca_key).context("test CA certificate")?;
        let issuer = Issuer::new(ca, ca_key);

        let names: Vec<String> = match leaf {
            Leaf::WrongName => vec!["git.example.test".to_string()],
            Leaf::Good | Leaf::Expired => LOOPBACK_NAMES.iter().map(|n| n.to_string()).collect(),
        };
        let mut server = CertificateParams::new(names).context("server certificate parameters")?;
        server.distinguished_name.push(DnType::CommonName, "fake-bitbucket");
        if leaf == Leaf::Expired {
            server.not_before = rcgen::date_time_ymd(2019, 1, 1);
            server.not_after = rcgen::date_time_ymd(2020, 1, 1);
        }
        let server_key = KeyPair::generate().context("server key")?;
        let server_cert = server.signed_by(&server_key, &issuer).context("server certificate")?;
        Ok(TestCa {
            ca_pem: ca_cert.pem(),
            chain: vec![server_cert.der().clone(), ca_cert.der().clone()],
            key: Arc::new(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        })
    }

    /// The CA's certificate, PEM: what a client must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Writes the CA's certificate to `dir/fake-bitbucket-ca.pem` and
    /// returns the path (for `ca_file`).
    pub fn write_ca_file(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        let path = dir.join("fake-bitbucket-ca.pem");
        std::fs::write(&path, &self.ca_pem).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// The server side: this certificate chain, offering HTTP/2 and
    /// HTTP/1.1 by ALPN (only HTTP/1.1 if `http2` is false).
    pub(crate) fn server_config(&self, http2: bool) -> anyhow::Result<Arc<ServerConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(self.key.as_ref().clone_key());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .context("the test server certificate")?;
        config.alpn_protocols = if http2 { vec![b"h2".to_vec(), b"http/1.1".to_vec()] } else { vec![b"http/1.1".to_vec()] };
        Ok(Arc::new(config))
    }
}
