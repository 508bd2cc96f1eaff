//! `-f/--format table|json|yaml|value` for commands that print one object or a list.
//!
//! Not in python-glanceclient: an extension for scripts, shaped after openstackclient's (cliff's)
//! formatters. `table` is glanceclient's own output; `json` is `json.dumps(data, indent=2)`;
//! `yaml` is PyYAML's `safe_dump(data, default_flow_style=False)`; `value` prints the bare
//! values, Python `str()` of each, one object property per line or one list row per line with
//! its cells separated by spaces.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

use super::table::{print_dict, print_list};
use super::value::{field_value, json_dumps_indent, py_str};
use super::yaml::safe_dump;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// glanceclient's prettytable boxes (the default).
    #[default]
    Table,
    /// Indented JSON, as `openstack … -f json`.
    Json,
    /// Block-style YAML, as `openstack … -f yaml`.
    Yaml,
    /// Bare values, as `openstack … -f value`.
    Value,
}

impl Format {
    /// The names `-f` accepts, in the order help texts list them.
    pub const NAMES: [&'static str; 4] = ["table", "json", "yaml", "value"];

    /// Parse a `-f` argument (exact, lower-case names). The error reads like argparse's:
    /// `invalid choice: 'xml' (choose from 'table', 'json', 'yaml', 'value')`.
    pub fn parse(s: &str) -> Result<Format, String> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "yaml" => Ok(Format::Yaml),
            "value" => Ok(Format::Value),
            other => {
                let choices: Vec<String> = Self::NAMES.iter().map(|n| format!("'{n}'")).collect();
                Err(format!(
                    "invalid choice: '{other}' (choose from {})",
                    choices.join(", ")
                ))
            }
        }
    }

    /// The name `-f` takes for this format.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Value => "value",
        }
    }
}

