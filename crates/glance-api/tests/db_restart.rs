//! The database goes away under load and comes back: requests fail fast
//! with 503 and a clear log line, recover by themselves, and nothing is left
//! half-written.
//!
//! Runs its own PostgreSQL cluster (`initdb` + `pg_ctl` from
//! `/usr/lib/postgresql/*/bin`, as the `postgres` user when run as root) on
//! a free port: the shared server other tests use is never touched. Without
//! PostgreSQL binaries the test says so and skips.

use futures::StreamExt;
use glance_config::ApiConfig;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use sha2::Digest as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest acceptable answer while the database is down.
const FAIL_FAST: Duration = Duration::from_secs(6);
/// Longest acceptable time for requests to succeed again after the restart.
const RECOVERY: Duration = Duration::from_secs(15);
/// How long the database stays down.
const OUTAGE: Duration = Duration::from_secs(7);
/// Clients sending requests all along.
const CLIENTS: usize = 6;

/// The newest PostgreSQL server binaries directory, if any.
fn postgres_bin() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, bin)| bin)
}

/// A private PostgreSQL cluster in a temporary directory; stopped on drop.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// Run the tools as `postgres` (PostgreSQL refuses to run as root).
    as_postgres: bool,
}

impl Cluster {
    fn init(bin: PathBuf) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let as_postgres = run_text("id", &["-u"]) == "0";
        if as_postgres {
            let uid = run_text("id", &["-u", "postgres"]).parse().unwrap();
            let gid = run_text("id", &["-g", "postgres"]).parse().unwrap();
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = cluster.data();
        cluster.tool(
            "initdb",
            &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"],
        );
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Runs a PostgreSQL tool and insists that it succeeds.
    fn tool(&self, name: &str, args: &[&str]) {
        let out = self.try_tool(name, args);
        assert!(
            out.status.success(),
            "{name} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn try_tool(&self, name: &str, args: &[&str]) -> Output {
        let tool = self.bin.join(name);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(tool);
            c
        } else {
            Command::new(tool)
        };
        command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log").display().to_string();
        self.tool(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "-t",
                "30",
                "start",
            ],
        );
    }

