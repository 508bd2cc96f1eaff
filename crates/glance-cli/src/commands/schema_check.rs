//! The image schema check python-glanceclient makes before sending an
//! image: each field is validated against the server's `/v2/schemas/image`
//! (type, enum, maxLength, pattern) and a violation is reported in
//! jsonschema's words, as warlock raises it.

use super::Ctx;
use crate::error::CliError;
use crate::render::pprint::pformat;
use crate::render::value::py_repr;
use glance_client::Object;
use serde_json::Value;

/// The server's image schema.
pub async fn image_schema(ctx: &Ctx) -> Result<Value, CliError> {
    Ok(ctx.client.schema("image").await?)
}

/// The JSON type names a value has (an integer is also a number).
fn is_type(v: &Value, ty: &str) -> bool {
    match ty {
        "null" => v.is_null(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "integer" => v.as_i64().is_some() || v.as_u64().is_some(),
        "number" => v.is_number(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

/// The first violation of `schema` by `value`: (keyword, message).
fn violation(schema: &Value, value: &Value) -> Option<(&'static str, String)> {
    let map = schema.as_object()?;
    for (keyword, rule) in map {
        match keyword.as_str() {
            "type" => {
                let types: Vec<&str> = match rule {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => continue,
                };
                if !types.iter().any(|t| is_type(value, t)) {
                    let names: Vec<String> =
                        types.iter().map(|t| py_repr(&Value::from(*t))).collect();
                    return Some((
                        "type",
                        format!("{} is not of type {}", py_repr(value), names.join(", ")),
                    ));
                }
            }
            "enum" => {
                if let Some(options) = rule.as_array()
                    && !options.contains(value)
                {
                    return Some((
                        "enum",
                        format!("{} is not one of {}", py_repr(value), py_repr(rule)),
                    ));
                }
            }
            "maxLength" => {
                if let (Some(max), Some(s)) = (rule.as_u64(), value.as_str())
                    && s.chars().count() as u64 > max
                {
                    return Some(("maxLength", format!("{} is too long", py_repr(value))));
                }
            }
            "pattern" => {
                if let (Some(p), Some(s)) = (rule.as_str(), value.as_str())
                    && let Ok(re) = regex::Regex::new(p)
                    && !re.is_match(s)
                {
                    return Some((
                        "pattern",
                        format!("{} does not match {}", py_repr(value), py_repr(rule)),
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

/// Indents every line after the first by four spaces.
fn indented(text: &str) -> String {
    text.replace('\n', "\n    ")
}

/// Checks each field of `body` against `schema`'s properties (or its
/// `additionalProperties`).
pub fn check(schema: &Value, body: &Object) -> Result<(), CliError> {
    for (key, value) in body {
        let (rule, path) = match schema.get("properties").and_then(|p| p.get(key)) {
            Some(rule) => (
                rule,
                format!(
                    "schema['properties'][{}]",
                    py_repr(&Value::from(key.clone()))
                ),
            ),
            None => match schema.get("additionalProperties") {
                Some(rule) if rule.is_object() => {
                    (rule, "schema['additionalProperties']".to_string())
                }
                _ => continue,
            },
        };
        if let Some((keyword, message)) = violation(rule, value) {
            let key_repr = py_repr(&Value::from(key.clone()));
            let shown = match value {
                Value::String(s) => s.clone(),
                other => crate::render::value::py_str(other),
            };
            return Err(CliError::command(format!(
                "Unable to set '{key}' to '{shown}'. Reason: {message}\n\nFailed validating '{keyword}' in \
                 {path}:\n    {}\n\nOn instance[{key_repr}]:\n    {}",
                indented(&pformat(rule, 72)),
                indented(&pformat(value, 72)),
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn enum_violation_reads_like_warlock() {
        let schema = json!({"properties": {"visibility": {"type": "string",
            "description": "Scope of image accessibility",
            "enum": ["community", "public", "private", "shared"]}}});
        let mut body = Object::new();
        body.insert("visibility".into(), json!("nope"));
        let err = check(&schema, &body).unwrap_err().to_string();
        assert_eq!(
            err,
            "Unable to set 'visibility' to 'nope'. Reason: 'nope' is not one of ['community', 'public', \
             'private', 'shared']\n\nFailed validating 'enum' in schema['properties']['visibility']:\n    \
             {'type': 'string',\n     'description': 'Scope of image accessibility',\n     'enum': \
             ['community', 'public', 'private', 'shared']}\n\nOn instance['visibility']:\n    'nope'"
        );
    }

    #[test]
    fn type_and_length_and_valid_values() {
        let schema = json!({"properties": {"min_ram": {"type": "integer"},
            "name": {"type": ["null", "string"], "maxLength": 3}},
            "additionalProperties": {"type": "string"}});
        let mut body = Object::new();
        body.insert("name".into(), json!("abc"));
        body.insert("min_ram".into(), json!(5));
        body.insert("extra".into(), json!("x"));
        assert!(check(&schema, &body).is_ok());
        body.insert("name".into(), json!("abcd"));
        assert!(
            check(&schema, &body)
                .unwrap_err()
                .to_string()
                .contains("'abcd' is too long")
        );
    }
}
