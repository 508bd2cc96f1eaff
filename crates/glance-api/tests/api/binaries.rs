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
