//! `glance help`, `glance help <subcommand>`, usage errors and
//! `bash-completion`, in argparse's layout, built from the clap definitions
//! so that help and parser never disagree.

use crate::error::CliError;
use crate::render::help::{HelpDoc, HelpItem, HelpSection, UsageItem, format_help, help_width};
use clap::{Arg, ArgAction, Command};

/// Options this client adds to upstream's (by clap id).
const EXTENSIONS: [&str; 2] = ["format", "os_cloud"];

/// Options whose values are integers (argparse's `type=int`).
const INT_OPTIONS: [&str; 5] = [
    "--limit",
    "--page-size",
    "--size",
    "--min-ram",
    "--min-disk",
];

/// The epilog of the main help.
const EPILOG: &str = "See \"glance help COMMAND\" for help on a specific command.";

/// The subcommands as `glance help` lists them: alphabetically, then
/// `bash-completion` and `help`.
fn subcommands(cmd: &Command) -> Vec<&Command> {
    let mut list: Vec<&Command> = cmd
        .get_subcommands()
        .filter(|c| !matches!(c.get_name(), "help" | "bash-completion"))
        .collect();
    list.sort_by_key(|c| c.get_name());
    list.extend(
        ["bash-completion", "help"]
            .iter()
            .filter_map(|n| cmd.find_subcommand(n)),
    );
    list
}

/// The metavar of a value-taking argument.
fn metavar(arg: &Arg) -> String {
    arg.get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase())
}

/// Whether the argument takes a value.
fn takes_value(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Set | ArgAction::Append)
}

/// How argparse writes the value part (`<X>`, `<X> [<X> ...]`, `[<X>]`).
fn value_part(arg: &Arg) -> String {
    let m = metavar(arg);
    match arg.get_num_args() {
        Some(r) if r.min_values() == 0 && r.max_values() == 1 => format!("[{m}]"),
        Some(r) if r.max_values() > 1 => format!("{m} [{m} ...]"),
        _ => m,
    }
}

/// The option strings of an optional argument (`-d`, `--debug`).
fn option_strings(arg: &Arg) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(s) = arg.get_short() {
        v.push(format!("-{s}"));
    }
    if let Some(l) = arg.get_long() {
        v.push(format!("--{l}"));
    }
    for alias in arg.get_visible_aliases().into_iter().flatten() {
        v.push(format!("--{alias}"));
    }
    v
}

/// A sentence as written: clap drops the final period of a one-line doc
/// comment, argparse help keeps it.
fn sentence(text: String) -> String {
    if text.is_empty() || text.ends_with(['.', ')', ':']) {
        text
    } else {
        format!("{text}.")
    }
}

/// The help text of an argument.
fn help_text(arg: &Arg) -> String {
    sentence(arg.get_help().map(|h| h.to_string()).unwrap_or_default())
}

