//! The `glance-manage` and `glance-api` binaries as an operator runs them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn manage(conf: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_glance-manage"))
        .arg("--config-file")
        .arg(conf)
        .args(args)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn db_sync_version_check() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("glance-api.conf");
    std::fs::write(
        &conf,
        format!(
            "[database]\nconnection = sqlite:///{}/g.sqlite\n",
            dir.path().display()
        ),
    )
    .unwrap();
    assert_eq!(manage(&conf, &["db", "version"]), (true, "0\n".to_string()));
    let (ok, text) = manage(&conf, &["db", "check"]);
    assert!(!ok, "{text}");
    assert!(text.contains("glance-manage db sync"), "{text}");
    let (ok, text) = manage(&conf, &["db", "sync"]);
    assert!(ok, "{text}");
    let (ok, text) = manage(&conf, &["db", "check"]);
    assert!(ok, "{text}");
    let (ok, _) = manage(&conf, &["db_sync"]);
    assert!(ok);
}

#[test]
fn api_starts_on_defaults_and_says_where_data_lives() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_glance-api"))
        .current_dir(dir.path())
        .env_remove("GLANCE_DATA_DIR")
        .env("OS_DEFAULT__BIND_PORT", "0")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        let done = line.contains("listening on");
        lines.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let log = lines.join("\n");
    let data = dir.path().canonicalize().unwrap().join("data");
    assert!(
        log.contains(&format!("data directory: {}", data.display())),
        "{log}"
    );
    assert!(log.contains("glance.sqlite"), "{log}");
    assert!(data.join("glance.sqlite").exists());
    assert!(data.join("images").is_dir());
}

#[test]
fn access_log_lines_carry_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("glance-api.conf");
    std::fs::write(
        &conf,
        format!(
            "[DEFAULT]\nauth_strategy = noauth\nbind_port = 0\nstate_path = {root}/state\nlog_dir = {root}/logs\n",
            root = dir.path().display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_glance-api"))
        .arg("--config-file")
        .arg(&conf)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let log = dir.path().join("logs").join("glance_api.log");
    let mut addr = None;
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(rest) = text.split("listening on http://").nth(1) {
            addr = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    let addr = addr.expect("glance-api did not log its address");
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    use std::io::{Read, Write};
    write!(
        stream,
        "GET /v2/images HTTP/1.1\r\nHost: {addr}\r\nX-Openstack-Request-ID: req-trace-me\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let mut line = None;
    for _ in 0..40 {
        let text = std::fs::read_to_string(&log).unwrap();
        line = text
            .lines()
            .find(|l| l.contains("GET /v2/images"))
            .map(str::to_string);
        if line.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let line = line.expect("no access-log line");
    assert!(line.contains("req-trace-me"), "{line}");
    assert!(line.contains("status: 200"), "{line}");
}