/// Parse a `-f` argument: [`Format::parse`].
pub fn parse(s: &str) -> Result<Format, String> {
    Format::parse(s)
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::parse(s)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One object (what `image-show` prints), properties sorted by name in every format.
///
/// - `Table`: [`print_dict`] with `max_column_width`;
/// - `Json`: the object with its values as they are (lists and objects stay structured);
/// - `Yaml`: one `key: value` document per property, as cliff's `emit_one` writes them;
/// - `Value`: each value's Python `str()` on its own line.
///
/// No trailing newline.
pub fn format_dict(map: &Map<String, Value>, format: Format, max_column_width: usize) -> String {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    match format {
        Format::Table => print_dict(map, max_column_width),
        Format::Json => {
            let sorted: Map<String, Value> = entries
                .into_iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            json_dumps_indent(&Value::Object(sorted), 2)
        }
        Format::Yaml => {
            let mut out = String::new();
            for (k, v) in entries {
                let mut one = Map::new();
                one.insert(k.clone(), v.clone());
                out.push_str(&safe_dump(&Value::Object(one)));
            }
            strip_newline(out)
        }
        Format::Value => entries
            .into_iter()
            .map(|(_, v)| py_str(v))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Rows under column titles (what `image-list` prints); a row's cell is its value under the
/// title lower-cased with spaces as underscores, as in [`print_list`].
///
/// - `Table`: [`print_list`] (false values as empty cells);
/// - `Json`: a list of objects keyed by the titles, values as they are (`null` when missing);
/// - `Yaml`: the same list (PyYAML sorts each object's keys);
/// - `Value`: one line per row, the cells' Python `str()` separated by spaces (`None` when
///   missing). No rows give an empty string, which the caller should not print at all.
///
/// No trailing newline.
pub fn format_list(rows: &[Map<String, Value>], fields: &[&str], format: Format) -> String {
    let cell = |row: &Map<String, Value>, field: &str| {
        field_value(row, field).cloned().unwrap_or(Value::Null)
    };
    let objects = || -> Value {
        Value::Array(
            rows.iter()
                .map(|row| {
                    Value::Object(
                        fields
                            .iter()
                            .map(|f| ((*f).to_owned(), cell(row, f)))
                            .collect(),
                    )
                })
                .collect(),
        )
    };
    match format {
        Format::Table => print_list(rows, fields),
        Format::Json => json_dumps_indent(&objects(), 2),
        Format::Yaml => strip_newline(safe_dump(&objects())),
        Format::Value => rows
            .iter()
            .map(|row| {
                fields
                    .iter()
                    .map(|f| py_str(&cell(row, f)))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn strip_newline(mut s: String) -> String {
    if s.ends_with('\n') {
        s.pop();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn parses_names() {
        assert_eq!(parse("table"), Ok(Format::Table));
        assert_eq!("json".parse::<Format>(), Ok(Format::Json));
        assert_eq!(Format::parse("yaml"), Ok(Format::Yaml));
        assert_eq!(Format::parse("value"), Ok(Format::Value));
        assert_eq!(
            Format::parse("JSON"),
            Err("invalid choice: 'JSON' (choose from 'table', 'json', 'yaml', 'value')".to_owned())
        );
        assert_eq!(Format::Yaml.to_string(), "yaml");
    }

    fn image() -> Map<String, Value> {
        obj(json!({
            "name": "cirros",
            "id": "8a6f5fd1",
            "tags": ["a", "b"],
            "size": 13287936,
            "protected": false,
            "virtual_size": null,
            "created_at": "2024-01-02T03:04:05Z",
            "os_hash_value": "",
        }))
    }

    #[test]
    fn dict_formats() {
        // Expected: cliff 4.17's JSON, YAML and value formatters over the sorted columns.
        let img = image();
        assert_eq!(
            format_dict(&img, Format::Json, 80),
            "{\n  \"created_at\": \"2024-01-02T03:04:05Z\",\n  \"id\": \"8a6f5fd1\",\n  \"name\": \"cirros\",\n  \
             \"os_hash_value\": \"\",\n  \"protected\": false,\n  \"size\": 13287936,\n  \"tags\": [\n    \"a\",\n    \
             \"b\"\n  ],\n  \"virtual_size\": null\n}"
        );
        assert_eq!(
            format_dict(&img, Format::Yaml, 80),
            "created_at: '2024-01-02T03:04:05Z'\nid: 8a6f5fd1\nname: cirros\nos_hash_value: ''\nprotected: false\n\
             size: 13287936\ntags:\n- a\n- b\nvirtual_size: null"
        );
        assert_eq!(
            format_dict(&img, Format::Value, 80),
            "2024-01-02T03:04:05Z\n8a6f5fd1\ncirros\n\nFalse\n13287936\n['a', 'b']\nNone"
        );
        assert_eq!(format_dict(&img, Format::Table, 80), print_dict(&img, 80));
    }

    #[test]
    fn list_formats() {
        // Expected: cliff 4.17's JSON, YAML and value formatters.
        let rows = vec![
            image(),
            obj(json!({"id": "77f2", "name": "x y", "disk_format": "raw"})),
        ];
        let fields = ["ID", "Name", "Disk Format"];
        assert_eq!(
            format_list(&rows, &fields, Format::Json),
            "[\n  {\n    \"ID\": \"8a6f5fd1\",\n    \"Name\": \"cirros\",\n    \"Disk Format\": null\n  },\n  {\n    \
             \"ID\": \"77f2\",\n    \"Name\": \"x y\",\n    \"Disk Format\": \"raw\"\n  }\n]"
        );
        assert_eq!(
            format_list(&rows, &fields, Format::Yaml),
            "- Disk Format: null\n  ID: 8a6f5fd1\n  Name: cirros\n- Disk Format: raw\n  ID: 77f2\n  Name: x y"
        );
        assert_eq!(
            format_list(&rows, &fields, Format::Value),
            "8a6f5fd1 cirros None\n77f2 x y raw"
        );
        assert_eq!(
            format_list(&rows, &fields, Format::Table),
            print_list(&rows, &fields)
        );
        assert_eq!(format_list(&[], &fields, Format::Json), "[]");
        assert_eq!(format_list(&[], &fields, Format::Yaml), "[]");
        assert_eq!(format_list(&[], &fields, Format::Value), "");
    }
}