/// One command's help document.
fn doc(prog: &str, cmd: &Command, description: Option<String>, main: bool) -> HelpDoc {
    let mut usage = Vec::new();
    let mut positionals = Vec::new();
    let mut optionals = Vec::new();
    let mut required = Vec::new();
    for arg in cmd.get_arguments() {
        if arg.is_hide_set() || arg.get_id() == "help" {
            continue;
        }
        if arg.is_positional() {
            usage.push(UsageItem::Positional(value_part(arg)));
            positionals.push(HelpItem {
                invocation: metavar(arg),
                help: help_text(arg),
            });
            continue;
        }
        let strings = option_strings(arg);
        let (first, invocation) = if takes_value(arg) {
            let value = value_part(arg);
            (
                format!("{} {value}", strings[0]),
                strings
                    .iter()
                    .map(|s| format!("{s} {value}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        } else {
            (strings[0].clone(), strings.join(", "))
        };
        let item = HelpItem {
            invocation,
            help: help_text(arg),
        };
        let heading = arg.get_help_heading().map(str::to_string);
        if EXTENSIONS.contains(&arg.get_id().as_str()) {
            // Ours alone: documented, but kept out of the usage line so that
            // usage reads (and usage errors print) as upstream's.
            optionals.push((heading, item));
        } else if arg.is_required_set() {
            usage.push(UsageItem::Optional(first));
            required.push(item);
        } else {
            usage.push(UsageItem::Optional(format!("[{first}]")));
            optionals.push((heading, item));
        }
    }
    let mut sections = Vec::new();
    if main {
        usage.push(UsageItem::Positional("<subcommand> ...".into()));
        let mut items = vec![HelpItem {
            invocation: "<subcommand>".into(),
            help: String::new(),
        }];
        items.extend(subcommands(cmd).into_iter().map(|c| HelpItem {
            invocation: format!("  {}", c.get_name()),
            help: sentence(c.get_about().map(|a| a.to_string()).unwrap_or_default()),
        }));
        sections.push(HelpSection {
            description: None,
            title: "Positional arguments".into(),
            items,
        });
    } else if !positionals.is_empty() {
        sections.push(HelpSection {
            description: None,
            title: "Positional arguments".into(),
            items: positionals,
        });
    }
    if !optionals.is_empty() {
        let mut groups: Vec<(String, Vec<HelpItem>)> = Vec::new();
        for (heading, item) in optionals {
            let title = heading.unwrap_or_else(|| "Options".to_string());
            match groups.iter_mut().find(|(t, _)| *t == title) {
                Some((_, items)) => items.push(item),
                None => groups.push((title, vec![item])),
            }
        }
        for (title, items) in groups {
            let description = match title.as_str() {
                crate::cli::CONNECTION => {
                    Some("How requests reach the server (TLS, timeouts).".into())
                }
                crate::cli::AUTH => Some("Options of password authentication.".into()),
                _ => None,
            };
            sections.push(HelpSection {
                description,
                title,
                items,
            });
        }
    }
    if !required.is_empty() {
        sections.push(HelpSection {
            description: None,
            title: "Required arguments".into(),
            items: required,
        });
    }
    HelpDoc {
        prog: prog.to_string(),
        usage,
        description,
        sections,
        epilog: if main {
            vec![EPILOG.to_string()]
        } else {
            Vec::new()
        },
    }
}

/// The main help (`glance help`, `glance` alone).
pub fn main_help(cmd: &Command) -> String {
    let about = cmd.get_about().map(|a| a.to_string());
    format_help(&doc("glance", cmd, about, true), help_width())
}

/// The help of one subcommand, or upstream's error for an unknown one.
pub fn command_help(cmd: &Command, name: &str) -> Result<String, CliError> {
    let Some(sub) = cmd
        .get_subcommands()
        .find(|c| c.get_name() == name || c.get_all_aliases().any(|a| a == name))
    else {
        return Err(CliError::command(format!(
            "'{name}' is not a valid subcommand"
        )));
    };
    let description = sub
        .get_long_about()
        .or(sub.get_about())
        .map(|a| sentence(a.to_string()));
    let prog = format!("glance {}", sub.get_name());
    Ok(format_help(
        &doc(&prog, sub, description, false),
        help_width(),
    ))
}

/// The usage block alone (`usage: …` and its continuation lines).
fn usage_block(cmd: &Command, sub: Option<&str>) -> (String, String) {
    let (prog, text) = match sub.and_then(|n| cmd.find_subcommand(n)) {
        Some(s) => {
            let prog = format!("glance {}", s.get_name());
            let text = format_help(&doc(&prog, s, None, false), help_width());
            (prog, text)
        }
        None => (
            "glance".to_string(),
            format_help(&doc("glance", cmd, None, true), help_width()),
        ),
    };
    let usage: String = text
        .split_inclusive('\n')
        .take_while(|l| !l.trim().is_empty())
        .collect();
    (prog, usage)
}

/// clap writes a positional as `<NAME>`; ours are `<NAME>` already, so it
/// shows `<<NAME>>`: one level comes off.
fn unwrap_metavar(s: &str) -> String {
    match s.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
        Some(inner) if inner.starts_with('<') => inner.to_string(),
        _ => s.to_string(),
    }
}

/// The subcommand named in `argv`, if any.
fn named_subcommand<'a>(cmd: &Command, argv: &'a [String]) -> Option<&'a str> {
    argv.iter()
        .skip(1)
        .map(String::as_str)
        .find(|a| cmd.find_subcommand(a).is_some())
}

