//! `glance-bench`: the HTTP load half of the hand-run benchmarks (see `bench/README.md`).
//!
//! * `seed`: creates images with `POST /v2/images` from many concurrent requests and writes their ids.
//! * `seed-registry`: creates images straight through the registry (no HTTP), for the large counts of the
//!   registry benchmark.
//! * `load`: sends `GET`s round-robin over a list of paths from several keep-alive connections for a bounded
//!   time and number of requests, and prints one JSON line: requests, errors, req/s, p50/p90/p99/max latency.
//!
//! Only loopback targets are meant: the URL is checked to be `127.0.0.0/8`, `localhost` or `[::1]`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "glance-rs benchmark client (seed images, measure GET rate and latency)")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create COUNT images (metadata only) with POST /v2/images.
    Seed {
        /// Base URL of the server, e.g. http://127.0.0.1:19292
        #[arg(long)]
        url: String,
        /// Number of images to create.
        #[arg(long)]
        count: u64,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Prefix of the image names (`<prefix>-<n>`).
        #[arg(long, default_value = "bench")]
        name_prefix: String,
        /// Append the created ids, one a line, to this file.
        #[arg(long)]
        ids_out: Option<std::path::PathBuf>,
        /// Extra request header `Name: value` (repeatable), e.g. `X-Auth-Token: …`.
        #[arg(long = "header", value_parser = parse_header)]
        headers: Vec<(String, String)>,
    },
    /// Create COUNT images directly in the metadata database (`[database] connection` URL), migrating it
    /// first; much faster than the API for millions of rows.
    SeedRegistry {
        /// The database URL, e.g. sqlite:////tmp/state/glance.sqlite or postgresql://postgres@127.0.0.1/test
        #[arg(long)]
        connection: String,
        /// Number of images to create.
        #[arg(long)]
        count: u64,
        /// Inserts in flight at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Prefix of the image names (`<prefix>-<n>`).
        #[arg(long, default_value = "bench")]
        name_prefix: String,
        /// Append the created ids, one a line, to this file.
        #[arg(long)]
        ids_out: Option<std::path::PathBuf>,
    },
    /// Measure GET requests per second and latency.
    Load {
        /// Base URL of the server.
        #[arg(long)]
        url: String,
        /// Path (and query) to request; repeat to round-robin over several.
        #[arg(long = "path")]
        paths: Vec<String>,
        /// File with one path a line (added to --path).
        #[arg(long)]
        paths_file: Option<std::path::PathBuf>,
        /// Connections (concurrent request loops).
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Seconds to measure (after the warm-up).
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
        /// Upper bound on the number of measured requests.
        #[arg(long, default_value_t = 1_000_000)]
        max_requests: u64,
        /// Seconds of warm-up requests that are not recorded.
        #[arg(long, default_value_t = 1.0)]
        warmup: f64,
        /// Label echoed in the JSON output.
        #[arg(long, default_value = "")]
        label: String,
        /// Extra request header `Name: value` (repeatable), e.g. `X-Auth-Token: …`.
        #[arg(long = "header", value_parser = parse_header)]
        headers: Vec<(String, String)>,
    },
}

fn check_loopback(url: &str) -> Result<()> {
    let u = reqwest::Url::parse(url).with_context(|| format!("bad URL {url}"))?;
    let host = u
        .host_str()
        .unwrap_or("")
        .trim_start_matches('[')
        .trim_end_matches(']');
    let ok = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false);
    if !ok {
        bail!("refusing to load a non-loopback target: {url}");
    }
    Ok(())
}

/// Parses a `--header` argument, `Name: value`.
fn parse_header(arg: &str) -> Result<(String, String), String> {
    let (name, value) = arg
        .split_once(':')
        .ok_or_else(|| format!("expected `Name: value`, got {arg:?}"))?;
    let name = name.trim();
    reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|e| format!("bad header name {name:?}: {e}"))?;
    Ok((name.to_string(), value.trim().to_string()))
}

fn client(concurrency: usize, headers: &[(String, String)]) -> Result<reqwest::Client> {
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes())?,
            reqwest::header::HeaderValue::from_str(value)?,
        );
    }
    Ok(reqwest::Client::builder()
        .default_headers(map)
        .pool_max_idle_per_host(concurrency * 2)
        .timeout(Duration::from_secs(60))
        .build()?)
}

async fn seed(
    url: String,
    count: u64,
    concurrency: usize,
    prefix: String,
    ids_out: Option<std::path::PathBuf>,
    headers: Vec<(String, String)>,
) -> Result<()> {
    check_loopback(&url)?;
    let client = client(concurrency, &headers)?;
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let endpoint = format!("{}/v2/images", url.trim_end_matches('/'));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (client, next, errors, endpoint, prefix) = (
            client.clone(),
            next.clone(),
            errors.clone(),
            endpoint.clone(),
            prefix.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    break;
                }
                let body = serde_json::json!({
                    "name": format!("{prefix}-{n:06}"),
                    "disk_format": "raw",
                    "container_format": "bare",
                });
                let res = client
                    .post(&endpoint)
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let v: serde_json::Value = r.json().await.unwrap_or_default();
                        if let Some(id) = v.get("id").and_then(|i| i.as_str()) {
                            ids.push(id.to_string());
                        }
                    }
                    Ok(r) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 5 {
                            let code = r.status();
                            let text = r.text().await.unwrap_or_default();
                            eprintln!(
                                "seed: POST answered {code}: {}",
                                text.chars().take(300).collect::<String>()
                            );
                        }
                    }
                    Err(e) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("seed: POST failed: {e}");
                        }
                    }
                }
            }
            ids
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await?);
    }
    let secs = start.elapsed().as_secs_f64();
    if let Some(path) = ids_out {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        for id in &all {
            writeln!(f, "{id}")?;
        }
    }
    let errs = errors.load(Ordering::Relaxed);
    println!(
        "{}",
        serde_json::json!({
            "created": all.len(), "errors": errs, "seconds": secs,
            "per_second": all.len() as f64 / secs.max(1e-9),
        })
    );
    if errs > 0 {
        bail!("{errs} image creations failed");
    }
    Ok(())
}

