//! Reading an operator's policy file (`[oslo_policy] policy_file`).

use super::PolicyError;
use std::collections::BTreeMap;
use std::path::Path;

/// The rules in `file`, by name, or `None` when the file does not exist
/// (oslo.policy then runs on the defaults alone). A `.json` file is read as
/// JSON, anything else as YAML; an empty file holds no rules.
pub(crate) fn read_policy_file(
    file: &Path,
) -> Result<Option<BTreeMap<String, String>>, PolicyError> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(PolicyError::Read {
                file: file.to_path_buf(),
                source,
            });
        }
    };
    let format_error = |message: String| PolicyError::Format {
        file: file.to_path_buf(),
        message,
    };
    let is_json = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let rules: Option<BTreeMap<String, String>> = if text.trim().is_empty() {
        None
    } else if is_json {
        serde_json::from_str(&text).map_err(|e| format_error(e.to_string()))?
    } else {
        serde_saphyr::from_str(&text).map_err(|e| format_error(e.to_string()))?
    };
    Ok(Some(rules.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        (dir, path)
    }

    #[test]
    fn reads_yaml_and_json() {
        let (_d, yaml) = write(
            "policy.yaml",
            "# comment\n\"get_image\": \"role:admin\"\nadd_image: ''\n",
        );
        let rules = read_policy_file(&yaml).unwrap().unwrap();
        assert_eq!(rules["get_image"], "role:admin");
        assert_eq!(rules["add_image"], "");
        let (_d, json) = write("policy.json", r#"{"get_image": "!"}"#);
        assert_eq!(read_policy_file(&json).unwrap().unwrap()["get_image"], "!");
    }

    #[test]
    fn missing_file_is_none_and_empty_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            read_policy_file(&dir.path().join("policy.yaml"))
                .unwrap()
                .is_none()
        );
        let (_d, empty) = write("policy.yaml", "\n# nothing\n");
        assert!(read_policy_file(&empty).unwrap().unwrap().is_empty());
    }

    #[test]
    fn bad_syntax_names_the_file() {
        let (_d, path) = write("policy.yaml", "get_image: [unclosed\n");
        let err = read_policy_file(&path).unwrap_err().to_string();
        assert!(err.contains("policy.yaml"), "{err}");
        let (_d, path) = write("policy.json", "{\"a\": ");
        assert!(matches!(
            read_policy_file(&path),
            Err(PolicyError::Format { .. })
        ));
    }
}
