//! glance-api: serves the Images API v2.

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;

/// The OpenStack Image service API (glance-rs).
#[derive(Parser)]
#[command(name = "glance-api", version)]
struct Args {
    /// A configuration file (repeatable; later files win). Default:
    /// /etc/glance/glance-api.conf when it exists, else built-in defaults.
    #[arg(long = "config-file")]
    config_file: Vec<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (config, files) = glance_api::startup::load_config(args.config_file)?;
    glance_log::init(
        config.log_path("glance_api").as_deref(),
        config.default.debug,
    )?;
    if files.is_empty() {
        tracing::info!("no configuration file: using built-in defaults");
    }
    for f in &files {
        tracing::info!("configuration: {}", f.display());
    }
    let state = glance_api::startup::build(&config).await?;
    let addr = format!("{}:{}", config.default.bind_host, config.default.bind_port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!("glance-api listening on http://{}", listener.local_addr()?);
    axum::serve(listener, glance_api::router(state))
        .with_graceful_shutdown(shutdown())
        .await?;
    tracing::info!("glance-api stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
