//! Python's view of JSON values: `str()`, `repr()`, truthiness, `json.dumps()`, and
//! glanceclient's human-readable sizes.
//!
//! glanceclient decodes every response with `json.loads` and prints the Python objects, so a
//! JSON `null` shows as `None`, `true` as `True`, a list as `['a', 'b']` and so on.

use serde_json::{Map, Number, Value};

/// Python's `str()` of the object `json.loads` makes of `v`.
///
/// `null` → `None`, booleans → `True`/`False`, numbers as Python prints them (floats in their
/// shortest round-trip form, `1e+20` style past 16 digits), strings unchanged, lists and
/// objects as Python's `repr` (`['a', 1]`, `{'k': None}`).
pub fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// Python's `repr()` of the object `json.loads` makes of `v` (strings quoted and escaped).
pub fn py_repr(v: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, v);
    out
}

fn write_repr(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&py_number(n)),
        Value::String(s) => out.push_str(&py_str_repr(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&py_str_repr(k));
                out.push_str(": ");
                write_repr(out, item);
            }
            out.push('}');
        }
    }
}

/// Python's truthiness of the decoded value: `None`, `False`, `0`, `0.0`, `""`, `[]` and `{}`
/// are false.
pub fn py_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A JSON number as Python prints it: integers as they are, floats as `repr(float)`.
pub fn py_number(n: &Number) -> String {
    if n.is_f64() {
        py_float_repr(n.as_f64().unwrap_or_default())
    } else {
        n.to_string()
    }
}

/// Python's `repr(float)`: the shortest digits that read back to the same double, in positional
/// notation when the decimal exponent is in `-4..16`, else as `1e+20`/`1.5e-05`; always with a
/// `.0` when positional and integral.
pub fn py_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Rust's `{:e}` prints the same shortest round-trip digits as Python's repr.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    let decpt = exp + 1;
    if (-3..=16).contains(&decpt) {
        let body = if decpt <= 0 {
            format!("0.{}{}", "0".repeat(decpt.unsigned_abs() as usize), digits)
        } else {
            let decpt = decpt as usize;
            if decpt >= digits.len() {
                format!("{}{}.0", digits, "0".repeat(decpt - digits.len()))
            } else {
                format!("{}.{}", &digits[..decpt], &digits[decpt..])
            }
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.unsigned_abs())
    }
}

/// Python's `repr(str)`: single quotes unless the text holds a `'` and no `"`, backslash
/// escapes for the quote, `\\`, `\t`, `\n`, `\r` and for characters Python does not consider
/// printable (`\xNN`, `\uNNNN`, `\UNNNNNNNN`).
pub fn py_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !py_isprintable(c) => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `str.isprintable()` for one character: false for control, format, separator
/// (except the ASCII space), surrogate and private-use characters.
///
/// Unassigned code points, which Python also treats as unprintable, are not recognised.
pub(crate) fn py_isprintable(c: char) -> bool {
    let n = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() {
        return false;
    }
    let format_or_separator = matches!(
        n,
        0xa0 | 0xad
            | 0x600..=0x605
            | 0x61c
            | 0x6dd
            | 0x70f
            | 0x890..=0x891
            | 0x8e2
            | 0x1680
            | 0x180e
            | 0x2000..=0x200f
            | 0x2028..=0x202f
            | 0x205f..=0x2064
            | 0x2066..=0x206f
            | 0x3000
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0001
            | 0xe0020..=0xe007f
    );
    let private_use = matches!(n, 0xe000..=0xf8ff | 0xf0000..=0xffffd | 0x100000..=0x10fffd);
    !(format_or_separator || private_use)
}

/// Python's `str.isspace()` for one character.
pub(crate) fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `json.dumps(v)` with its defaults: separators `", "` and `": "`, keys in their
/// order, non-ASCII characters escaped as `\uXXXX` (`ensure_ascii=True`).
pub fn json_dumps(v: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, v, None, 0);
    out
}

/// Python's `json.dumps(v, indent=indent)`: one item a line, separators `","` and `": "`,
/// empty lists and objects as `[]` and `{}`, non-ASCII escaped.
pub fn json_dumps_indent(v: &Value, indent: usize) -> String {
    let mut out = String::new();
    write_json(&mut out, v, Some(indent), 0);
    out
}

fn write_json(out: &mut String, v: &Value, indent: Option<usize>, level: usize) {
    let newline = |out: &mut String, level: usize| {
        if let Some(step) = indent {
            out.push('\n');
            out.push_str(&" ".repeat(step * level));
        }
    };
    let item_sep = if indent.is_some() { "," } else { ", " };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&py_number(n)),
        Value::String(s) => write_json_str(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, level + 1);
                write_json(out, item, indent, level + 1);
            }
            newline(out, level);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, level + 1);
                write_json_str(out, k);
                out.push_str(": ");
                write_json(out, item, indent, level + 1);
            }
            newline(out, level);
            out.push('}');
        }
    }
}

fn write_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// glanceclient's `make_size_human_readable`: divide by 1024 while the size is at least 1024,
/// print one decimal (rounded half to even on the exact value), drop a trailing `.0` or `0`,
/// and append `B`, `kB`, `MB`, `GB`, `TB`, `PB` or `EB`, e.g. `192kB`, `1.5MB`, `0B`.
pub fn human_size(size: u64) -> String {
    const SUFFIX: [&str; 8] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB"];
    let mut size = size as f64;
    let mut index = 0;
    while size >= 1024.0 {
        index += 1;
        size /= 1024.0;
    }
    let padded = format!("{size:.1}");
    let stripped = padded.trim_end_matches('0').trim_end_matches('.');
    format!("{}{}", stripped, SUFFIX[index])
}

