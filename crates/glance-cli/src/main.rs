//! `glance`: the command-line client for the OpenStack Images API v2, a
//! drop-in for python-glanceclient's v2 shell.

mod cli;
mod clouds;
mod commands;
mod error;
mod help;
mod interrupt;
mod render;
mod schema_options;
mod session;

use clap::{CommandFactory, FromArgMatches};
use cli::{Cli, Command};
use error::CliError;
use std::io::Write;

/// The API versions this client speaks.
const SUPPORTED_VERSIONS: [&str; 1] = ["2"];

/// Parses, runs, and turns the outcome into output and an exit code.
async fn run(argv: Vec<String>) -> Result<(), CliError> {
    let schema = schema_options::options_schema();
    let mut cmd = schema_options::command(Cli::command(), &schema);
    let matches = match cmd.try_get_matches_from_mut(&argv) {
        Ok(m) => m,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => {
            let name = argv
                .iter()
                .skip(1)
                .find(|a| cmd.find_subcommand(a).is_some())
                .cloned()
                .unwrap_or_default();
            print!("{}", help::command_help(&cmd, &name)?);
            return Ok(());
        }
        Err(e) => return Err(help::usage_error(&cmd, &argv, &e)),
    };
    let mut cli =
        Cli::from_arg_matches(&matches).map_err(|e| help::usage_error(&cmd, &argv, &e))?;
    if let (Some((name, sub)), Some(fields)) = (matches.subcommand(), cli.image_fields_mut()) {
        fields.schema = schema_options::values(name, sub, &schema);
    }
    let global = &cli.global;
    if global.version {
        println!("{}", env!("CARGO_PKG_VERSION"));
        return Ok(());
    }
    let version = global
        .os_image_api_version
        .clone()
        .or_else(|| std::env::var("OS_IMAGE_API_VERSION").ok())
        .filter(|v| !v.is_empty());
    if let Some(v) = &version
        && !SUPPORTED_VERSIONS.contains(&v.trim_end_matches(".0"))
    {
        return Err(CliError::command(
            "Invalid API version parameter. Supported values are (2,)",
        ));
    }
    let command = match &cli.command {
        None => {
            print!("{}", help::main_help(&cmd));
            return Ok(());
        }
        Some(_) if global.help => {
            print!("{}", help::main_help(&cmd));
            return Ok(());
        }
        Some(Command::Help { command: None }) => {
            print!("{}", help::main_help(&cmd));
            return Ok(());
        }
        Some(Command::Help {
            command: Some(name),
        }) => {
            print!("{}", help::command_help(&cmd, name)?);
            return Ok(());
        }
        Some(Command::BashCompletion) => {
            println!("{}", help::completion(&cmd));
            return Ok(());
        }
        Some(c) => c,
    };
    let client = session::connect(global).await?;
    if version.is_none() {
        schema_options::cache_schemas(
            &client,
            session::auth_url(global).as_deref(),
            global.get_schema,
        )
        .await;
    }
    let ctx = commands::Ctx {
        client,
        verbose: global.verbose,
        endpoint_provided: session::image_url(global).is_some(),
    };
    commands::run(&ctx, command).await
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = interrupt::install() {
        eprintln!("cannot watch for Ctrl-C: {e}");
    }
    let outcome = runtime.block_on(async {
        tokio::select! {
            r = run(argv) => r,
            _ = tokio::signal::ctrl_c() => Err(CliError::Interrupted),
        }
    });
    // A command that failed because Ctrl-C cut its data short was interrupted.
    let outcome = match outcome {
        Err(e) if !matches!(e, CliError::Interrupted) && interrupt::interrupted() => {
            Err(CliError::Interrupted)
        }
        other => other,
    };
    let _ = std::io::stdout().flush();
    if let Err(e) = outcome {
        let text = e.to_string();
        if !text.is_empty() {
            eprintln!("{text}");
        }
        std::process::exit(e.exit_code());
    }
}
