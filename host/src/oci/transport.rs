//! How a registry is spoken to: HTTPS checked against the platform's trusted certificates,
//! HTTPS that takes any certificate, or plain HTTP.
//!
//! Registries on loopback and those named with `--insecure-registry` may speak either
//! protocol, as docker and go-containerregistry allow: krmwasm asks them with a TLS hello
//! first and uses HTTPS when they answer in TLS, plain HTTP when they do not. A loopback
//! registry's certificate is still checked; a named insecure registry's is not.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// How long the TLS question may take: connecting, then waiting for the first byte back.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// The first byte of a TLS record that answers a hello: a handshake or an alert.
const TLS_HANDSHAKE: u8 = 0x16;
const TLS_ALERT: u8 = 0x15;

/// The protocol, and whether the certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// HTTPS; the certificate must chain to a trusted root (the system's store, or
    /// `SSL_CERT_FILE` / `SSL_CERT_DIR`).
    Https,
    /// HTTPS to a registry named insecure: any certificate is taken.
    HttpsUnchecked,
    Http,
}

impl Transport {
    /// For `-v`: what is spoken.
    pub fn describe(self) -> &'static str {
        match self {
            Transport::Https => "HTTPS",
            Transport::HttpsUnchecked => "HTTPS, its certificate unchecked (--insecure-registry)",
            Transport::Http => "plain HTTP",
        }
    }
}

/// Environment variables that send krmwasm's requests through a proxy (reqwest reads them).
const PROXY_VARIABLES: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// The transport for `registry` (`host[:port]`); `named_insecure` when the user named it
/// with `--insecure-registry`.
pub fn choose(registry: &str, named_insecure: bool) -> Transport {
    let proxied = PROXY_VARIABLES
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    without_asking(registry, named_insecure, proxied)
        .unwrap_or_else(|| ask(registry, named_insecure))
}

/// The transport when the registry need not be asked; `None` when it must. Only loopback and
/// named insecure registries are asked. Behind a proxy, a named one that is not on loopback
/// is not: the question would go around the proxy, to a host that may be reachable only
/// through it (a firewall that drops it costs the probe's timeout), so it is spoken to over
/// plain HTTP, as before registries were asked.
fn without_asking(registry: &str, named_insecure: bool, proxied: bool) -> Option<Transport> {
    let loopback = is_loopback(registry);
    if !named_insecure && !loopback {
        Some(Transport::Https)
    } else if proxied && !loopback {
        Some(Transport::Http)
    } else {
        None
    }
}

/// Asks `registry` with a TLS hello: HTTPS if it answers in TLS, else plain HTTP.
fn ask(registry: &str, named_insecure: bool) -> Transport {
    match speaks_tls(registry) {
        Some(true) if named_insecure => Transport::HttpsUnchecked,
        Some(true) => Transport::Https,
        // Not TLS, or no answer: plain HTTP, whose own error then says the registry is
        // unreachable when it is.
        _ => Transport::Http,
    }
}