/// Look up `key` in `row` the way glanceclient's `print_list` does: the column title
/// lower-cased, spaces replaced by underscores.
pub(crate) fn field_value<'a>(row: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    row.get(&field.to_lowercase().replace(' ', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn py_str_scalars() {
        // Expected: python3.11 `str(json.loads(...))`.
        assert_eq!(py_str(&json!(null)), "None");
        assert_eq!(py_str(&json!(true)), "True");
        assert_eq!(py_str(&json!(false)), "False");
        assert_eq!(py_str(&json!(42)), "42");
        assert_eq!(py_str(&json!(-7)), "-7");
        assert_eq!(py_str(&json!(u64::MAX)), "18446744073709551615");
        assert_eq!(py_str(&json!("plain 'text'")), "plain 'text'");
    }

    #[test]
    fn py_float_reprs() {
        // Expected: python3.11 `repr(float(x))`.
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1e20, "1e+20"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1234567890123456.7, "1234567890123456.8"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000123, "0.000123"),
            (0.0000123, "1.23e-05"),
            (-2.5e-7, "-2.5e-07"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (123.456, "123.456"),
            (1e100, "1e+100"),
            (2.0 / 3.0, "0.6666666666666666"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float_repr(*f), *want, "{f}");
        }
        let parsed: Value = serde_json::from_str("[1.0, 1e20, 2.50]").unwrap();
        assert_eq!(py_str(&parsed), "[1.0, 1e+20, 2.5]");
    }

    #[test]
    fn py_repr_strings_and_containers() {
        // Expected: python3.11 `str(json.loads(...))` / `repr(s)`.
        assert_eq!(py_str(&json!(["a", "b"])), "['a', 'b']");
        assert_eq!(py_str(&json!([])), "[]");
        assert_eq!(py_str(&json!({})), "{}");
        assert_eq!(
            py_str(&json!({"k": "v", "n": null, "t": true, "l": [1, 2.5, {"x": []}]})),
            "{'k': 'v', 'n': None, 't': True, 'l': [1, 2.5, {'x': []}]}"
        );
        assert_eq!(py_str_repr("it's"), "\"it's\"");
        assert_eq!(py_str_repr("say \"hi\""), "'say \"hi\"'");
        assert_eq!(py_str_repr("both ' and \""), "'both \\' and \"'");
        assert_eq!(py_str_repr("tab\there\nnl\\"), "'tab\\there\\nnl\\\\'");
        assert_eq!(py_str_repr("bell\u{7}del\u{7f}"), "'bell\\x07del\\x7f'");
        assert_eq!(py_str_repr("é日本"), "'é日本'");
        assert_eq!(
            py_str_repr("nb\u{a0}sp zw\u{200b}"),
            "'nb\\xa0sp zw\\u200b'"
        );
        assert_eq!(py_str_repr("\u{e000}"), "'\\ue000'");
        assert_eq!(py_str_repr("\u{100000}"), "'\\U00100000'");
        assert_eq!(py_str_repr("😀"), "'😀'");
    }

    #[test]
    fn truthiness() {
        for v in [
            json!(null),
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!py_truthy(&v), "{v}");
        }
        for v in [
            json!(true),
            json!(1),
            json!(0.5),
            json!("0"),
            json!([0]),
            json!({"a": null}),
        ] {
            assert!(py_truthy(&v), "{v}");
        }
    }

    #[test]
    fn json_dumps_defaults() {
        // Expected: python3.11 `json.dumps(json.loads(...))`.
        let v: Value = serde_json::from_str(
            r#"{"b": [1, "x", null, true, 1.0, 1e20], "a": {"k": "é\"\\\n\t\u0001\u007f😀"}, "e": [], "f": {}}"#,
        )
        .unwrap();
        assert_eq!(
            json_dumps(&v),
            r#"{"b": [1, "x", null, true, 1.0, 1e+20], "a": {"k": "\u00e9\"\\\n\t\u0001\u007f\ud83d\ude00"}, "e": [], "f": {}}"#
        );
        assert_eq!(json_dumps(&json!(["t1", "t2"])), r#"["t1", "t2"]"#);
    }

    #[test]
    fn json_dumps_with_indent() {
        // Expected: python3.11 `json.dumps(v, indent=2)`.
        let v = json!({"ID": "1", "Tags": ["a", "b"], "E": [], "O": {}, "N": {"x": null}});
        let want = "{\n  \"ID\": \"1\",\n  \"Tags\": [\n    \"a\",\n    \"b\"\n  ],\n  \"E\": [],\n  \"O\": {},\n  \"N\": {\n    \"x\": null\n  }\n}";
        assert_eq!(json_dumps_indent(&v, 2), want);
        assert_eq!(json_dumps_indent(&json!([]), 2), "[]");
    }

    #[test]
    fn human_sizes() {
        // Expected: glanceclient.common.utils.make_size_human_readable.
        let cases: &[(u64, &str)] = &[
            (0, "0B"),
            (1, "1B"),
            (10, "10B"),
            (100, "100B"),
            (1023, "1023B"),
            (1024, "1kB"),
            (1280, "1.2kB"),
            (1536, "1.5kB"),
            (196_608, "192kB"),
            (102_400, "100kB"),
            (1_048_524, "1023.9kB"),
            (1_048_575, "1024kB"),
            (1_048_576, "1MB"),
            (13_287_936, "12.7MB"),
            (1_073_741_824, "1GB"),
            (5_000_000_000, "4.7GB"),
            (1_099_511_627_776, "1TB"),
            (u64::MAX, "16EB"),
        ];
        for (size, want) in cases {
            assert_eq!(human_size(*size), *want, "{size}");
        }
    }
}
