//! YAML output as PyYAML's `yaml.safe_dump(data, default_flow_style=False)` writes it.
//!
//! A port of the parts of PyYAML 6's representer, resolver and emitter that JSON data reaches:
//! block mappings (keys sorted) and sequences (not indented under a mapping key), `[]` and `{}`
//! for empty collections, and scalars in plain, single-quoted or double-quoted style with
//! PyYAML's choice rules (strings that would read back as another type, such as `'true'`,
//! `'123'`, `''` or timestamps, are quoted; non-ASCII text is double-quoted with escapes) and
//! its folding of long scalars at 80 columns.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::value::py_float_repr;

const BEST_INDENT: usize = 2;
const BEST_WIDTH: usize = 80;

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankish(c: char) -> bool {
    matches!(
        c,
        '\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// PyYAML's implicit resolvers: plain text matching one of these reads back as something
/// other than a string.
static IMPLICIT: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
        r"^(?:<<)$",
        r"^(?:~|null|Null|NULL|)$",
        r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
        r"^(?:=)$",
        r"^(?:!|&|\*)$",
    ]
    .iter()
    .filter_map(|re| Regex::new(re).ok())
    .collect()
});

/// Whether plain `text` would be read back as a string (no implicit resolver claims it).
/// Like Python's `$`, a match may stop before one final newline.
fn resolves_to_str(text: &str) -> bool {
    let candidates = [Some(text), text.strip_suffix('\n')];
    !candidates
        .into_iter()
        .flatten()
        .any(|t| IMPLICIT.iter().any(|re| re.is_match(t)))
}

/// `yaml.safe_dump(v, default_flow_style=False)`, ending with a newline.
pub(crate) fn safe_dump(v: &Value) -> String {
    let mut e = Emitter::default();
    e.node(
        v,
        Context {
            root: true,
            ..Context::default()
        },
    );
    // Document end, then stream end.
    e.write_indent();
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    e.out
}

#[derive(Default, Clone, Copy)]
struct Context {
    root: bool,
    mapping: bool,
    simple_key: bool,
}

struct Emitter {
    out: String,
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
    column: usize,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    root_context: bool,
    mapping_context: bool,
    simple_key_context: bool,
}

impl Default for Emitter {
    fn default() -> Self {
        Self {
            out: String::new(),
            indent: None,
            indents: Vec::new(),
            column: 0,
            whitespace: true,
            indention: true,
            open_ended: false,
            root_context: false,
            mapping_context: false,
            simple_key_context: false,
        }
    }
}

struct Analysis {
    empty: bool,
    multiline: bool,
    allow_block_plain: bool,
    allow_single_quoted: bool,
}

#[derive(PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
}

