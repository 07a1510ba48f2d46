//! A local OCI registry for the push and pull tests: Debian's `docker-registry` (distribution
//! 2.8, installed by scripts/setup.sh) with a config, storage, htpasswd file and log of its own
//! in a temporary directory, listening on 127.0.0.1 only, over plain HTTP or over TLS with a
//! certificate from a CA made for it (openssl). The package's own config and service are never
//! used, so tests neither depend on nor disturb the machine's setup.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a registry may take to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Starts tried, each on a new port, for when another process takes the probed port first.
const START_ATTEMPTS: usize = 3;
/// How long one request may wait for the registry, so a hung registry fails the test.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Manifests are only served in a format the client accepts: accept them all.
const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
    application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, */*";

/// Who may use the registry.
pub enum Auth {
    /// Anyone, without credentials.
    Anonymous,
    /// Only this user (HTTP basic authentication against an htpasswd file).
    Htpasswd {
        user: &'static str,
        password: &'static str,
    },
}

/// What the registry speaks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Http,
    /// HTTPS, with a certificate for 127.0.0.1 signed by `ca.pem` in the registry's directory.
    Tls,
}

/// A running registry; dropping it stops the process and removes its storage.
pub struct Registry {
    child: Child,
    addr: String,
    /// base64 of `user:password`, for Htpasswd.
    basic: Option<String>,
    protocol: Protocol,
    dir: tempfile::TempDir,
}

/// Why a start did not give a working registry.
enum StartError {
    /// Another process bound the port between the probe and the registry's start.
    PortTaken,
    Failed(String),
}

impl Registry {
    /// Starts a registry speaking plain HTTP and waits until it answers `GET /v2/`; panics,
    /// with the registry's log, when it does not within 10 seconds.
    pub fn start(auth: Auth) -> Registry {
        Self::start_speaking(auth, Protocol::Http)
    }

    /// Starts an anonymous registry speaking only TLS, its certificate (for 127.0.0.1) signed
    /// by [`Registry::ca_file`]'s CA, and waits until it takes connections.
    pub fn start_tls() -> Registry {
        Self::start_speaking(Auth::Anonymous, Protocol::Tls)
    }

    fn start_speaking(auth: Auth, protocol: Protocol) -> Registry {
        let dir = tempfile::Builder::new()
            .prefix("krmwasm-registry-")
            .tempdir()
            .expect("creating the registry's temporary directory");
        let root = std::path::absolute(dir.path()).expect("making the registry's path absolute");
        let basic = match auth {
            Auth::Anonymous => None,
            Auth::Htpasswd { user, password } => {
                write_htpasswd(&root.join("htpasswd"), user, password);
                Some(base64(format!("{user}:{password}").as_bytes()))
            }
        };
        if protocol == Protocol::Tls {
            certificate_authority(&root, "ca");
            sign_server_certificate(&root);
        }
        for _ in 0..START_ATTEMPTS {
            let addr = format!("127.0.0.1:{}", free_port());
            write_config(&root, &addr, basic.is_some(), protocol);
            let mut child = spawn(&root);
            let ready = match protocol {
                Protocol::Http => wait_until_ready(&mut child, &addr, basic.as_deref(), &root),
                Protocol::Tls => wait_until_listening(&mut child, &addr, &root),
            };
            match ready {
                Ok(()) => {
                    write_docker_config(&root.join("docker"), &addr, basic.as_deref());
                    return Registry {
                        child,
                        addr,
                        basic,
                        protocol,
                        dir,
                    };
                }
                Err(StartError::PortTaken) => stop(&mut child),
                Err(StartError::Failed(why)) => {
                    stop(&mut child);
                    panic!(
                        "the test registry did not start: {why}\nregistry log:\n{}",
                        read_log(&root)
                    );
                }
            }
        }
        panic!(
            "the test registry found no free port in {START_ATTEMPTS} tries\nlast log:\n{}",
            read_log(&root)
        )
    }

    /// `127.0.0.1:PORT`, as image references and docker config keys name it.
    pub fn addr(&self) -> String {
        self.addr.clone()
    }

    /// A directory holding a docker `config.json` with this registry's credentials (none for
    /// Anonymous), to pass as `DOCKER_CONFIG` so tests never read the user's own.
    pub fn docker_config_dir(&self) -> PathBuf {
        self.dir.path().join("docker")
    }

    /// The PEM file of the CA that signed a TLS registry's certificate.
    pub fn ca_file(&self) -> PathBuf {
        assert!(
            self.protocol == Protocol::Tls,
            "a plain HTTP registry has no CA"
        );
        self.dir.path().join("ca.pem")
    }

    /// `GET path` (e.g. `/v2/_catalog`), with the credentials when there are any: the status
    /// and body. Panics when the registry cannot be reached.
    pub fn get(&self, path: &str) -> (u16, String) {
        assert!(
            self.protocol == Protocol::Http,
            "get speaks plain HTTP only"
        );
        http_get(&self.addr, path, self.basic.as_deref())
            .unwrap_or_else(|e| panic!("GET http://{}{path}: {e}", self.addr))
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// Kills the registry by its PID and reaps it; it may have exited already.
fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// A port nobody listens on now. Another process may take it before the registry does; the
/// caller then tries again.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("finding a free port on 127.0.0.1")
        .port()
}

/// The absolute path of a tool scripts/setup.sh installs.
fn tool(name: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{name} is needed for the registry tests but is not on PATH; run \
                 `bash scripts/setup.sh` (it installs Debian's docker-registry, apache2-utils \
                 and openssl)"
            )
        })
}

/// Distribution 2.8 takes bcrypt hashes only, hence `-B`.
fn write_htpasswd(path: &Path, user: &str, password: &str) {
    let output = Command::new(tool("htpasswd"))
        .args(["-Bbn", user, password])
        .output()
        .expect("running htpasswd");
    assert!(
        output.status.success(),
        "htpasswd -Bbn failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    fs::write(path, &output.stdout).expect("writing the registry's htpasswd file");
}

/// The registry's config. Paths are absolute because `docker-registry serve` resolves
/// relative ones against its working directory. Deletes are enabled for the tests that
/// remove tags; upload purging is off so no background job runs during a test.
fn write_config(root: &Path, addr: &str, htpasswd: bool, protocol: Protocol) {
    let mut config = format!(
        "version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: {addr}
  secret: krmwasm-e2e-tests
",
        storage = yaml_string(&root.join("storage")),
    );
    // Under `http:`, so before any top-level key that follows.
    if protocol == Protocol::Tls {
        write!(
            config,
            "  tls:\n    certificate: {}\n    key: {}\n",
            yaml_string(&root.join("server.pem")),
            yaml_string(&root.join("server.key"))
        )
        .expect("formatting the registry config");
    }
    if htpasswd {
        write!(
            config,
            "auth:\n  htpasswd:\n    realm: krmwasm-e2e\n    path: {}\n",
            yaml_string(&root.join("htpasswd"))
        )
        .expect("formatting the registry config");
    }
    fs::write(root.join("config.yml"), config).expect("writing the registry config");
}

/// A path as a single-quoted YAML string, which escapes nothing but the quote itself.
fn yaml_string(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "''"))
}

/// Starts `docker-registry serve` with stdout and stderr in `registry.log`. REGISTRY_*
/// variables would override the config, so none are passed on.
fn spawn(root: &Path) -> Child {
    let log = File::create(root.join("registry.log")).expect("creating the registry log");
    let log_too = log.try_clone().expect("sharing the registry log");
    let mut cmd = Command::new(tool("docker-registry"));
    cmd.arg("serve")
        .arg(root.join("config.yml"))
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_too);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("REGISTRY_") {
            cmd.env_remove(name);
        }
    }
    cmd.spawn().expect("starting docker-registry")
}

fn read_log(root: &Path) -> String {
    fs::read_to_string(root.join("registry.log")).unwrap_or_else(|e| format!("(no log: {e})"))
}

/// Polls `GET /v2/` without credentials until it answers 200 (anonymous) or 401 (htpasswd);
/// with htpasswd, then checks that the credentials are accepted.
fn wait_until_ready(
    child: &mut Child,
    addr: &str,
    basic: Option<&str>,
    root: &Path,
) -> Result<(), StartError> {
    let expected = if basic.is_some() { 401 } else { 200 };
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(exited) = exited(child, root) {
            return Err(exited);
        }
        match http_get(addr, "/v2/", None) {
            Ok((status, _)) if status == expected => break,
            Ok((status, body)) => {
                return Err(StartError::Failed(format!(
                    "GET /v2/ answered {status}, not {expected}: {body}"
                )));
            }
            Err(e) if Instant::now() > deadline => {
                return Err(StartError::Failed(format!(
                    "no answer on {addr} within {START_TIMEOUT:?}: {e}"
                )));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    if basic.is_some() {
        match http_get(addr, "/v2/", basic) {
            Ok((200, _)) => {}
            answer => {
                return Err(StartError::Failed(format!(
                    "GET /v2/ with the htpasswd user's credentials: {answer:?}"
                )));
            }
        }
    }
    Ok(())
}

/// Why the registry has exited, if it has.
fn exited(child: &mut Child, root: &Path) -> Option<StartError> {
    let status = child.try_wait().ok()??;
    Some(if read_log(root).contains("address already in use") {
        StartError::PortTaken
    } else {
        StartError::Failed(format!("docker-registry exited ({status})"))
    })
}

/// Waits until a TLS registry takes connections on `addr`: it binds its port only once its
/// certificate is loaded, and serves from then on.
fn wait_until_listening(child: &mut Child, addr: &str, root: &Path) -> Result<(), StartError> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(exited) = exited(child, root) {
            return Err(exited);
        }
        match TcpStream::connect(addr) {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() > deadline => {
                return Err(StartError::Failed(format!(
                    "no connection to {addr} within {START_TIMEOUT:?}: {e}"
                )));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Makes a CA in `dir`: `NAME.pem` (its certificate) and `NAME.key`; returns the first.
pub fn certificate_authority(dir: &Path, name: &str) -> PathBuf {
    openssl(
        dir,
        &format!(
            "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
             -subj /CN=krmwasm-test-{name} -keyout {name}.key -out {name}.pem"
        ),
    );
    dir.join(format!("{name}.pem"))
}

/// `server.pem` and `server.key` in `dir`: a certificate for 127.0.0.1 signed by the CA
/// `ca.pem` (and `ca.key`) there.
fn sign_server_certificate(dir: &Path) {
    openssl(
        dir,
        "req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
         -keyout server.key -out server.csr",
    );
    fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1\n")
        .expect("writing the server certificate's extensions");
    openssl(
        dir,
        "x509 -req -in server.csr -days 2 -set_serial 1 -extfile server.ext \
         -CA ca.pem -CAkey ca.key -out server.pem",
    );
}

/// Runs openssl in `dir` with `args`, words split at whitespace (the files are named
/// relative to `dir`); panics with its stderr when it fails.
fn openssl(dir: &Path, args: &str) {
    let output = Command::new(tool("openssl"))
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .expect("running openssl");
    assert!(
        output.status.success(),
        "openssl {args} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A raw HTTP GET. HTTP/1.0 so the server neither chunks the body nor keeps the connection
/// open: the response is everything up to the end of the stream.
fn http_get(addr: &str, path: &str, basic: Option<&str>) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: {ACCEPT}\r\n");
    if let Some(basic) = basic {
        request.push_str(&format!("Authorization: Basic {basic}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    parse_response(&response)
}

/// The status code and body of an HTTP/1.x response.
fn parse_response(response: &[u8]) -> std::io::Result<(u16, String)> {
    let invalid = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    let text = String::from_utf8_lossy(response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| invalid("HTTP response without the end of its header"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("HTTP response without a status code"))?;
    Ok((status, body.to_string()))
}

/// `config.json` as docker and the docker_credential crate read it: `auth` is
/// base64(`user:password`).
fn write_docker_config(dir: &Path, addr: &str, basic: Option<&str>) {
    let auths = match basic {
        Some(basic) => format!(r#"{{"{addr}":{{"auth":"{basic}"}}}}"#),
        None => "{}".to_string(),
    };
    fs::create_dir_all(dir).expect("creating the docker config directory");
    fs::write(dir.join("config.json"), format!("{{\"auths\":{auths}}}\n"))
        .expect("writing the docker config.json");
}

/// Standard base64 with padding (RFC 4648), for basic authentication.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let group = byte(0) << 16 | byte(1) << 8 | byte(2);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(group >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
