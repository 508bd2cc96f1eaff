//! Python's `pprint.pformat(value, width=W, sort_dicts=False)` of JSON
//! values, as jsonschema quotes a schema in its validation errors.
//!
//! A value whose `repr` fits in the room left is written on one line;
//! otherwise a dict puts each item on its own line, a list each element,
//! and a string is cut into quoted chunks at whitespace.

use super::value::{py_repr, py_str_repr};
use serde_json::Value;

/// Formats `v` as `pprint.pformat(v, width=width, sort_dicts=False)`.
pub fn pformat(v: &Value, width: usize) -> String {
    let mut out = String::new();
    format(v, &mut out, 0, 0, 1, width);
    out
}

/// Python's `len()` of a string: its characters.
fn len(s: &str) -> usize {
    s.chars().count()
}

fn format(
    v: &Value,
    out: &mut String,
    indent: usize,
    allowance: usize,
    level: usize,
    width: usize,
) {
    let rep = py_repr(v);
    let max_width = width.saturating_sub(indent + allowance);
    if len(&rep) <= max_width {
        out.push_str(&rep);
        return;
    }
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            let indent = indent + 1;
            let last = map.len() - 1;
            for (i, (k, item)) in map.iter().enumerate() {
                let key = py_str_repr(k);
                out.push_str(&key);
                out.push_str(": ");
                let allow = if i == last { allowance + 1 } else { 1 };
                format(item, out, indent + len(&key) + 2, allow, level + 1, width);
                if i != last {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(indent));
                }
            }
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            let indent = indent + 1;
            let last = items.len() - 1;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                    out.push_str(&" ".repeat(indent));
                }
                let allow = if i == last { allowance + 1 } else { 1 };
                format(item, out, indent, allow, level + 1, width);
            }
            out.push(']');
        }
        Value::String(s) => string(s, out, indent, allowance, level, width),
        _ => out.push_str(&rep),
    }
}

/// `PrettyPrinter._pprint_str`: lines, and within a line runs of non-space
/// then space characters, packed into chunks that fit.
fn string(s: &str, out: &mut String, indent: usize, allowance: usize, level: usize, width: usize) {
    let (indent, allowance) = if level == 1 {
        (indent + 1, allowance + 1)
    } else {
        (indent, allowance)
    };
    let lines: Vec<&str> = s.split_inclusive('\n').collect();
    let max_width = width.saturating_sub(indent);
    let mut chunks: Vec<String> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let last_line = i == lines.len() - 1;
        let rep = py_str_repr(line);
        let max_width1 = if last_line {
            max_width.saturating_sub(allowance)
        } else {
            max_width
        };
        if len(&rep) <= max_width1 {
            chunks.push(rep);
            continue;
        }
        let parts = word_parts(line);
        let mut current = String::new();
        for (j, part) in parts.iter().enumerate() {
            let candidate = format!("{current}{part}");
            let limit = if j == parts.len() - 1 && last_line {
                max_width.saturating_sub(allowance)
            } else {
                max_width
            };
            if len(&py_str_repr(&candidate)) > limit {
                if !current.is_empty() {
                    chunks.push(py_str_repr(&current));
                }
                current = part.to_string();
            } else {
                current = candidate;
            }
        }
        if !current.is_empty() {
            chunks.push(py_str_repr(&current));
        }
    }
    if chunks.len() <= 1 {
        out.push_str(&py_str_repr(s));
        return;
    }
    if level == 1 {
        out.push('(');
    }
    for (i, chunk) in chunks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(chunk);
    }
    if level == 1 {
        out.push(')');
    }
}

/// `re.findall(r'\S*\s*', line)` without the final empty match.
fn word_parts(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && !chars[i].1.is_whitespace() {
            i += 1;
        }
        while i < chars.len() && chars[i].1.is_whitespace() {
            i += 1;
        }
        let end = chars.get(i).map(|c| c.0).unwrap_or(line.len());
        parts.push(&line[start..end]);
        start = end;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Expected texts from Python 3.11: pprint.pformat(v, width=72, sort_dicts=False).

    #[test]
    fn short_values_stay_on_one_line() {
        assert_eq!(pformat(&json!("bogus"), 72), "'bogus'");
        assert_eq!(
            pformat(&json!({"type": "integer", "x": [1, null]}), 72),
            "{'type': 'integer', 'x': [1, None]}"
        );
    }

    #[test]
    fn dict_items_and_list_elements_go_on_their_own_lines() {
        let v = json!({"type": ["null", "string"], "description": "Format of the disk",
            "enum": [null, "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"]});
        assert_eq!(
            pformat(&v, 72),
            "{'type': ['null', 'string'],\n 'description': 'Format of the disk',\n 'enum': [None,\n          \
             'ami',\n          'ari',\n          'aki',\n          'vhd',\n          'vhdx',\n          \
             'vmdk',\n          'raw',\n          'qcow2',\n          'vdi',\n          'iso',\n          \
             'ploop']}"
        );
        let v = json!({"type": "string", "description": "Scope of image accessibility",
            "enum": ["community", "public", "private", "shared"]});
        assert_eq!(
            pformat(&v, 72),
            "{'type': 'string',\n 'description': 'Scope of image accessibility',\n 'enum': ['community', \
             'public', 'private', 'shared']}"
        );
    }

    #[test]
    fn long_strings_are_cut_at_whitespace() {
        let v = json!({"description": "Store in which image data resides.  Only present when the operator has enabled multiple stores."});
        assert_eq!(
            pformat(&v, 72),
            "{'description': 'Store in which image data resides.  Only present when '\n                \
             'the operator has enabled multiple stores.'}"
        );
        let long = "x".repeat(100);
        assert_eq!(pformat(&json!(long), 72), format!("'{long}'"));
    }
}
