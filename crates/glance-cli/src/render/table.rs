//! prettytable boxes as glanceclient prints them.
//!
//! glanceclient builds every table with `PrettyTable(fields)`, `align = 'l'` and the default
//! style: `+---+` rules above and below the header and below the last row, `|` between
//! columns, one space of padding on each side, no rule between rows. A table without rows is
//! the header box followed by one more rule.
//!
//! Each cell is Python's `str()` of its value with tabs expanded. A column is as wide as its
//! widest line (in terminal cells, so CJK characters count two), limited by the column's
//! maximum width when one is set (`print_dict`'s `max_column_width`) but never narrower than
//! its title. Cell lines wider than their column are wrapped (see [`super::text`]); a cell with
//! several lines makes its row several lines high.

use serde_json::{Map, Value};

use super::text::{Measure, display_width, expand_tabs, wrap};
use super::value::{field_value, json_dumps, py_str, py_truthy};

/// glanceclient's `utils.print_list(objs, fields)`: one row per object, one column per field;
/// the cell is the object's value under the field name lower-cased with spaces turned into
/// underscores (`"Disk Format"` → `disk_format`), empty when the value is missing or false
/// for Python (`null`, `false`, `0`, `""`, `[]`, `{}`), else its Python `str()`.
pub fn print_list(rows: &[Map<String, Value>], fields: &[&str]) -> String {
    let cells = rows
        .iter()
        .map(|row| {
            fields
                .iter()
                .map(|field| match field_value(row, field) {
                    Some(v) if py_truthy(v) => py_str(v),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    table(fields, cells)
}

/// A table of precomputed cell texts under `headers` (what `print_list` with formatters
/// amounts to). Rows keep their order.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    PrettyTable {
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        max_width: None,
    }
    .render()
}

/// glanceclient's `utils.print_dict(d, max_column_width)`: columns `Property` and `Value`,
/// one row per entry sorted by property name, objects and lists shown as `json.dumps` text
/// (`["a", "b"]`, non-ASCII escaped), other values as Python `str()` (`None`, `True`, `1.5`);
/// both columns wrap at `max_column_width` cells.
pub fn print_dict(entries: &Map<String, Value>, max_column_width: usize) -> String {
    let mut rows: Vec<Vec<String>> = entries
        .iter()
        .map(|(k, v)| {
            let shown = match v {
                Value::Array(_) | Value::Object(_) => json_dumps(v),
                other => py_str(other),
            };
            vec![k.clone(), shown]
        })
        .collect();
    // prettytable's sortby sorts whole rows by [key, key, value]; keys are unique, so this
    // is an ordering by key in code point order.
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    PrettyTable {
        headers: vec!["Property".to_owned(), "Value".to_owned()],
        rows,
        max_width: Some(max_column_width),
    }
    .render()
}

/// The subset of prettytable's state glanceclient uses.
struct PrettyTable {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// `pt.max_width = n`: the same limit for every column.
    max_width: Option<usize>,
}

/// Width of the widest line of `text` (prettytable's `_get_size`).
fn block_width(text: &str) -> usize {
    text.split('\n').map(display_width).max().unwrap_or(0)
}

/// `text` padded with spaces to `width` cells (wcwidth's `ljust`); wider text is left alone.
fn ljust(text: &str, width: usize) -> String {
    let w = display_width(text);
    let mut out = String::with_capacity(text.len() + width.saturating_sub(w));
    out.push_str(text);
    out.push_str(&" ".repeat(width.saturating_sub(w)));
    out
}

impl PrettyTable {
    fn render(self) -> String {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|cell| expand_tabs(cell)).collect())
            .collect();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| block_width(h)).collect();
        for row in &rows {
            for (i, cell) in row.iter().enumerate().take(widths.len()) {
                let w = block_width(cell);
                let w = self.max_width.map_or(w, |max| w.min(max));
                widths[i] = widths[i].max(w);
            }
        }
        let rule = {
            let mut rule = String::from("+");
            for w in &widths {
                rule.push_str(&"-".repeat(w + 2));
                rule.push('+');
            }
            rule
        };
        let mut lines = vec![rule.clone()];
        let mut header = String::from("|");
        for (h, w) in self.headers.iter().zip(&widths) {
            header.push(' ');
            header.push_str(&ljust(h, *w));
            header.push_str(" |");
        }
        lines.push(header);
        lines.push(rule.clone());
        for row in &rows {
            let columns: Vec<Vec<String>> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| {
                    let mut out = Vec::new();
                    for line in cell.split('\n') {
                        if display_width(line) > *w {
                            let wrapped = wrap(line, *w, Measure::Cells);
                            if wrapped.is_empty() {
                                out.push(String::new());
                            } else {
                                out.extend(wrapped);
                            }
                        } else {
                            out.push(line.to_owned());
                        }
                    }
                    out
                })
                .collect();
            let height = columns.iter().map(Vec::len).max().unwrap_or(1);
            for y in 0..height {
                let mut line = String::from("|");
                for (col, w) in columns.iter().zip(&widths) {
                    line.push(' ');
                    line.push_str(&ljust(col.get(y).map_or("", String::as_str), *w));
                    line.push_str(" |");
                }
                lines.push(line);
            }
        }
        lines.push(rule);
        lines.join("\n")
    }
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
    fn empty_list_is_header_box_and_one_more_rule() {
        // Expected: glanceclient `utils.print_list([], ['ID', 'Name'])`.
        assert_eq!(
            print_list(&[], &["ID", "Name"]),
            "+----+------+\n| ID | Name |\n+----+------+\n+----+------+"
        );
    }

    #[test]
    fn list_rows_and_falsy_cells() {
        // Expected: glanceclient `utils.print_list` over warlock-like objects.
        let rows = vec![
            obj(
                json!({"id": "1b0e", "name": "cirros", "disk_format": "qcow2", "size": 0, "tags": ["a", "b"], "owner": null}),
            ),
            obj(
                json!({"id": "77f2", "name": "", "disk_format": null, "size": 13287936, "tags": [], "owner": "中文"}),
            ),
            obj(json!({"id": "z", "name": "x\ty", "size": 1.5, "tags": [1, true], "owner": false})),
        ];
        let got = print_list(
            &rows,
            &["ID", "Name", "Disk Format", "Size", "Tags", "Owner"],
        );
        let want = "\
+------+-----------+-------------+----------+------------+-------+
| ID   | Name      | Disk Format | Size     | Tags       | Owner |
+------+-----------+-------------+----------+------------+-------+
| 1b0e | cirros    | qcow2       |          | ['a', 'b'] |       |
| 77f2 |           |             | 13287936 |            | 中文  |
| z    | x       y |             | 1.5      | [1, True]  |       |
+------+-----------+-------------+----------+------------+-------+";
        assert_eq!(got, want);
    }

    #[test]
    fn precomputed_table() {
        // Expected: prettytable with align 'l' and rows [['a', ''], ['multi\nline', 'x']].
        let got = table(
            &["Quota", "Limit"],
            vec![
                vec!["a".into(), String::new()],
                vec!["multi\nline".into(), "x".into()],
            ],
        );
        let want = "\
+-------+-------+
| Quota | Limit |
+-------+-------+
| a     |       |
| multi | x     |
| line  |       |
+-------+-------+";
        assert_eq!(got, want);
    }

    #[test]
    fn dict_sorted_and_json_values() {
        // Expected: glanceclient `utils.print_dict`.
        let d = obj(
            json!({"b": 1, "a": null, "c": [1, "x"], "d": {"k": "é"}, "e": true, "f": 1.5, "B": ""}),
        );
        let want = "\
+----------+-----------------+
| Property | Value           |
+----------+-----------------+
| B        |                 |
| a        | None            |
| b        | 1               |
| c        | [1, \"x\"]        |
| d        | {\"k\": \"\\u00e9\"} |
| e        | True            |
| f        | 1.5             |
+----------+-----------------+";
        assert_eq!(print_dict(&d, 80), want);
    }

    #[test]
    fn dict_wraps_at_max_column_width() {
        // Expected: glanceclient `utils.print_dict(d, max_column_width=20)`.
        let d = obj(json!({
            "description": "A long description that has to be wrapped over several lines of the table.",
            "exact": "12345678901234567890",
            "longword": "abcdefghijklmnopqrstuvwxyz0123456789",
            "multi": "first line\nsecond line that is long enough\n\nafter blank",
            "a_very_long_property_name_here": "v",
            "hyphens": "self-contained-hyphenated-identifiers-go-here",
            "cjk": "日本語のテキストはとても長いです",
            "tabs": "a\tb",
            "spaces": "                           ",
        }));
        let want = "\
+----------------------+----------------------+
| Property             | Value                |
+----------------------+----------------------+
| a_very_long_property | v                    |
| _name_here           |                      |
| cjk                  | 日本語のテキストはと |
|                      | ても長いです         |
| description          | A long description   |
|                      | that has to be       |
|                      | wrapped over several |
|                      | lines of the table.  |
| exact                | 12345678901234567890 |
| hyphens              | self-contained-      |
|                      | hyphenated-          |
|                      | identifiers-go-here  |
| longword             | abcdefghijklmnopqrst |
|                      | uvwxyz0123456789     |
| multi                | first line           |
|                      | second line that is  |
|                      | long enough          |
|                      |                      |
|                      | after blank          |
| spaces               |                      |
| tabs                 | a       b            |
+----------------------+----------------------+";
        assert_eq!(print_dict(&d, 20), want);
    }

    #[test]
    fn dict_narrower_than_titles() {
        // Expected: glanceclient `utils.print_dict(d, max_column_width=3)`.
        let d = obj(json!({"name": "cirros image", "id": "ab"}));
        let want = "\
+----------+-------+
| Property | Value |
+----------+-------+
| id       | ab    |
| name     | cirro |
|          | s     |
|          | image |
+----------+-------+";
        assert_eq!(print_dict(&d, 3), want);
    }

    #[test]
    fn dict_wide_chars_in_narrow_column() {
        // Expected: glanceclient `utils.print_dict({'k': '中文字'}, max_column_width=1)`.
        let d = obj(json!({"k": "中文字 x"}));
        let want = "\
+----------+-------+
| Property | Value |
+----------+-------+
| k        | 中文  |
|          | 字 x  |
+----------+-------+";
        assert_eq!(print_dict(&d, 1), want);
    }
}