/// A clap parse error as argparse reports it: the usage block, then
/// `prog: error: message`; exit code 2.
pub fn usage_error(cmd: &Command, argv: &[String], err: &clap::Error) -> CliError {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind| match err.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        _ => String::new(),
    };
    let quoted_list = |kind| match err.get(kind) {
        Some(ContextValue::Strings(v)) => v
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    };
    let sub = named_subcommand(cmd, argv);
    let arg_name = || {
        let raw = context(ContextKind::InvalidArg);
        // clap writes `--limit <<LIMIT>>`; argparse names the option alone,
        // or a positional by its metavar.
        match raw.split_once(' ') {
            Some((flag, _)) if flag.starts_with('-') => flag.to_string(),
            _ if raw.starts_with('<') => unwrap_metavar(&raw),
            _ => format!("<{raw}>"),
        }
    };
    let (scope, message) = match err.kind() {
        ErrorKind::InvalidSubcommand => {
            let names: Vec<String> = subcommands(cmd)
                .iter()
                .map(|c| format!("'{}'", c.get_name()))
                .collect();
            (
                None,
                format!(
                    "argument <subcommand>: invalid choice: '{}' (choose from {})",
                    context(ContextKind::InvalidSubcommand),
                    names.join(", ")
                ),
            )
        }
        ErrorKind::UnknownArgument => (
            None,
            format!(
                "unrecognized arguments: {}",
                context(ContextKind::InvalidArg)
            ),
        ),
        ErrorKind::MissingRequiredArgument => {
            let names: Vec<String> = match err.get(ContextKind::InvalidArg) {
                Some(ContextValue::Strings(v)) => v
                    .iter()
                    .map(|s| match s.split_once(' ') {
                        Some((flag, _)) if flag.starts_with('-') => flag.to_string(),
                        _ => unwrap_metavar(s),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            (
                sub,
                format!("the following arguments are required: {}", names.join(", ")),
            )
        }
        ErrorKind::InvalidValue if err.get(ContextKind::ValidValue).is_some() => (
            sub,
            format!(
                "argument {}: invalid choice: '{}' (choose from {})",
                arg_name(),
                context(ContextKind::InvalidValue),
                quoted_list(ContextKind::ValidValue)
            ),
        ),
        ErrorKind::InvalidValue | ErrorKind::NoEquals => (
            sub,
            format!("argument {}: expected one argument", arg_name()),
        ),
        ErrorKind::ValueValidation => {
            let name = arg_name();
            let kind = match name.as_str() {
                n if INT_OPTIONS.contains(&n) => "int",
                "--timeout" => "float",
                // argparse names the schema's strict boolean parser so.
                "--protected" => "<lambda>",
                _ => "bool_from_string",
            };
            (
                sub,
                format!(
                    "argument {name}: invalid {kind} value: '{}'",
                    context(ContextKind::InvalidValue)
                ),
            )
        }
        _ => {
            let text = err.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_string();
            (sub, first)
        }
    };
    let (prog, usage) = usage_block(cmd, scope);
    CliError::Usage {
        usage,
        prog,
        message,
    }
}

/// `bash-completion`: every subcommand and every option, space separated.
pub fn completion(cmd: &Command) -> String {
    let mut words: Vec<String> = subcommands(cmd)
        .iter()
        .map(|c| c.get_name().to_string())
        .filter(|n| n != "bash-completion")
        .collect();
    let mut options: Vec<String> = cmd
        .get_subcommands()
        .flat_map(|c| c.get_arguments())
        .filter(|a| !a.is_positional())
        .flat_map(option_strings)
        .collect();
    options.push("-h".into());
    options.push("--help".into());
    options.sort();
    options.dedup();
    words.extend(options);
    words.join(" ")
}
