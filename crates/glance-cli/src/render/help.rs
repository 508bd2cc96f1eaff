//! Help pages laid out as Python 3.11's `argparse.HelpFormatter` lays them out, with
//! glanceclient's subclass, which only upper-cases the first letter of section titles
//! (`Positional arguments`, `Options`, `Required arguments`).
//!
//! A page is: the `usage: ` block, the description, the sections, the epilog paragraphs, each
//! separated by a blank line. Descriptions, epilogs and help texts have their whitespace
//! collapsed and are refilled to the width. Items show their invocation in a column that ends
//! two spaces before the help column; the help column starts at the longest invocation (plus
//! indentation) + 2, but at most at 24 (or `width - 20` when narrower); an invocation too long
//! for its column puts the help on the next line.

use std::io::IsTerminal;

use super::text::{Measure, collapse_whitespace, py_strip, wrap};
use super::value::py_isspace;

/// argparse's default `max_help_position`.
const MAX_HELP_POSITION: i64 = 24;
/// argparse's default `indent_increment`.
const INDENT_INCREMENT: i64 = 2;

/// One help page (`glance help`, `glance help image-update`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelpDoc {
    /// The program name used in the usage line, e.g. `glance image-update`.
    pub prog: String,
    /// The usage items in definition order (argparse prints optionals first, then
    /// positionals). Suppressed arguments are left out.
    pub usage: Vec<UsageItem>,
    /// The parser's description (for subcommands glanceclient passes the whole docstring);
    /// `None` prints nothing, `Some("")` a blank paragraph.
    pub description: Option<String>,
    /// Sections in order; a section without items is not printed.
    pub sections: Vec<HelpSection>,
    /// Paragraphs after the sections (glanceclient's `See "glance help COMMAND" …`).
    pub epilog: Vec<String>,
}

/// A titled group of arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelpSection {
    /// The title as argparse knows it (`positional arguments`, `options`, `Required
    /// arguments`); its first letter is upper-cased when printed, as glanceclient does.
    pub title: String,
    /// The group's description, printed under the title (argparse argument
    /// groups).
    pub description: Option<String>,
    /// The arguments, in definition order, suppressed ones left out.
    pub items: Vec<HelpItem>,
}

/// One argument of a help section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelpItem {
    /// How the argument is written: `--name <NAME>`, `-h, --help`, `<IMAGE_ID>`.
    ///
    /// Sub-items, i.e. the subcommands argparse lists under the `<subcommand>` positional of
    /// `glance help`, follow their parent with two leading spaces (`"  image-create"`): they
    /// are indented and measured the way argparse treats sub-actions.
    pub invocation: String,
    /// Its help text; an empty text prints the invocation alone.
    pub help: String,
}

impl HelpItem {
    /// The nesting level (leading spaces / 2) and the invocation without them.
    fn level(&self) -> (i64, &str) {
        let text = self.invocation.trim_start_matches(' ');
        let spaces = self.invocation.len() - text.len();
        (i64::try_from(spaces / 2).unwrap_or(0), text)
    }
}

/// An entry of the usage line, already formatted as argparse formats it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageItem {
    /// An option: `[--name <NAME>]`, `[--tags <TAGS> [<TAGS> ...]]`, or without brackets when
    /// required (`--url <URL>`).
    Optional(String),
    /// A positional: `<IMAGE_ID>`, `<IMAGE_ID> [<IMAGE_ID> ...]`, `<subcommand> ...`.
    Positional(String),
}

/// The width argparse formats help for: `$COLUMNS` when it is a positive integer, else the
/// width of the terminal on stdout, else 80; minus 2 (`shutil.get_terminal_size().columns - 2`).
pub fn help_width() -> usize {
    let env = std::env::var("COLUMNS").ok();
    width_from(env.as_deref(), || {
        let stdout = std::io::stdout();
        if !stdout.is_terminal() {
            return None;
        }
        terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0))
    })
}

