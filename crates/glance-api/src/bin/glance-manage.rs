//! glance-manage: database administration (`db sync`, `db version`, `db check`),
//! the built-in identity, and `image-sweep` (recovery of abandoned uploads).

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use glance_api::service::UPLOAD_HEARTBEAT;
use glance_api::sweep::{DEFAULT_OLDER_THAN, SweepOptions};
use glance_registry::SqlRegistry;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Return `saving` images whose upload was abandoned (a node died) to
    /// `queued` and remove image files no image needs.
    ImageSweep {
        /// Only uploads silent for, and files untouched for, at least this many seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_OLDER_THAN.as_secs())]
        older_than: u64,
        /// Print what would be done; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Built-in identity commands.
    #[command(flatten)]
    Identity(IdentityCommand),
}

/// Commands on the built-in identity (users, projects, roles, bootstrap).
#[derive(Subcommand)]
enum IdentityCommand {
    /// Create the built-in identity's admin user and projects (idempotent) and
    /// write `admin-openrc` beside the data; `--password` sets the admin password.
    Bootstrap {
        /// The admin password (generated on first bootstrap when omitted).
        #[arg(long)]
        password: Option<String>,
    },
    /// Create a project in the built-in identity; prints its id.
    ProjectCreate {
        /// Project name.
        name: String,
    },
    /// List the built-in identity's projects.
    ProjectList,
    /// Create a user in the built-in identity.
    UserCreate {
        /// User name.
        name: String,
        /// Its password.
        #[arg(long)]
        password: String,
    },
    /// List the built-in identity's users.
    UserList,
    /// Give a user a role (admin, member, reader, service) on a project.
    RoleAdd {
        /// User name or id.
        #[arg(long)]
        user: String,
        /// Project name or id.
        #[arg(long)]
        project: String,
        /// Role name.
        role: String,
    },
    /// List role assignments.
    RoleAssignmentList,
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
    let action = match args.command {
        Command::Db { action } => action,
        Command::DbSync => DbAction::Sync,
        Command::DbVersion => DbAction::Version,
        Command::Identity(command) => return identity(&config, command),
        Command::ImageSweep {
            older_than,
            dry_run,
        } => return image_sweep(&config, Duration::from_secs(older_than), dry_run).await,
    };
    let registry = glance_api::startup::open_registry(&config).await?;
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

/// `image-sweep`: refuses thresholds within two upload heartbeats, which
/// could take live uploads for abandoned ones.
async fn image_sweep(
    config: &glance_config::ApiConfig,
    older_than: Duration,
    dry_run: bool,
) -> anyhow::Result<()> {
    let minimum = 2 * UPLOAD_HEARTBEAT;
    if older_than < minimum {
        bail!(
            "--older-than must be at least {} seconds (twice the upload heartbeat)",
            minimum.as_secs()
        );
    }
    // The registry glance-api uses: the embedded database or the daemon.
    let registry = glance_api::startup::build_registry(config).await?;
    let stores = glance_api::sweep::file_stores(config)?;
    let options = SweepOptions {
        older_than,
        dry_run,
    };
    let report = glance_api::sweep::sweep(registry.as_ref(), &stores, &options).await?;
    println!("{report}");
    Ok(())
}

/// The built-in identity commands.
fn identity(config: &glance_config::ApiConfig, command: IdentityCommand) -> anyhow::Result<()> {
    let identity = glance_api::startup::open_identity(config)?;
    match command {
        IdentityCommand::Bootstrap { password } => {
            let boot = identity.bootstrap(password.as_deref())?;
            let password = match (boot.password, password) {
                (Some(generated), _) => Some(generated),
                (None, Some(given)) => {
                    identity.set_password("admin", &given)?;
                    Some(given)
                }
                (None, None) => None,
            };
            match password {
                Some(password) => {
                    let path = glance_api::startup::openrc_path(config);
                    identity.write_openrc(
                        &path,
                        &glance_api::startup::auth_url(config),
                        &password,
                    )?;
                    println!("Admin credentials written to {}", path.display());
                }
                None => {
                    println!("Already bootstrapped; pass --password to reset the admin password.")
                }
            }
        }
        IdentityCommand::ProjectCreate { name } => {
            let project = identity.create_project(&name)?;
            println!("{}", project.id);
        }
        IdentityCommand::ProjectList => {
            for p in identity.list_projects()? {
                println!("{} {}", p.id, p.name);
            }
        }
        IdentityCommand::UserCreate { name, password } => {
            let user = identity.create_user(&name, &password)?;
            println!("{}", user.id);
        }
        IdentityCommand::UserList => {
            for u in identity.list_users()? {
                println!("{} {}", u.id, u.name);
            }
        }
        IdentityCommand::RoleAdd {
            user,
            project,
            role,
        } => identity.add_role(&user, &project, role.parse()?)?,
        IdentityCommand::RoleAssignmentList => {
            for a in identity.list_assignments()? {
                println!("{} {} {}", a.user_id, a.project_id, a.role);
            }
        }
    }
    Ok(())
}