/// Registries on this machine: `localhost`, 127.0.0.0/8 and `::1`, with or without a port.
fn is_loopback(registry: &str) -> bool {
    let (host, _) = host_and_port(registry);
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The host (brackets taken off an IPv6 address) and the port, if one is given.
fn host_and_port(registry: &str) -> (&str, Option<u16>) {
    let (host, port) = match registry.rsplit_once(':') {
        // `[::1]` alone ends in `]`, and a bare IPv6 address's last group is not a port.
        Some((host, port)) if !host.contains(':') || host.ends_with(']') => {
            match port.parse::<u16>() {
                Ok(port) => (host, Some(port)),
                Err(_) => (registry, None),
            }
        }
        _ => (registry, None),
    };
    (host.trim_start_matches('[').trim_end_matches(']'), port)
}

/// Whether the server at `registry` answers a TLS hello in TLS; `None` when it cannot be
/// reached or does not answer in time. Without a port, HTTPS's port 443 is asked.
///
/// The hello is sent and the sending side closed, so that a plain HTTP server, still
/// waiting for the end of a request line, sees the end of the request and answers or hangs
/// up; a TLS server has its whole hello and answers with its own.
fn speaks_tls(registry: &str) -> Option<bool> {
    let (host, port) = host_and_port(registry);
    let port = port.unwrap_or(443);
    // `localhost` may resolve to ::1 and 127.0.0.1, and a registry may listen on only one.
    let mut stream = (host, port)
        .to_socket_addrs()
        .ok()?
        .find_map(|address| TcpStream::connect_timeout(&address, PROBE_TIMEOUT).ok())?;
    stream.set_read_timeout(Some(PROBE_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(PROBE_TIMEOUT)).ok()?;
    let hello = client_hello(host)?;
    stream.write_all(&hello).ok()?;
    let _ = stream.shutdown(Shutdown::Write);
    let mut first = [0u8; 1];
    match stream.read(&mut first) {
        Ok(1) => Some(matches!(first[0], TLS_HANDSHAKE | TLS_ALERT)),
        Ok(_) => Some(false),
        Err(_) => None,
    }
}

/// The bytes of a TLS client hello for `host`. Nothing after the hello is ever read, so no
/// certificate is checked and no roots are needed.
fn client_hello(host: &str) -> Option<Vec<u8>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_string()).ok()?;
    let mut connection = rustls::ClientConnection::new(Arc::new(config), name).ok()?;
    let mut hello = Vec::new();
    while connection.wants_write() {
        connection.write_tls(&mut hello).ok()?;
    }
    Some(hello)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    #[test]
    fn loopback_registries_are_recognised() {
        for r in [
            "127.0.0.1:5000",
            "localhost:5000",
            "localhost",
            "[::1]:5000",
            "[::1]",
            "::1",
            "127.1.2.3",
        ] {
            assert!(is_loopback(r), "{r}");
        }
        for r in [
            "registry.example.com",
            "10.0.0.1:5000",
            "ghcr.io",
            "[fe80::1]:5000",
        ] {
            assert!(!is_loopback(r), "{r}");
        }
    }

    #[test]
    fn ports_are_split_from_names_and_addresses() {
        assert_eq!(host_and_port("127.0.0.1:5000"), ("127.0.0.1", Some(5000)));
        assert_eq!(host_and_port("localhost"), ("localhost", None));
        assert_eq!(host_and_port("[::1]:5000"), ("::1", Some(5000)));
        assert_eq!(host_and_port("[::1]"), ("::1", None));
        assert_eq!(host_and_port("::1"), ("::1", None));
    }

    #[test]
    fn registries_elsewhere_are_https_without_asking() {
        // Nothing listens there; asking would take the probe's timeout or fail to resolve.
        assert_eq!(choose("registry.invalid:5000", false), Transport::Https);
        assert_eq!(choose("ghcr.io", false), Transport::Https);
    }

    #[test]
    fn only_loopback_and_named_registries_are_asked_and_not_around_a_proxy() {
        let https = Some(Transport::Https);
        for proxied in [false, true] {
            assert_eq!(without_asking("ghcr.io", false, proxied), https);
            assert_eq!(without_asking("127.0.0.1:5000", false, proxied), None);
            assert_eq!(without_asking("127.0.0.1:5000", true, proxied), None);
        }
        assert_eq!(without_asking("registry.lan:5000", true, false), None);
        assert_eq!(
            without_asking("registry.lan:5000", true, true),
            Some(Transport::Http)
        );
    }

    /// A server on loopback that reads what it is sent until the client stops sending, then
    /// answers `reply` and hangs up; its address.
    fn answering(reply: &'static [u8]) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let _ = stream.read_to_end(&mut request);
            assert_eq!(
                request.first(),
                Some(&TLS_HANDSHAKE),
                "a TLS hello was sent"
            );
            let _ = stream.write_all(reply);
        });
        address
    }

    #[test]
    fn a_server_answering_in_tls_is_spoken_to_over_https() {
        // A TLS 1.2 handshake record's header, as a server hello starts.
        let address = answering(&[TLS_HANDSHAKE, 3, 3, 0, 0]);
        assert_eq!(speaks_tls(&address), Some(true));
        let address = answering(&[TLS_HANDSHAKE, 3, 3, 0, 0]);
        assert_eq!(ask(&address, false), Transport::Https);
        let address = answering(&[TLS_HANDSHAKE, 3, 3, 0, 0]);
        assert_eq!(ask(&address, true), Transport::HttpsUnchecked);
    }

    #[test]
    fn a_server_answering_in_http_or_hanging_up_is_spoken_to_over_http() {
        let address = answering(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        assert_eq!(speaks_tls(&address), Some(false));
        let address = answering(b"");
        assert_eq!(speaks_tls(&address), Some(false));
        let address = answering(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        assert_eq!(ask(&address, true), Transport::Http);
    }

    #[test]
    fn a_registry_nobody_answers_for_is_left_to_http_and_its_error() {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let address = format!("127.0.0.1:{port}");
        assert_eq!(speaks_tls(&address), None);
        assert_eq!(ask(&address, false), Transport::Http);
    }
}