/// [`help_width`] given `$COLUMNS` and a way to ask the terminal for its width.
fn width_from(columns_env: Option<&str>, terminal: impl FnOnce() -> Option<usize>) -> usize {
    let from_env = columns_env
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|c| *c > 0);
    let columns = match from_env {
        Some(c) => usize::try_from(c).unwrap_or(usize::MAX),
        None => terminal().filter(|w| *w > 0).unwrap_or(80),
    };
    columns.saturating_sub(2)
}

/// The page as argparse's `format_help()` returns it: ending with a newline (print it with
/// `print!`). glanceclient's `help` command then prints its `Run \`glance
/// --os-image-api-version 1 help…\`` hint after a blank line; that is not part of the page.
pub fn format_help(doc: &HelpDoc, width: usize) -> String {
    let width = i64::try_from(width).unwrap_or(i64::MAX);
    let max_help_position = MAX_HELP_POSITION.min((width - 20).max(INDENT_INCREMENT * 2));
    // Items sit one indentation step inside their section; a sub-item's length counts with
    // its parent's indentation, as argparse measures it.
    let action_max_length = doc
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .map(|item| char_len(item.level().1) + INDENT_INCREMENT)
        .max()
        .unwrap_or(0);
    let layout = Layout {
        width,
        help_position: (action_max_length + 2).min(max_help_position),
    };

    let mut parts: Vec<String> = Vec::new();
    parts.push(format_usage(&doc.prog, &doc.usage, width));
    if let Some(description) = &doc.description {
        parts.push(format_text(description, width));
    }
    for section in &doc.sections {
        let items: String = section
            .items
            .iter()
            .map(|item| {
                let (level, invocation) = item.level();
                layout.format_item(invocation, &item.help, INDENT_INCREMENT * (1 + level))
            })
            .collect();
        if items.is_empty() {
            continue;
        }
        let mut title = section.title.chars();
        let title: String = title
            .next()
            .map(|c| c.to_uppercase().chain(title).collect())
            .unwrap_or_default();
        let description = match &section.description {
            Some(text) => {
                let text_width = usize::try_from((width - INDENT_INCREMENT).max(11)).unwrap_or(11);
                let lines = wrap(&collapse_whitespace(text), text_width, Measure::Chars);
                let indent = " ".repeat(usize::try_from(INDENT_INCREMENT).unwrap_or(2));
                let body: Vec<String> = lines.iter().map(|l| format!("{indent}{l}")).collect();
                format!("{}\n\n", body.join("\n"))
            }
            None => String::new(),
        };
        parts.push(format!("\n{title}:\n{description}{items}\n"));
    }
    for paragraph in &doc.epilog {
        parts.push(format_text(paragraph, width));
    }
    let joined = parts.concat();
    let mut collapsed = String::with_capacity(joined.len());
    let mut newlines = 0;
    for c in joined.chars() {
        if c == '\n' {
            newlines += 1;
            if newlines <= 2 {
                collapsed.push(c);
            }
        } else {
            newlines = 0;
            collapsed.push(c);
        }
    }
    if collapsed.is_empty() {
        return collapsed;
    }
    format!("{}\n", collapsed.trim_matches('\n'))
}

fn char_len(s: &str) -> i64 {
    i64::try_from(s.chars().count()).unwrap_or(i64::MAX)
}

fn spaces(n: i64) -> String {
    " ".repeat(usize::try_from(n).unwrap_or(0))
}

struct Layout {
    width: i64,
    help_position: i64,
}

