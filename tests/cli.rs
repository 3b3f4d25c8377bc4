//! The binary: configuration errors, help, migrate, and a graceful stop on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_authwalk");

fn authwalk() -> Command {
    let mut command = Command::new(BINARY);
    // A clean environment: only what each test sets (plus PATH for the loader).
    command.env_clear().env("PATH", "/usr/bin:/bin");
    command
}

#[test]
fn a_bad_value_exits_2_with_one_line_naming_the_variable() {
    for (variable, value, expected) in [
        (
            "AUTHWALK_LISTEN",
            "abc",
            r#"AUTHWALK_LISTEN: invalid socket address "abc" (expected ip:port)"#,
        ),
        (
            "AUTHWALK_UPSTREAM_TIMEOUT",
            "soon",
            "AUTHWALK_UPSTREAM_TIMEOUT: invalid duration \"soon\"",
        ),
        (
            "DATABASE_URL",
            "mysql://x/y",
            "DATABASE_URL: unsupported database",
        ),
        (
            "AUTHWALK_LOG_FORMAT",
            "xml",
            "AUTHWALK_LOG_FORMAT: unknown format",
        ),
    ] {
        let output = authwalk().env(variable, value).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{variable}={value}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.starts_with(expected), "{stderr}");
    }
}

#[test]
fn help_documents_every_option_and_its_variable() {
    let output = authwalk().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for item in [
        "serve",
        "migrate",
        "resolve",
        "AUTHWALK_LISTEN",
        "DATABASE_URL",
        "AUTHWALK_PUBLIC_URL",
        "AUTHWALK_DNS_SERVERS",
        "AUTHWALK_CONNECT_TO",
        "AUTHWALK_EXTRA_CA",
        "AUTHWALK_BRANDING_HOSTS",
        "AUTHWALK_REFRESH_AFTER",
        "AUTHWALK_NOT_FOUND_TTL",
        "AUTHWALK_UPSTREAM_TIMEOUT",
        "RUST_LOG",
        "AUTHWALK_LOG_FORMAT",
        "--listen",
        "--database-url",
    ] {
        assert!(help.contains(item), "--help lacks {item}");
    }
}

#[test]
fn migrate_creates_the_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    let output = authwalk()
        .arg("migrate")
        .env("DATABASE_URL", format!("sqlite://{}", path.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(path.exists());
}

#[test]
fn serve_answers_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("served.db");
    let mut child = authwalk()
        .env("AUTHWALK_LISTEN", "127.0.0.1:0")
        .env("AUTHWALK_LOG_FORMAT", "json")
        .env("DATABASE_URL", format!("sqlite://{}", path.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let logs = child.stderr.take().unwrap();
    let mut lines = BufReader::new(logs).lines();
    let address = loop {
        let line = lines.next().expect("the server logs its address").unwrap();
        let entry: serde_json::Value = serde_json::from_str(&line).unwrap();
        if let Some(address) = entry["fields"]["address"].as_str() {
            break address.to_owned();
        }
    };
    assert!(path.exists(), "the SQLite file is created on start");
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    std::io::Write::write_all(
        &mut stream,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success(), "graceful stop exits 0: {exit:?}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}