async fn seed_registry(
    connection: String,
    count: u64,
    concurrency: usize,
    prefix: String,
    ids_out: Option<std::path::PathBuf>,
) -> Result<()> {
    use glance_registry::Registry;
    let registry = glance_registry::connect(&connection)
        .await
        .context("cannot open the database")?;
    registry.migrate().await.context("migration failed")?;
    let registry = Arc::new(registry);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (registry, next, prefix) = (registry.clone(), next.clone(), prefix.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    break;
                }
                let mut image = glance_types::Image::new(
                    uuid::Uuid::new_v4().to_string(),
                    None,
                    glance_types::now(),
                );
                image.name = Some(format!("{prefix}-{n:07}"));
                image.disk_format = Some("raw".into());
                image.container_format = Some("bare".into());
                registry.create_image(&image).await?;
                ids.push(image.id);
            }
            anyhow::Ok(ids)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let secs = start.elapsed().as_secs_f64();
    if let Some(path) = ids_out {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?,
        );
        for id in &all {
            writeln!(f, "{id}")?;
        }
    }
    println!(
        "{}",
        serde_json::json!({
            "created": all.len(), "errors": 0, "seconds": secs,
            "per_second": all.len() as f64 / secs.max(1e-9),
        })
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn load(
    url: String,
    mut paths: Vec<String>,
    paths_file: Option<std::path::PathBuf>,
    concurrency: usize,
    duration: f64,
    max_requests: u64,
    warmup: f64,
    label: String,
    headers: Vec<(String, String)>,
) -> Result<()> {
    check_loopback(&url)?;
    if let Some(f) = paths_file {
        let text =
            std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
        paths.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string()),
        );
    }
    if paths.is_empty() {
        bail!("give at least one --path or --paths-file");
    }
    let base = url.trim_end_matches('/').to_string();
    let urls: Arc<Vec<String>> = Arc::new(paths.iter().map(|p| format!("{base}{p}")).collect());
    let client = client(concurrency, &headers)?;
    let cursor = Arc::new(AtomicUsize::new(0));
    let issued = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let first_error: Arc<std::sync::Mutex<Option<String>>> = Arc::default();

    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(warmup);
    let deadline = measure_from + Duration::from_secs_f64(duration);
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (client, urls, cursor, issued, errors, first_error) = (
            client.clone(),
            urls.clone(),
            cursor.clone(),
            issued.clone(),
            errors.clone(),
            first_error.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(1 << 16);
            loop {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                let measuring = now >= measure_from;
                if measuring && issued.fetch_add(1, Ordering::Relaxed) >= max_requests {
                    break;
                }
                let i = cursor.fetch_add(1, Ordering::Relaxed) % urls.len();
                let t0 = Instant::now();
                let ok = match client.get(&urls[i]).send().await {
                    Ok(r) => {
                        let status = r.status();
                        let body = r.bytes().await;
                        if status.is_success() && body.is_ok() {
                            true
                        } else {
                            let mut fe = first_error.lock().unwrap();
                            if fe.is_none() {
                                *fe = Some(format!("GET {} -> {status}", urls[i]));
                            }
                            false
                        }
                    }
                    Err(e) => {
                        let mut fe = first_error.lock().unwrap();
                        if fe.is_none() {
                            *fe = Some(format!("GET {} failed: {e}", urls[i]));
                        }
                        false
                    }
                };
                if measuring {
                    if ok {
                        lat.push(t0.elapsed().as_micros() as u64);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await?);
    }
    let measured = Instant::now()
        .min(deadline)
        .saturating_duration_since(measure_from)
        .as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return f64::NAN;
        }
        let idx = ((all.len() as f64 - 1.0) * p).round() as usize;
        all[idx] as f64 / 1000.0
    };
    let errs = errors.load(Ordering::Relaxed);
    println!(
        "{}",
        serde_json::json!({
            "label": label,
            "requests": all.len(),
            "errors": errs,
            "seconds": measured,
            "rps": all.len() as f64 / measured.max(1e-9),
            "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
            "max_ms": all.last().map(|v| *v as f64 / 1000.0).unwrap_or(f64::NAN),
            "first_error": first_error.lock().unwrap().clone(),
        })
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().cmd {
        Cmd::Seed {
            url,
            count,
            concurrency,
            name_prefix,
            ids_out,
            headers,
        } => seed(url, count, concurrency, name_prefix, ids_out, headers).await,
        Cmd::SeedRegistry {
            connection,
            count,
            concurrency,
            name_prefix,
            ids_out,
        } => seed_registry(connection, count, concurrency, name_prefix, ids_out).await,
        Cmd::Load {
            url,
            paths,
            paths_file,
            concurrency,
            duration,
            max_requests,
            warmup,
            label,
            headers,
        } => {
            load(
                url,
                paths,
                paths_file,
                concurrency,
                duration,
                max_requests,
                warmup,
                label,
                headers,
            )
            .await
        }
    }
}