impl Layout {
    /// argparse's `_format_action` (sub-actions come as items of their own).
    fn format_item(&self, invocation: &str, help: &str, indent: i64) -> String {
        let help_width = (self.width - self.help_position).max(11);
        let action_width = self.help_position - indent - 2;
        let mut out = String::new();
        let mut indent_first = 0;
        if help.is_empty() {
            out.push_str(&format!("{}{invocation}\n", spaces(indent)));
        } else if char_len(invocation) <= action_width {
            let pad = usize::try_from(action_width).unwrap_or(0);
            out.push_str(&format!("{}{invocation:<pad$}  ", spaces(indent)));
        } else {
            out.push_str(&format!("{}{invocation}\n", spaces(indent)));
            indent_first = self.help_position;
        }
        if !py_strip(help).is_empty() {
            let text = collapse_whitespace(help);
            let lines = wrap(
                &text,
                usize::try_from(help_width).unwrap_or(11),
                Measure::Chars,
            );
            for (i, line) in lines.iter().enumerate() {
                let lead = if i == 0 {
                    indent_first
                } else {
                    self.help_position
                };
                out.push_str(&format!("{}{line}\n", spaces(lead)));
            }
        } else if !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }
}

/// argparse's `_format_text` at the top level: the paragraph refilled, then a blank line.
fn format_text(text: &str, width: i64) -> String {
    let text_width = usize::try_from(width.max(11)).unwrap_or(11);
    let lines = wrap(&collapse_whitespace(text), text_width, Measure::Chars);
    format!("{}\n\n", lines.join("\n"))
}

/// argparse's `_format_usage` for generated usages.
fn format_usage(prog: &str, items: &[UsageItem], width: i64) -> String {
    const PREFIX: &str = "usage: ";
    let optionals: Vec<&str> = items
        .iter()
        .filter_map(|i| match i {
            UsageItem::Optional(s) => Some(s.as_str()),
            UsageItem::Positional(_) => None,
        })
        .collect();
    let positionals: Vec<&str> = items
        .iter()
        .filter_map(|i| match i {
            UsageItem::Positional(s) => Some(s.as_str()),
            UsageItem::Optional(_) => None,
        })
        .collect();
    let all: Vec<&str> = optionals.iter().chain(&positionals).copied().collect();
    let action_usage = actions_usage(&all);
    let usage = if action_usage.is_empty() {
        prog.to_owned()
    } else {
        format!("{prog} {action_usage}")
    };
    let prefix_len = char_len(PREFIX);
    let text_width = width;
    if prefix_len + char_len(&usage) <= text_width {
        return format!("{PREFIX}{usage}\n\n");
    }
    let opt_parts = usage_parts(&actions_usage(&optionals));
    let pos_parts = usage_parts(&actions_usage(&positionals));
    let get_lines = |parts: &[String], indent: &str, prefix: Option<&str>| -> Vec<String> {
        let mut lines = Vec::new();
        let mut line: Vec<&str> = Vec::new();
        let mut line_len = prefix.map_or(char_len(indent), char_len) - 1;
        for part in parts {
            if line_len + 1 + char_len(part) > text_width && !line.is_empty() {
                lines.push(format!("{indent}{}", line.join(" ")));
                line.clear();
                line_len = char_len(indent) - 1;
            }
            line.push(part);
            line_len += char_len(part) + 1;
        }
        if !line.is_empty() {
            lines.push(format!("{indent}{}", line.join(" ")));
        }
        if prefix.is_some()
            && let Some(first) = lines.first_mut()
        {
            *first = first.chars().skip(indent.chars().count()).collect();
        }
        lines
    };
    let prog_part = vec![prog.to_owned()];
    let lines: Vec<String> = if 4 * (prefix_len + char_len(prog)) <= 3 * text_width {
        let indent = spaces(prefix_len + char_len(prog) + 1);
        if !opt_parts.is_empty() {
            let mut lines = get_lines(&[prog_part, opt_parts].concat(), &indent, Some(PREFIX));
            lines.extend(get_lines(&pos_parts, &indent, None));
            lines
        } else if !pos_parts.is_empty() {
            get_lines(&[prog_part, pos_parts].concat(), &indent, Some(PREFIX))
        } else {
            prog_part
        }
    } else {
        let indent = spaces(prefix_len);
        let both = [opt_parts.clone(), pos_parts.clone()].concat();
        let mut lines = get_lines(&both, &indent, None);
        if lines.len() > 1 {
            lines = get_lines(&opt_parts, &indent, None);
            lines.extend(get_lines(&pos_parts, &indent, None));
        }
        [prog_part, lines].concat()
    };
    format!("{PREFIX}{}\n\n", lines.join("\n"))
}

