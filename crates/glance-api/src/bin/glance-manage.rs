//! glance-manage: database administration (`db sync`, `db version`, `db check`).

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use glance_registry::SqlRegistry;
use std::path::PathBuf;

/// Manage the glance-rs database.
#[derive(Parser)]
#[command(name = "glance-manage", version)]
struct Args {
    /// A configuration file (repeatable). Default: /etc/glance/glance-api.conf if present.
    #[arg(long = "config-file", global = true)]
    config_file: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Database commands.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Same as `db sync` (upstream's legacy spelling).
    #[command(name = "db_sync")]
    DbSync,
    /// Same as `db version`.
    #[command(name = "db_version")]
    DbVersion,
}

#[derive(Subcommand)]
enum DbAction {
    /// Create the schema or upgrade it to the latest version.
    Sync,
    /// Print the current schema version.
    Version,
    /// Exit non-zero unless the schema is current.
    Check,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (config, _) = glance_api::startup::load_config(args.config_file)?;
    let registry = glance_api::startup::open_registry(&config).await?;
    let action = match args.command {
        Command::Db { action } => action,
        Command::DbSync => DbAction::Sync,
        Command::DbVersion => DbAction::Version,
    };
    let latest = SqlRegistry::latest_version();
    match action {
        DbAction::Sync => {
            let before = registry.schema_version().await?;
            registry.migrate().await.context("migration failed")?;
            println!("Database schema is at version {latest} (was {before}).");
        }
        DbAction::Version => println!("{}", registry.schema_version().await?),
        DbAction::Check => {
            let current = registry.schema_version().await?;
            if current != latest {
                bail!(
                    "database schema is at version {current}, latest is {latest}: run `glance-manage db sync`"
                );
            }
            println!("Database schema is current (version {latest}).");
        }
    }
    Ok(())
}
