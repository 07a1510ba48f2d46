//! Tries to reach outside the sandbox (files, directories, sockets, environment) and
//! reports what it saw as a ConfigMap in a ResourceList, so the test can read it.
use std::net::{TcpListener, TcpStream, UdpSocket};

fn outcome<T>(result: std::io::Result<T>, describe: impl FnOnce(T) -> String) -> String {
    match result {
        Ok(value) => format!("ok: {}", describe(value)),
        Err(e) => format!("error: {e}"),
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn main() {
    let listing = |dir: std::fs::ReadDir| format!("{} entries", dir.count());
    let size = |bytes: Vec<u8>| format!("{} bytes", bytes.len());
    let report = [
        (
            "readAbsoluteFile",
            outcome(std::fs::read("/etc/passwd"), size),
        ),
        (
            "readRelativeFile",
            outcome(std::fs::read("Cargo.toml"), size),
        ),
        ("listRoot", outcome(std::fs::read_dir("/"), listing)),
        ("listCurrentDir", outcome(std::fs::read_dir("."), listing)),
        (
            "createFile",
            outcome(std::fs::write("/tmp/krmwasm-escaped", b"x"), |_| {
                "written".into()
            }),
        ),
        (
            "currentDir",
            outcome(std::env::current_dir(), |d| d.display().to_string()),
        ),
        (
            "tcpConnect",
            outcome(TcpStream::connect("127.0.0.1:80"), |_| "connected".into()),
        ),
        (
            "tcpListen",
            outcome(TcpListener::bind("127.0.0.1:0"), |_| "listening".into()),
        ),
        (
            "udpBind",
            outcome(UdpSocket::bind("127.0.0.1:0"), |_| "bound".into()),
        ),
        (
            "environment",
            std::env::vars()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
                .join(","),
        ),
    ];
    let data: Vec<String> = report
        .iter()
        .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v)))
        .collect();
    println!(
        "{{\"apiVersion\":\"config.kubernetes.io/v1\",\"kind\":\"ResourceList\",\"items\":[{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"probe\"}},\"data\":{{{}}}}}]}}",
        data.join(",")
    );
}
