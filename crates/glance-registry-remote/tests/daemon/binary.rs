//! End to end: the real `glance-registry` binary, and a glance-api built
//! in-process from its configuration with `data_api = glance.db.registry.api`,
//! both on their defaults in one state directory (so they authenticate with
//! the generated secret file), driven through the Images API over HTTP.

use glance_config::ApiConfig;
use glance_test_support::http::{json, serve};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// A running `glance-registry`, killed if the test ends early.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    /// Starts the binary with `conf` (port from `port`, 0 for any) and waits
    /// for its "listening" line; returns it and the port.
    fn start(conf: &Path, log: &Path, port: u16) -> (Daemon, u16) {
        let seen = std::fs::read_to_string(log).unwrap_or_default().len();
        let child = Command::new(env!("CARGO_BIN_EXE_glance-registry"))
            .arg("--config-file")
            .arg(conf)
            .env_remove("GLANCE_DATA_DIR")
            .env("RUST_LOG", "info")
            .env("OS_DEFAULT__BIND_PORT", port.to_string())
            .spawn()
            .unwrap();
        let daemon = Daemon {
            child,
            log: log.to_path_buf(),
        };
        let line = daemon.wait_for_log(seen, "glance-registry listening on http://");
        let port = line.rsplit(':').next().unwrap().trim().parse().unwrap();
        (daemon, port)
    }

    /// The first new log line (after byte `from`) containing `needle`.
    fn wait_for_log(&self, from: usize, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(line) = text
                .get(from..)
                .and_then(|t| t.lines().find(|l| l.contains(needle)))
            {
                return line.to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "no '{needle}' in the log:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM and waits for the exit.
    fn terminate(mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        std::mem::forget(self);
        status
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// glance-api from `conf`, served on an ephemeral loopback port.
async fn serve_api(conf: &Path) -> String {
    let config = ApiConfig::load(&[conf.to_path_buf()], []).unwrap();
    let state = glance_api::startup::build(&config).await.unwrap();
    serve(glance_api::router(state)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn glance_api_over_the_glance_registry_binary() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let logs = dir.path().join("log");
    let registry_conf = dir.path().join("glance-registry.conf");
    std::fs::write(
        &registry_conf,
        format!(
            "[DEFAULT]\nstate_path = {}\nlog_dir = {}\n",
            state.display(),
            logs.display()
        ),
    )
    .unwrap();
    let log = logs.join("glance_registry.log");
    let (daemon, port) = Daemon::start(&registry_conf, &log, 0);
    assert!(state.join("registry.secret").exists());

    let api_conf = dir.path().join("glance-api.conf");
    std::fs::write(
        &api_conf,
        format!(
            "[DEFAULT]\nstate_path = {}\nauth_strategy = noauth\n\
             data_api = glance.db.registry.api\nregistry_port = {port}\n",
            state.display()
        ),
    )
    .unwrap();
    let api = serve_api(&api_conf).await;
    let http = reqwest::Client::new();

    // Create, upload, list, update, tag, share, delete.
    let created = json(
        http.post(format!("{api}/v2/images"))
            .json(&json!({"name": "e2e", "disk_format": "raw", "container_format": "bare"})),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "queued");
    let image_url = format!("{api}/v2/images/{id}");
    let uploaded = http
        .put(format!("{image_url}/file"))
        .header("content-type", "application/octet-stream")
        .body(vec![7u8; 100_000])
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 204);
    let shown = json(http.get(&image_url)).await;
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["size"], 100_000);

    let list = json(http.get(format!("{api}/v2/images"))).await;
    let ids: Vec<&str> = list["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);

    let patched = http
        .patch(&image_url)
        .header(
            "content-type",
            "application/openstack-images-v2.1-json-patch",
        )
        .json(&json!([
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "add", "path": "/os_distro", "value": "cirros"}
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let tagged = http
        .put(format!("{image_url}/tags/e2e"))
        .send()
        .await
        .unwrap();
    assert_eq!(tagged.status(), 204);
    let shared = http
        .post(format!("{image_url}/members"))
        .json(&json!({"member": "project-2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(shared.status(), 200);
    let shown = json(http.get(&image_url)).await;
    assert_eq!(shown["name"], "renamed");
    assert_eq!(shown["os_distro"], "cirros");
    assert_eq!(shown["tags"], json!(["e2e"]));

    let deleted = http.delete(&image_url).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(http.get(&image_url).send().await.unwrap().status(), 404);

    // The calls went through the daemon, which logs them oslo-style.
    let line = daemon.wait_for_log(0, "POST /v1/images 201");
    assert!(line.contains(" INFO glance_registry.access [-] "), "{line}");

    // The daemon stops on SIGTERM: glance-api answers 503 until it is back.
    let status = daemon.terminate();
    assert!(status.success(), "{status:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("glance-registry stopped"), "{text}");
    let down = http.get(format!("{api}/v2/images")).send().await.unwrap();
    assert_eq!(down.status(), 503);

    let (daemon, again) = Daemon::start(&registry_conf, &log, port);
    assert_eq!(again, port);
    let up = http.get(format!("{api}/v2/images")).send().await.unwrap();
    assert_eq!(up.status(), 200);
    assert_eq!(up.json::<Value>().await.unwrap()["images"], json!([]));
    drop(daemon);
}