    fn stop(&self) {
        self.tool("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.try_tool("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
    }
}

/// The trimmed stdout of a command.
fn run_text(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Log output captured from the whole test binary.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn install() -> Self {
        let captured = Self::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .init();
        captured
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// One answered request.
struct Answer {
    started: Instant,
    took: Duration,
    status: StatusCode,
    body: String,
    /// An upload whose client sent its body slowly on purpose.
    trickled: bool,
}

/// The API under test.
struct Api {
    base: String,
    client: Client,
    store: PathBuf,
    answers: Mutex<Vec<Answer>>,
}

impl Api {
    /// Sends a request, records its answer; `None` if the connection failed.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Option<(StatusCode, Value)> {
        let started = Instant::now();
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("Accept", "application/json");
        if let Some(body) = body {
            request = match path.starts_with("/v2/images/") {
                true => request
                    .header(
                        "Content-Type",
                        "application/openstack-images-v2.1-json-patch",
                    )
                    .body(body.to_string()),
                false => request.json(&body),
            };
        }
        let response = request.send().await.ok()?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        self.answers.lock().unwrap().push(Answer {
            started,
            took: started.elapsed(),
            status,
            body: body.clone(),
            trickled: false,
        });
        Some((status, serde_json::from_str(&body).unwrap_or(Value::Null)))
    }

    /// Uploads `data` as `chunks` pieces, one every `pause`.
    async fn upload(&self, id: &str, data: Vec<u8>, chunks: usize, pause: Duration) -> StatusCode {
        let started = Instant::now();
        let size = data.len().div_ceil(chunks);
        let pieces: Vec<Vec<u8>> = data.chunks(size).map(<[u8]>::to_vec).collect();
        let body = futures::stream::iter(pieces).then(move |piece| async move {
            tokio::time::sleep(pause).await;
            Ok::<_, std::io::Error>(piece)
        });
        let response = self
            .client
            .put(format!("{}/v2/images/{id}/file", self.base))
            .header("Content-Type", "application/octet-stream")
            .header("Accept", "application/json")
            .body(reqwest::Body::wrap_stream(body))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        self.answers.lock().unwrap().push(Answer {
            started,
            took: started.elapsed(),
            status,
            body,
            trickled: chunks > 1,
        });
        status
    }

    /// Creates a raw image; `None` while the database is down.
    async fn create(&self) -> Option<String> {
        let body = json!({"disk_format": "raw", "container_format": "bare"});
        match self.call(Method::POST, "/v2/images", Some(body)).await? {
            (StatusCode::CREATED, v) => Some(v["id"].as_str()?.to_string()),
            _ => None,
        }
    }
}

/// One client's loop until `stop`: create, upload, patch, show, list.
async fn client(api: Arc<Api>, me: usize, stop: Arc<AtomicBool>) {
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        if let Some(id) = api.create().await {
            let data = vec![(me * 31 + n) as u8; 64 * 1024 + n];
            api.upload(&id, data, 1, Duration::ZERO).await;
            let patch = json!([{"op": "add", "path": "/client", "value": me.to_string()}]);
            api.call(Method::PATCH, &format!("/v2/images/{id}"), Some(patch))
                .await;
            api.call(Method::GET, &format!("/v2/images/{id}"), None)
                .await;
        }
        api.call(Method::GET, "/v2/images?limit=5", None).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every image (all pages), as an admin sees them.
async fn all_images(api: &Api) -> Vec<Value> {
    let mut images = Vec::new();
    let mut next = "/v2/images?limit=200".to_string();
    loop {
        let (status, page) = api.call(Method::GET, &next, None).await.unwrap();
        assert_eq!(status, StatusCode::OK);
        images.extend(page["images"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(link) => next = link.to_string(),
            None => return images,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Asserts every image is whole: active ones have exactly their bytes,
/// none is `saving`, and no file lacks an active image.
fn check_whole(images: &[Value], store: &Path) -> Result<(), String> {
    let mut active = std::collections::BTreeSet::new();
    for image in images {
        let id = image["id"].as_str().unwrap();
        let path = store.join(id);
        match image["status"].as_str().unwrap() {
            "active" => {
                let bytes = std::fs::read(&path).map_err(|e| format!("active {id}: {e}"))?;
                if image["size"] != bytes.len()
                    || image["os_hash_value"] != hex(&sha2::Sha512::digest(&bytes))
                {
                    return Err(format!("active {id} does not match its bytes"));
                }
                active.insert(id.to_string());
            }
            "queued" if path.exists() => return Err(format!("queued {id} has bytes")),
            "queued" => {}
            other => return Err(format!("image {id} is {other}")),
        }
    }
    let files: std::collections::BTreeSet<String> = std::fs::read_dir(store)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if files != active {
        return Err(format!(
            "files without an active image: {:?}",
            files.difference(&active).collect::<Vec<_>>()
        ));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_restart_under_load() {
    let Some(bin) = postgres_bin() else {
        eprintln!(
            "SKIPPED database_restart_under_load: no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin"
        );
        return;
    };
    let logs = Captured::install();
    let cluster = Cluster::init(bin);
    cluster.start();

    let root = tempfile::tempdir().unwrap();
    let store = root.path().join("images");
    let conf = root.path().join("glance-api.conf");
    std::fs::write(
        &conf,
        format!(
            "[DEFAULT]\nauth_strategy = noauth\nstate_path = {}\n\
             [database]\nconnection = {}\npool_timeout = 2\n\
             [glance_store]\nfilesystem_store_datadir = {}\n",
            root.path().join("state").display(),
            cluster.url(),
            store.display()
        ),
    )
    .unwrap();
    let config = ApiConfig::load(&[conf], Vec::<(String, String)>::new()).unwrap();
    let state = glance_api::startup::build(&config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, glance_api::router(state))
            .await
            .unwrap()
    });
    let api = Arc::new(Api {
        base,
        client: Client::new(),
        store: store.clone(),
        answers: Mutex::new(Vec::new()),
    });

    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|me| tokio::spawn(client(api.clone(), me, stop.clone())))
        .collect();
    // Two slow uploads straddling the outage: one ends while the database is
    // down, one after it is back.
    let slow_ids = [api.create().await.unwrap(), api.create().await.unwrap()];
    let slow: Vec<_> = slow_ids
        .iter()
        .zip([20, 90])
        .map(|(id, pieces)| {
            let (api, id) = (api.clone(), id.clone());
            tokio::spawn(async move {
                let data = vec![9u8; 2 * 1024 * 1024];
                api.upload(&id, data, pieces, Duration::from_millis(150))
                    .await
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before_stop = Instant::now();
    tokio::task::block_in_place(|| cluster.stop());
    let down = Instant::now();
    tokio::time::sleep(OUTAGE).await;
    let restarting = Instant::now();
    tokio::task::block_in_place(|| cluster.start());
    let up = Instant::now();

    // Requests recover by themselves.
    let recovered = loop {
        if let Some((StatusCode::OK, _)) = api.call(Method::GET, "/v2/images?limit=1", None).await {
            break Instant::now();
        }
        assert!(up.elapsed() < RECOVERY, "requests did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::Relaxed);
    for task in clients {
        task.await.unwrap();
    }
    let slow: Vec<StatusCode> = futures::future::join_all(slow)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    let answers = std::mem::take(&mut *api.answers.lock().unwrap());
    let before: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.started + a.took < before_stop)
        .collect();
    let during: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.started >= down && a.started + a.took < restarting)
        .collect();
    let after: Vec<&Answer> = answers.iter().filter(|a| a.started >= recovered).collect();
    assert!(
        before.len() > 20 && during.len() >= 3 && after.len() > 20,
        "{} answers before the outage, {} during, {} after",
        before.len(),
        during.len(),
        after.len()
    );
    for a in &before {
        assert!(
            a.status.is_success(),
            "before the outage: {} {}",
            a.status,
            a.body
        );
    }
    for a in &during {
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.body);
        let body: Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(body["code"], "503 Service Unavailable", "{}", a.body);
        assert!(
            a.took < FAIL_FAST,
            "a request took {:?} while the database was down",
            a.took
        );
    }
    for a in &after {
        assert!(
            a.status.is_success(),
            "after the restart: {} {}",
            a.status,
            a.body
        );
    }
    // No request hangs: not those in flight when the database stopped, not
    // those waiting for it when it came back.
    for a in answers.iter().filter(|a| !a.trickled) {
        assert!(
            a.took < FAIL_FAST,
            "a request took {:?}: {} {}",
            a.took,
            a.status,
            a.body
        );
    }
    assert_eq!(
        slow[1],
        StatusCode::NO_CONTENT,
        "the upload spanning the outage"
    );
    assert!(
        [StatusCode::NO_CONTENT, StatusCode::SERVICE_UNAVAILABLE].contains(&slow[0]),
        "the upload ending in the outage: {}",
        slow[0]
    );
    let text = logs.text();
    assert!(
        text.contains("ERROR") && text.contains("database unavailable"),
        "no clear log line:\n{text}"
    );

    // Nothing half-written, once failed uploads have settled.
    let settle = Instant::now();
    loop {
        let images = all_images(&api).await;
        match check_whole(&images, &api.store) {
            Ok(()) => break,
            Err(e) if settle.elapsed() > RECOVERY => panic!("{e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}