fn analyze(scalar: &[char]) -> Analysis {
    if scalar.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            allow_block_plain: true,
            allow_single_quoted: true,
        };
    }
    let n = scalar.len();
    let mut block_indicators = false;
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let starts_with = |p: &str| scalar.iter().take(3).copied().eq(p.chars());
    if starts_with("---") || starts_with("...") {
        block_indicators = true;
    }
    let mut preceded_by_ws = true;
    let mut followed_by_ws = n == 1 || is_blankish(scalar[1]);
    let (mut previous_space, mut previous_break) = (false, false);
    for (index, &ch) in scalar.iter().enumerate() {
        if index == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                block_indicators = true;
            }
            if (ch == '?' || ch == ':') && followed_by_ws {
                block_indicators = true;
            }
            if ch == '-' && followed_by_ws {
                block_indicators = true;
            }
        } else {
            if ch == ':' && followed_by_ws {
                block_indicators = true;
            }
            if ch == '#' && preceded_by_ws {
                block_indicators = true;
            }
        }
        if is_break(ch) {
            line_breaks = true;
        }
        if !(ch == '\n' || (' '..='~').contains(&ch)) {
            // Without allow_unicode, every other character needs an escape.
            special = true;
        }
        if ch == ' ' {
            if index == 0 {
                leading_space = true;
            }
            if index == n - 1 {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(ch) {
            if index == 0 {
                leading_break = true;
            }
            if index == n - 1 {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_ws = is_blankish(ch);
        followed_by_ws = index + 2 >= n || is_blankish(scalar[index + 2]);
    }
    let mut allow_block_plain = true;
    let mut allow_single_quoted = true;
    if leading_space || leading_break || trailing_space || trailing_break {
        allow_block_plain = false;
    }
    if break_space {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if space_break || special {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if line_breaks || block_indicators {
        allow_block_plain = false;
    }
    Analysis {
        empty: false,
        multiline: line_breaks,
        allow_block_plain,
        allow_single_quoted,
    }
}

/// The text and "reads back as its own type" flag PyYAML's representer gives a JSON scalar.
fn represent(v: &Value) -> (String, bool) {
    match v {
        Value::Null => ("null".to_owned(), true),
        Value::Bool(b) => ((if *b { "true" } else { "false" }).to_owned(), true),
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or_default();
            let text = if f.is_nan() {
                ".nan".to_owned()
            } else if f.is_infinite() {
                (if f > 0.0 { ".inf" } else { "-.inf" }).to_owned()
            } else {
                let repr = py_float_repr(f).to_lowercase();
                if !repr.contains('.') && repr.contains('e') {
                    repr.replacen('e', ".0e", 1)
                } else {
                    repr
                }
            };
            (text, true)
        }
        Value::Number(n) => (n.to_string(), true),
        Value::String(s) => (s.clone(), resolves_to_str(s)),
        Value::Array(_) | Value::Object(_) => (String::new(), true),
    }
}

impl Emitter {
    fn push(&mut self, s: &str) {
        self.column += s.chars().count();
        self.out.push_str(s);
    }

    fn push_chars(&mut self, s: &[char]) {
        self.column += s.len();
        self.out.extend(s.iter());
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        match self.indent {
            None => self.indent = Some(if flow { BEST_INDENT } else { 0 }),
            Some(i) if !indentless => self.indent = Some(i + BEST_INDENT),
            Some(_) => {}
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().flatten();
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        whitespace: bool,
        indention: bool,
    ) {
        let data = if self.whitespace || !need_whitespace {
            indicator.to_owned()
        } else {
            format!(" {indicator}")
        };
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
        self.open_ended = false;
        self.push(&data);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break(None);
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.push(&pad);
        }
    }

    fn write_line_break(&mut self, data: Option<char>) {
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
        self.out.push(data.unwrap_or('\n'));
    }

    fn node(&mut self, v: &Value, ctx: Context) {
        self.root_context = ctx.root;
        self.mapping_context = ctx.mapping;
        self.simple_key_context = ctx.simple_key;
        match v {
            Value::Array(items) if items.is_empty() => self.empty_flow("[", "]"),
            Value::Object(map) if map.is_empty() => self.empty_flow("{", "}"),
            Value::Array(items) => {
                let indentless = self.mapping_context && !self.indention;
                self.increase_indent(false, indentless);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Context::default());
                }
                self.pop_indent();
            }
            Value::Object(map) => {
                self.increase_indent(false, false);
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                for (k, item) in entries {
                    self.write_indent();
                    let key = Value::String(k.clone());
                    if self.is_simple_key(k) {
                        self.node(
                            &key,
                            Context {
                                mapping: true,
                                simple_key: true,
                                ..Context::default()
                            },
                        );
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.node(
                            &key,
                            Context {
                                mapping: true,
                                ..Context::default()
                            },
                        );
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(
                        item,
                        Context {
                            mapping: true,
                            ..Context::default()
                        },
                    );
                }
                self.pop_indent();
            }
            scalar => {
                let (text, implicit) = represent(scalar);
                self.scalar(&text, implicit);
            }
        }
    }

    /// A key fits on the key's line when it is a non-empty one-line scalar short enough
    /// (PyYAML counts the length of its `!!str` tag too).
    fn is_simple_key(&self, key: &str) -> bool {
        let chars: Vec<char> = key.chars().collect();
        let a = analyze(&chars);
        "!!str".len() + chars.len() < 128 && !a.empty && !a.multiline
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, text: &str, implicit: bool) {
        self.increase_indent(true, false);
        let chars: Vec<char> = text.chars().collect();
        let a = analyze(&chars);
        let style = if implicit
            && !(self.simple_key_context && (a.empty || a.multiline))
            && a.allow_block_plain
        {
            Style::Plain
        } else if a.allow_single_quoted && !(self.simple_key_context && a.multiline) {
            Style::Single
        } else {
            Style::Double
        };
        let split = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(&chars, split),
            Style::Single => self.write_single_quoted(&chars, split),
            Style::Double => self.write_double_quoted(&chars, split),
        }
        self.pop_indent();
    }

    fn write_breaks(&mut self, text: &[char]) {
        if text.first() == Some(&'\n') {
            self.write_line_break(None);
        }
        for &br in text {
            self.write_line_break(Some(br));
        }
    }

    fn write_plain(&mut self, text: &[char], split: bool) {
        if self.root_context {
            self.open_ended = true;
        }
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.push(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let (mut spaces, mut breaks) = (false, false);
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > BEST_WIDTH && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.push_chars(&text[start..end]);
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_break) {
                    self.write_breaks(&text[start..end]);
                    self.write_indent();
                    self.whitespace = false;
                    self.indention = false;
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_break(c)) {
                self.push_chars(&text[start..end]);
                start = end;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
        }
    }

    fn write_single_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > BEST_WIDTH
                        && split
                        && start != 0
                        && end != text.len()
                    {
                        self.write_indent();
                    } else {
                        self.push_chars(&text[start..end]);
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_break) {
                    self.write_breaks(&text[start..end]);
                    self.write_indent();
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || c == '\'' || is_break(c)) && start < end {
                self.push_chars(&text[start..end]);
                start = end;
            }
            if ch == Some('\'') {
                self.push("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("\"", true, false, false);
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            let needs_escape = ch.is_none_or(|c| {
                matches!(
                    c,
                    '"' | '\\' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'
                ) || !(' '..='~').contains(&c)
            });
            if needs_escape {
                if start < end {
                    self.push_chars(&text[start..end]);
                    start = end;
                }
                if let Some(c) = ch {
                    let escaped = match c {
                        '\0' => "\\0".to_owned(),
                        '\u{7}' => "\\a".to_owned(),
                        '\u{8}' => "\\b".to_owned(),
                        '\t' => "\\t".to_owned(),
                        '\n' => "\\n".to_owned(),
                        '\u{b}' => "\\v".to_owned(),
                        '\u{c}' => "\\f".to_owned(),
                        '\r' => "\\r".to_owned(),
                        '\u{1b}' => "\\e".to_owned(),
                        '"' => "\\\"".to_owned(),
                        '\\' => "\\\\".to_owned(),
                        '\u{85}' => "\\N".to_owned(),
                        '\u{a0}' => "\\_".to_owned(),
                        '\u{2028}' => "\\L".to_owned(),
                        '\u{2029}' => "\\P".to_owned(),
                        c if (c as u32) <= 0xff => format!("\\x{:02X}", c as u32),
                        c if (c as u32) <= 0xffff => format!("\\u{:04X}", c as u32),
                        c => format!("\\U{:08X}", c as u32),
                    };
                    self.push(&escaped);
                    start = end + 1;
                }
            }
            if 0 < end
                && end + 1 < text.len()
                && (ch == Some(' ') || start >= end)
                && self.column as isize + end as isize - start as isize > BEST_WIDTH as isize
                && split
            {
                let mut data: String = text[start.min(end)..end].iter().collect();
                data.push('\\');
                if start < end {
                    start = end;
                }
                self.push(&data);
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if text.get(start) == Some(&' ') {
                    self.push("\\");
                }
            }
        }
        self.write_indicator("\"", false, false, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_and_quoting() {
        // Expected: PyYAML 6.0 `yaml.safe_dump(v, default_flow_style=False)`.
        let v = json!({
            "plain": "cirros",
            "empty": "",
            "boolish": "yes",
            "intish": "123",
            "floatish": "1.5",
            "nullish": "null",
            "stamp": "2024-01-02T03:04:05Z",
            "date": "2024-01-02",
            "colon": "a: b",
            "hash": "a #b",
            "lead": " x",
            "star": "*x",
            "dash": "- x",
            "dashword": "-x",
            "quote": "it's",
            "unicode": "é中😀",
            "tab": "a\tb",
            "multi": "line1\nline2",
            "n": null,
            "t": true,
            "i": 42,
            "f": 1.0,
            "big": 1e20,
            "list": [],
            "obj": {},
            "uuid": "8a6f5fd1-7e1b-4d1e-9a75-5c1fb6b1c9e7",
            "url": "http://example.com/a?b=c",
        });
        let want = "\
big: 1.0e+20
boolish: 'yes'
colon: 'a: b'
dash: '- x'
dashword: -x
date: '2024-01-02'
empty: ''
f: 1.0
floatish: '1.5'
hash: 'a #b'
i: 42
intish: '123'
lead: ' x'
list: []
multi: 'line1

  line2'
n: null
nullish: 'null'
obj: {}
plain: cirros
quote: it's
stamp: '2024-01-02T03:04:05Z'
star: '*x'
t: true
tab: \"a\\tb\"
unicode: \"\\xE9\\u4E2D\\U0001F600\"
url: http://example.com/a?b=c
uuid: 8a6f5fd1-7e1b-4d1e-9a75-5c1fb6b1c9e7
";
        assert_eq!(safe_dump(&v), want);
    }

    #[test]
    fn collections() {
        // Expected: PyYAML 6.0 `yaml.safe_dump(v, default_flow_style=False)`.
        let v = json!([
            {"Name": "a", "Tags": ["x", "y"], "Props": {"k": "v", "b": [1, {"z": null}]}},
            {"Name": "b", "Tags": []},
            [1, [2, 3]],
            "s"
        ]);
        let want = "\
- Name: a
  Props:
    b:
    - 1
    - z: null
    k: v
  Tags:
  - x
  - y
- Name: b
  Tags: []
- - 1
  - - 2
    - 3
- s
";
        assert_eq!(safe_dump(&v), want);
        assert_eq!(safe_dump(&json!([])), "[]\n");
        assert_eq!(safe_dump(&json!({})), "{}\n");
        assert_eq!(safe_dump(&json!("abc")), "abc\n...\n");
        assert_eq!(safe_dump(&json!("")), "''\n");
        assert_eq!(safe_dump(&json!(null)), "null\n...\n");
    }

    #[test]
    fn long_scalars_fold() {
        // Expected: PyYAML 6.0 `yaml.safe_dump(v, default_flow_style=False)`.
        let words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor \
                     incididunt ut labore et dolore magna aliqua ut enim ad minim veniam";
        let v = json!({
            "description": words,
            "quoted": format!("{words}: yes"),
            "escaped": format!("{words} é {words}"),
            "k": "x".repeat(130),
        });
        let want = "\
description: lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod
  tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam
escaped: \"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor\\
  \\ incididunt ut labore et dolore magna aliqua ut enim ad minim veniam \\xE9 lorem\\
  \\ ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt\\
  \\ ut labore et dolore magna aliqua ut enim ad minim veniam\"
k: {long}
quoted: 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor
  incididunt ut labore et dolore magna aliqua ut enim ad minim veniam: yes'
";
        assert_eq!(safe_dump(&v), want.replace("{long}", &"x".repeat(130)));
    }
}
