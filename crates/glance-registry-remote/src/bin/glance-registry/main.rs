//! glance-registry: serves image metadata to glance-api nodes over
//! HTTP/JSON (the classic two-daemon layout).

use anyhow::Context;
use clap::Parser;
use glance_config::RegistryConfig;
use std::path::PathBuf;

/// The OpenStack Image service registry (glance-rs).
#[derive(Parser)]
#[command(name = "glance-registry", version)]
struct Args {
    /// A configuration file (repeatable; later files win). Default:
    /// /etc/glance/glance-registry.conf when it exists, else built-in defaults.
    #[arg(long = "config-file")]
    config_file: Vec<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let files = if args.config_file.is_empty() {
        RegistryConfig::default_files()
    } else {
        args.config_file
    };
    let config = RegistryConfig::load(&files, std::env::vars()).context("invalid configuration")?;
    glance_log::init(config.log_path("glance_registry").as_deref(), config.debug)?;
    if files.is_empty() {
        tracing::info!("no configuration file: using built-in defaults");
    }
    for f in &files {
        tracing::info!("configuration: {}", f.display());
    }
    let (app, registry) = glance_registry_remote::startup::build(&config).await?;
    let addr = format!("{}:{}", config.bind_host, config.bind_port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(
        "glance-registry listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    registry.close().await;
    tracing::info!("glance-registry stopped");
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
