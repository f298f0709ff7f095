//! TLS configuration (rustls with the `ring` provider) for both sides of the router:
//! the acceptor that answers clients' SSLRequest (`tls_certificate`,
//! `tls_private_key`) and the connector for `server_tls` (with or without
//! `verify_server_certificate`).

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::config::General;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// TLS towards clients: answers SSLRequest with `S`.
#[derive(Clone)]
pub struct ClientTls(pub TlsAcceptor);

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientTls")
    }
}

/// The client-side acceptor, when `tls_certificate` and `tls_private_key` are set.
pub fn acceptor(general: &General) -> Result<Option<ClientTls>, String> {
    let (Some(cert_path), Some(key_path)) = (&general.tls_certificate, &general.tls_private_key)
    else {
        return Ok(None);
    };
    let certs = read_certs(cert_path, "tls_certificate")?;
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| {
        format!(
            "tls_private_key {}: cannot read a PEM private key: {e}",
            key_path.display()
        )
    })?;
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            format!(
                "tls_certificate {} / tls_private_key {}: {e}",
                cert_path.display(),
                key_path.display()
            )
        })?;
    Ok(Some(ClientTls(TlsAcceptor::from(Arc::new(config)))))
}

/// TLS towards the servers, when `server_tls` is on.
#[derive(Clone)]
pub struct ServerTls {
    /// The connector.
    pub connector: TlsConnector,
    /// Whether certificates and host names are checked.
    pub verify: bool,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("verify", &self.verify)
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// The name the server's certificate must carry: the configured host.
    pub fn server_name(host: &str) -> Result<ServerName<'static>, String> {
        ServerName::try_from(host.to_owned())
            .map_err(|e| format!("server host \"{host}\" is not a valid TLS server name: {e}"))
    }
}

/// The server-side connector, when `server_tls` is on.
pub fn connector(general: &General) -> Result<Option<Arc<ServerTls>>, String> {
    if !general.server_tls {
        return Ok(None);
    }
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let config = if general.verify_server_certificate {
        let mut roots = RootCertStore::empty();
        match &general.server_tls_ca_file {
            Some(path) => {
                for cert in read_certs(path, "server_tls_ca_file")? {
                    roots
                        .add(cert)
                        .map_err(|e| format!("server_tls_ca_file {}: {e}", path.display()))?;
                }
            }
            None => {
                let native = rustls_native_certs::load_native_certs();
                let (added, _ignored) = roots.add_parsable_certificates(native.certs);
                if added == 0 {
                    return Err(
                        "verify_server_certificate: no system CA certificates found; \
                                set server_tls_ca_file"
                            .to_owned(),
                    );
                }
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoCertificateCheck(provider())))
            .with_no_client_auth()
    };
    Ok(Some(Arc::new(ServerTls {
        connector: TlsConnector::from(Arc::new(config)),
        verify: general.verify_server_certificate,
    })))
}

fn read_certs(path: &Path, key: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{key} {}: {e}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{key} {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{key} {}: no PEM certificate found",
            path.display()
        ));
    }
    Ok(certs)
}

/// `verify_server_certificate = false`: any certificate is accepted (the connection
/// is encrypted but the server not authenticated); handshake signatures are still
/// checked.
#[derive(Debug)]
struct NoCertificateCheck(Arc<CryptoProvider>);

impl ServerCertVerifier for NoCertificateCheck {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