/// argparse's `_format_actions_usage` for items without mutually exclusive groups: the items
/// joined by spaces, with spaces just inside brackets and empty brackets removed.
fn actions_usage(items: &[&str]) -> String {
    let text = items.join(" ");
    let c: Vec<char> = text.chars().collect();
    // `([\[(]) ` → `\1`
    let mut a = Vec::with_capacity(c.len());
    let mut i = 0;
    while i < c.len() {
        a.push(c[i]);
        if matches!(c[i], '[' | '(') && c.get(i + 1) == Some(&' ') {
            i += 1;
        }
        i += 1;
    }
    // ` ([\])])` → `\1`
    let mut b = Vec::with_capacity(a.len());
    let mut i = 0;
    while i < a.len() {
        if a[i] == ' ' && matches!(a.get(i + 1), Some(']' | ')')) {
            b.push(a[i + 1]);
            i += 2;
        } else {
            b.push(a[i]);
            i += 1;
        }
    }
    // `[\[(] *[\])]` → ``
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if matches!(b[i], '[' | '(') {
            let mut j = i + 1;
            while j < b.len() && b[j] == ' ' {
                j += 1;
            }
            if matches!(b.get(j), Some(']' | ')')) {
                i = j + 1;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    py_strip(&out).to_owned()
}

/// `re.findall(r'\(.*?\)+(?=\s|$)|\[.*?\]+(?=\s|$)|\S+', text)`: bracketed groups that end
/// before whitespace, or runs of non-whitespace.
fn usage_parts(text: &str) -> Vec<String> {
    let c: Vec<char> = text.chars().collect();
    let n = c.len();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < n {
        if py_isspace(c[i]) {
            i += 1;
            continue;
        }
        let mut end = None;
        if let Some(close) = match c[i] {
            '(' => Some(')'),
            '[' => Some(']'),
            _ => None,
        } {
            let mut k = i + 1;
            while k < n && c[k] != '\n' {
                if c[k] == close {
                    let mut m = k;
                    while m < n && c[m] == close {
                        m += 1;
                    }
                    if m == n || py_isspace(c[m]) {
                        end = Some(m);
                        break;
                    }
                }
                k += 1;
            }
        }
        let end = end.unwrap_or_else(|| {
            let mut m = i;
            while m < n && !py_isspace(c[m]) {
                m += 1;
            }
            m
        });
        parts.push(c[i..end].iter().collect());
        i = end;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(invocation: impl Into<String>, help: impl Into<String>) -> HelpItem {
        HelpItem {
            invocation: invocation.into(),
            help: help.into(),
        }
    }

    fn opt(s: &str) -> UsageItem {
        UsageItem::Optional(s.to_owned())
    }

    fn pos(s: &str) -> UsageItem {
        UsageItem::Positional(s.to_owned())
    }

    /// A parser shaped like `glance image-update` (a few schema options).
    fn image_update() -> HelpDoc {
        HelpDoc {
            prog: "glance image-update".into(),
            usage: vec![
                opt("[--architecture <ARCHITECTURE>]"),
                opt("[--protected [True|False]]"),
                opt("[--name <NAME>]"),
                opt("[--visibility <VISIBILITY>]"),
                opt("[--tags <TAGS> [<TAGS> ...]]"),
                opt("[--property <key=value>]"),
                opt("[--remove-property key]"),
                pos("<IMAGE_ID>"),
            ],
            description: Some("Update an existing image.".into()),
            sections: vec![
                HelpSection {
                    description: None,
                    title: "positional arguments".into(),
                    items: vec![item("<IMAGE_ID>", "ID of image to update.")],
                },
                HelpSection {
                    description: None,
                    title: "options".into(),
                    items: vec![
                        item(
                            "--architecture <ARCHITECTURE>",
                            "Operating system architecture as specified in \
                             https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html",
                        ),
                        item(
                            "--protected [True|False]",
                            "If true, image will not be deletable.",
                        ),
                        item("--name <NAME>", "Descriptive name for the image"),
                        item(
                            "--visibility <VISIBILITY>",
                            "Scope of image accessibility Valid values: public, private, community, shared",
                        ),
                        item(
                            "--tags <TAGS> [<TAGS> ...]",
                            "List of strings related to the image",
                        ),
                        item(
                            "--property <key=value>",
                            "Arbitrary property to associate with image. May be used multiple times.",
                        ),
                        item("--remove-property key", ""),
                    ],
                },
                HelpSection {
                    description: None,
                    title: "Required arguments".into(),
                    items: vec![],
                },
            ],
            epilog: vec![],
        }
    }

    #[test]
    fn subcommand_page_at_80_columns() {
        // Expected: python3.11 argparse with glanceclient.shell.HelpFormatter, COLUMNS=80.
        let want = "\
usage: glance image-update [--architecture <ARCHITECTURE>]
                           [--protected [True|False]] [--name <NAME>]
                           [--visibility <VISIBILITY>]
                           [--tags <TAGS> [<TAGS> ...]]
                           [--property <key=value>] [--remove-property key]
                           <IMAGE_ID>

Update an existing image.

Positional arguments:
  <IMAGE_ID>            ID of image to update.

Options:
  --architecture <ARCHITECTURE>
                        Operating system architecture as specified in
                        https://docs.openstack.org/python-
                        glanceclient/latest/cli/property-keys.html
  --protected [True|False]
                        If true, image will not be deletable.
  --name <NAME>         Descriptive name for the image
  --visibility <VISIBILITY>
                        Scope of image accessibility Valid values: public,
                        private, community, shared
  --tags <TAGS> [<TAGS> ...]
                        List of strings related to the image
  --property <key=value>
                        Arbitrary property to associate with image. May be
                        used multiple times.
  --remove-property key
";
        assert_eq!(format_help(&image_update(), 78), want);
    }

    #[test]
    fn subcommand_page_narrow() {
        // Expected: the same parser with COLUMNS=40.
        let want = "\
usage: glance image-update
                           [--architecture <ARCHITECTURE>]
                           [--protected [True|False]]
                           [--name <NAME>]
                           [--visibility <VISIBILITY>]
                           [--tags <TAGS> [<TAGS> ...]]
                           [--property <key=value>]
                           [--remove-property key]
                           <IMAGE_ID>

Update an existing image.

Positional arguments:
  <IMAGE_ID>      ID of image to
                  update.

Options:
  --architecture <ARCHITECTURE>
                  Operating system
                  architecture as
                  specified in https:/
                  /docs.openstack.org/
                  python-glanceclient/
                  latest/cli/property-
                  keys.html
  --protected [True|False]
                  If true, image will
                  not be deletable.
  --name <NAME>   Descriptive name for
                  the image
  --visibility <VISIBILITY>
                  Scope of image
                  accessibility Valid
                  values: public,
                  private, community,
                  shared
  --tags <TAGS> [<TAGS> ...]
                  List of strings
                  related to the image
  --property <key=value>
                  Arbitrary property
                  to associate with
                  image. May be used
                  multiple times.
  --remove-property key
";
        assert_eq!(format_help(&image_update(), 38), want);
    }

    /// A parser shaped like the top-level `glance` one.
    fn glance() -> HelpDoc {
        let command = |name: &str, help: &str| item(format!("  {name}"), help);
        HelpDoc {
            prog: "glance".into(),
            usage: vec![
                opt("[--version]"),
                opt("[-d]"),
                opt("[-v]"),
                opt("[--os-image-url OS_IMAGE_URL]"),
                opt("[--os-auth-type <name>]"),
                pos("<subcommand> ..."),
            ],
            description: Some("Command-line interface to the OpenStack Images API.".into()),
            sections: vec![
                HelpSection {
                    description: None,
                    title: "positional arguments".into(),
                    items: vec![
                        item("<subcommand>", ""),
                        command("image-create", "Create a new image."),
                        command(
                            "image-create-via-import",
                            "EXPERIMENTAL: Create a new image via image import using glance-direct import method.",
                        ),
                        command("image-list", "List images you can access."),
                        command("bash-completion", "Prints arguments for bash_completion."),
                        command(
                            "help",
                            "Display help about this program or one of its subcommands.",
                        ),
                    ],
                },
                HelpSection {
                    description: None,
                    title: "options".into(),
                    items: vec![
                        item("--version", "show program's version number and exit"),
                        item("-d, --debug", "Defaults to env[GLANCECLIENT_DEBUG]."),
                        item("-v, --verbose", "Print more verbose output."),
                        item(
                            "--os-image-url OS_IMAGE_URL",
                            "Defaults to env[OS_IMAGE_URL]. If the provided image url contains a version number \
                             and `--os-image-api-version` is omitted the version of the URL will be picked as \
                             the image api version to use.",
                        ),
                        item(
                            "--os-auth-type <name>, --os-auth-plugin <name>",
                            "Authentication type to use",
                        ),
                    ],
                },
            ],
            epilog: vec!["See \"glance help COMMAND\" for help on a specific command.".into()],
        }
    }

    #[test]
    fn top_level_page_with_subcommands() {
        // Expected: python3.11 argparse with glanceclient.shell.HelpFormatter, COLUMNS=80.
        let want = "\
usage: glance [--version] [-d] [-v] [--os-image-url OS_IMAGE_URL]
              [--os-auth-type <name>]
              <subcommand> ...

Command-line interface to the OpenStack Images API.

Positional arguments:
  <subcommand>
    image-create        Create a new image.
    image-create-via-import
                        EXPERIMENTAL: Create a new image via image import
                        using glance-direct import method.
    image-list          List images you can access.
    bash-completion     Prints arguments for bash_completion.
    help                Display help about this program or one of its
                        subcommands.

Options:
  --version             show program's version number and exit
  -d, --debug           Defaults to env[GLANCECLIENT_DEBUG].
  -v, --verbose         Print more verbose output.
  --os-image-url OS_IMAGE_URL
                        Defaults to env[OS_IMAGE_URL]. If the provided image
                        url contains a version number and `--os-image-api-
                        version` is omitted the version of the URL will be
                        picked as the image api version to use.
  --os-auth-type <name>, --os-auth-plugin <name>
                        Authentication type to use

See \"glance help COMMAND\" for help on a specific command.
";
        assert_eq!(format_help(&glance(), 78), want);
    }

    #[test]
    fn sub_items_measured_at_parent_indent() {
        // Expected: python3.11 argparse with glanceclient.shell.HelpFormatter, COLUMNS=50.
        let doc = HelpDoc {
            prog: "glance".into(),
            usage: vec![opt("[-d]"), pos("<subcommand> ...")],
            sections: vec![
                HelpSection {
                    description: None,
                    title: "positional arguments".into(),
                    items: vec![
                        item("<subcommand>", ""),
                        item(
                            "  image-list",
                            "List images you can access with a long summary.",
                        ),
                        item("  md-namespace-list", "List namespaces."),
                    ],
                },
                HelpSection {
                    description: None,
                    title: "options".into(),
                    items: vec![item("-d, --debug", "Debug.")],
                },
            ],
            ..HelpDoc::default()
        };
        let want = "\
usage: glance [-d] <subcommand> ...

Positional arguments:
  <subcommand>
    image-list       List images you can access
                     with a long summary.
    md-namespace-list
                     List namespaces.

Options:
  -d, --debug        Debug.
";
        assert_eq!(format_help(&doc, 48), want);
    }

    #[test]
    fn short_invocations_and_long_prog() {
        // Expected: python3.11 argparse with glanceclient.shell.HelpFormatter, COLUMNS=60.
        let doc = HelpDoc {
            prog: "glance md-namespace-resource-type-list-with-a-long-name".into(),
            usage: vec![
                opt("[--page-size <SIZE>]"),
                opt("--url <URL>"),
                pos("<NAMESPACE>"),
                pos("<ID> [<ID> ...]"),
            ],
            description: Some("\n    List resource types.\n\n    With   spaces.\n    ".into()),
            sections: vec![
                HelpSection {
                    description: None,
                    title: "positional arguments".into(),
                    items: vec![
                        item("<NAMESPACE>", "Name of namespace."),
                        item("<ID>", "  "),
                    ],
                },
                HelpSection {
                    description: None,
                    title: "options".into(),
                    items: vec![item("--page-size <SIZE>", "Number per page.")],
                },
                HelpSection {
                    description: None,
                    title: "Required arguments".into(),
                    items: vec![item("--url <URL>", "URL of location to add.")],
                },
            ],
            epilog: vec![],
        };
        let want = "\
usage: glance md-namespace-resource-type-list-with-a-long-name
       [--page-size <SIZE>] --url <URL>
       <NAMESPACE> <ID> [<ID> ...]

List resource types. With spaces.

Positional arguments:
  <NAMESPACE>         Name of namespace.
  <ID>                \n\
\n\
Options:
  --page-size <SIZE>  Number per page.

Required arguments:
  --url <URL>         URL of location to add.
";
        assert_eq!(format_help(&doc, 58), want);
    }

    #[test]
    fn usage_that_fits() {
        // Expected: python3.11 argparse with glanceclient.shell.HelpFormatter, COLUMNS=80.
        let doc = HelpDoc {
            prog: "glance image-show".into(),
            usage: vec![
                opt("[--human-readable]"),
                opt("[--max-column-width <integer>]"),
                pos("<IMAGE_ID>"),
            ],
            sections: vec![
                HelpSection {
                    description: None,
                    title: "positional arguments".into(),
                    items: vec![item("<IMAGE_ID>", "ID of image to describe.")],
                },
                HelpSection {
                    description: None,
                    title: "options".into(),
                    items: vec![
                        item(
                            "--human-readable",
                            "Print image size in a human-friendly format.",
                        ),
                        item(
                            "--max-column-width <integer>",
                            "The max column width of the printed table.",
                        ),
                    ],
                },
            ],
            ..HelpDoc::default()
        };
        let want = "\
usage: glance image-show [--human-readable] [--max-column-width <integer>]
                         <IMAGE_ID>

Positional arguments:
  <IMAGE_ID>            ID of image to describe.

Options:
  --human-readable      Print image size in a human-friendly format.
  --max-column-width <integer>
                        The max column width of the printed table.
";
        assert_eq!(format_help(&doc, 78), want);
        let doc = HelpDoc {
            prog: "glance cache-clean".into(),
            ..HelpDoc::default()
        };
        assert_eq!(format_help(&doc, 78), "usage: glance cache-clean\n");
    }

    #[test]
    fn usage_splitting() {
        assert_eq!(
            usage_parts("[--tags <TAGS> [<TAGS> ...]] [-x] <A> [<B> ...]"),
            ["[--tags <TAGS> [<TAGS> ...]]", "[-x]", "<A>", "[<B> ...]"]
        );
        assert_eq!(usage_parts("(a | b) [c]d e"), ["(a | b)", "[c]d", "e"]);
        assert_eq!(actions_usage(&["[ -a ]", "[]", "( x )"]), "[-a]  (x)");
    }

    #[test]
    fn width_from_columns() {
        assert_eq!(width_from(Some("100"), || Some(50)), 98);
        assert_eq!(width_from(Some(" 60 "), || None), 58);
        assert_eq!(width_from(Some("0"), || Some(50)), 48);
        assert_eq!(width_from(Some("wide"), || None), 78);
        assert_eq!(width_from(None, || Some(0)), 78);
        assert_eq!(width_from(None, || None), 78);
    }
}
