//! The driver's options, read from its configuration section with
//! upstream's names: `mongodb_store_uri` (required) and `mongodb_store_db`
//! (default: the database named in the URI).

use glance_config::ConfigFile;
use glance_store::StoreError;
use mongodb::options::ClientOptions;

/// The option holding the MongoDB connection string.
const URI: &str = "mongodb_store_uri";

/// The option naming the database that holds the GridFS bucket.
const DB: &str = "mongodb_store_db";

/// Characters MongoDB refuses in database names.
const BAD_DB_CHARS: [char; 7] = ['/', '\\', '.', ' ', '"', '$', '\0'];

/// What the store connects to.
#[derive(Debug)]
pub(crate) struct Settings {
    /// Client options parsed from `mongodb_store_uri`.
    pub(crate) client: ClientOptions,
    /// The database holding the `fs` bucket.
    pub(crate) database: String,
}

impl Settings {
    /// Reads the options from `section`. Parsing the URI does not contact
    /// the server; a URI or database name that cannot work is a
    /// [`StoreError::Config`] naming the section and key.
    pub(crate) async fn load(config: &ConfigFile, section: &str) -> Result<Settings, StoreError> {
        let uri = config.get_string(section, URI).ok_or_else(|| {
            invalid(
                section,
                URI,
                "is required (e.g. mongodb://127.0.0.1:27017/)",
            )
        })?;
        let client = ClientOptions::parse(&uri)
            .await
            .map_err(|e| invalid(section, URI, &format!("is not a usable MongoDB URI: {e}")))?;
        let database = match config.get_string(section, DB) {
            Some(database) => database,
            None => client.default_database.clone().ok_or_else(|| {
                invalid(
                    section,
                    DB,
                    &format!("is required when {URI} names no database"),
                )
            })?,
        };
        if database.contains(BAD_DB_CHARS) || database.len() > 63 {
            return Err(invalid(
                section,
                DB,
                &format!("{database:?} is not a valid MongoDB database name"),
            ));
        }
        Ok(Settings { client, database })
    }
}

/// A [`StoreError::Config`] for `key` in `section`.
fn invalid(section: &str, key: &str, reason: &str) -> StoreError {
    StoreError::Config(format!("[{section}] {key} {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn load(options: &str) -> Result<Settings, StoreError> {
        let config = ConfigFile::parse(&format!("[gridfs]\n{options}"), "test").unwrap();
        Settings::load(&config, "gridfs").await
    }

    fn config_error(result: Result<Settings, StoreError>) -> String {
        match result {
            Err(StoreError::Config(message)) => message,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_uri_is_required() {
        for options in ["", "mongodb_store_uri =\nmongodb_store_db = glance\n"] {
            let message = config_error(load(options).await);
            assert!(message.contains("[gridfs] mongodb_store_uri"), "{message}");
        }
    }

    #[tokio::test]
    async fn an_unparsable_uri_is_a_config_error() {
        for uri in [
            "http://127.0.0.1/",
            "mongodb://",
            "127.0.0.1:27017",
            // SRV lookups need the DNS resolver, which this build leaves out.
            "mongodb+srv://cluster.example.com/glance",
        ] {
            let message = config_error(load(&format!("mongodb_store_uri = {uri}\n")).await);
            assert!(
                message.contains("[gridfs] mongodb_store_uri"),
                "{uri}: {message}"
            );
        }
    }

    #[tokio::test]
    async fn the_database_defaults_to_the_one_in_the_uri() {
        let settings = load(
            "mongodb_store_uri = mongodb://db1.example:27018,db2.example/images?replicaSet=rs0\n",
        )
        .await
        .unwrap();
        assert_eq!(settings.database, "images");
        assert_eq!(settings.client.hosts.len(), 2);
        assert_eq!(settings.client.repl_set_name.as_deref(), Some("rs0"));
    }

    #[tokio::test]
    async fn mongodb_store_db_overrides_the_uri() {
        let settings =
            load("mongodb_store_uri = mongodb://127.0.0.1/images\nmongodb_store_db = glance\n")
                .await
                .unwrap();
        assert_eq!(settings.database, "glance");
    }

    #[tokio::test]
    async fn without_any_database_the_store_is_misconfigured() {
        let message = config_error(load("mongodb_store_uri = mongodb://127.0.0.1:27018/\n").await);
        assert!(message.contains("[gridfs] mongodb_store_db"), "{message}");
    }

    #[tokio::test]
    async fn invalid_database_names_are_refused() {
        for name in ["a.b", "a/b", "a$b", &"x".repeat(64)] {
            let message = config_error(
                load(&format!(
                    "mongodb_store_uri = mongodb://127.0.0.1/\nmongodb_store_db = {name}\n"
                ))
                .await,
            );
            assert!(
                message.contains("[gridfs] mongodb_store_db"),
                "{name}: {message}"
            );
        }
    }
}
