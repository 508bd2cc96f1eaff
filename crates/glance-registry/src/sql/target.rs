//! Parsing oslo.db-style `[database] connection` URLs into what to open.

use crate::RegistryError;

/// Where a URL points, once parsed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A private in-memory SQLite database.
    SqliteMemory,
    /// A SQLite file (created with its directory if missing).
    SqliteFile(String),
    /// A PostgreSQL URL (`postgres://…`, without our own parameters) and
    /// the schema to use as `search_path`, if one was asked for.
    Postgres { url: String, schema: Option<String> },
    /// A MySQL/MariaDB URL as sqlx reads it (`mysql://…`, driver options
    /// translated, `charset` dropped: connections always use utf8mb4).
    MySql { url: String },
}

/// Query options of PyMySQL/mysqlclient URLs and their sqlx names; `None`
/// drops the option.
const MYSQL_OPTIONS: [(&str, Option<&str>); 5] = [
    ("charset", None),
    ("unix_socket", Some("socket")),
    ("ssl_ca", Some("ssl-ca")),
    ("ssl_cert", Some("ssl-cert")),
    ("ssl_key", Some("ssl-key")),
];

/// Parses `url` (see [`connect`](super::connect) for the accepted forms).
pub(crate) fn parse(url: &str) -> Result<Target, RegistryError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| RegistryError::Database("database URL has no scheme".into()))?;
    let scheme = scheme.to_ascii_lowercase();
    let dialect = scheme.split('+').next().unwrap_or_default();
    match dialect {
        "sqlite" => {
            let path = rest.split('?').next().unwrap_or_default();
            match path.strip_prefix('/') {
                None if path.is_empty() => Ok(Target::SqliteMemory),
                Some("" | ":memory:") => Ok(Target::SqliteMemory),
                Some(file) => Ok(Target::SqliteFile(file.to_string())),
                None => Err(RegistryError::Database(
                    "sqlite URL must look like sqlite:///relative or sqlite:////absolute".into(),
                )),
            }
        }
        "postgresql" | "postgres" => postgres_target(rest),
        "mysql" | "mariadb" => mysql_target(rest),
        other => Err(RegistryError::Database(format!(
            "unsupported database URL scheme '{other}'"
        ))),
    }
}

/// Parses the part after `://` as a URL of scheme `scheme`.
fn parse_rest(scheme: &str, rest: &str, what: &str) -> Result<url::Url, RegistryError> {
    url::Url::parse(&format!("{scheme}://{rest}"))
        .map_err(|e| RegistryError::Database(format!("invalid {what} URL: {e}")))
}

/// Replaces the query of `url` with `pairs` (none: no `?` at all).
fn set_query(url: &mut url::Url, pairs: Vec<(String, String)>) {
    if pairs.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
}

/// Normalises a PostgreSQL URL to `postgres://` and takes out `schema=`.
fn postgres_target(rest: &str) -> Result<Target, RegistryError> {
    let mut url = parse_rest("postgres", rest, "PostgreSQL")?;
    let mut schema = None;
    let others: Vec<(String, String)> = url
        .query_pairs()
        .filter_map(|(k, v)| {
            if k == "schema" {
                schema = Some(v.into_owned());
                None
            } else {
                Some((k.into_owned(), v.into_owned()))
            }
        })
        .collect();
    if let Some(s) = &schema {
        let valid = !s.is_empty()
            && s.len() <= 63
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(RegistryError::Database(format!(
                "invalid schema name '{s}': use letters, digits and '_'"
            )));
        }
    }
    set_query(&mut url, others);
    Ok(Target::Postgres {
        url: url.into(),
        schema,
    })
}

/// Normalises a MySQL/MariaDB URL (`mysql+pymysql://`, `mysql+mysqldb://`,
/// `mariadb://`, …) to `mysql://` and translates the driver's options.
fn mysql_target(rest: &str) -> Result<Target, RegistryError> {
    let mut url = parse_rest("mysql", rest, "MySQL")?;
    if url.path().trim_start_matches('/').is_empty() {
        return Err(RegistryError::Database(
            "MySQL URL must name a database: mysql+pymysql://user:pw@host/glance".into(),
        ));
    }
    let options: Vec<(String, String)> = url
        .query_pairs()
        .filter_map(|(k, v)| {
            let name = match MYSQL_OPTIONS.iter().find(|(from, _)| *from == k) {
                Some((_, to)) => (*to)?.to_string(),
                None => k.into_owned(),
            };
            Some((name, v.into_owned()))
        })
        .collect();
    set_query(&mut url, options);
    Ok(Target::MySql { url: url.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlite_forms() {
        assert_eq!(parse("sqlite://").unwrap(), Target::SqliteMemory);
        assert_eq!(parse("sqlite:///:memory:").unwrap(), Target::SqliteMemory);
        assert_eq!(
            parse("sqlite:////var/lib/glance/glance.sqlite").unwrap(),
            Target::SqliteFile("/var/lib/glance/glance.sqlite".into())
        );
        assert_eq!(
            parse("sqlite:///glance.sqlite").unwrap(),
            Target::SqliteFile("glance.sqlite".into())
        );
    }

    #[test]
    fn parses_postgres_forms() {
        for scheme in ["postgresql", "postgresql+psycopg2", "postgres"] {
            let t = parse(&format!(
                "{scheme}://u:pw@db:5433/glance?schema=s1&sslmode=disable"
            ))
            .unwrap();
            assert_eq!(
                t,
                Target::Postgres {
                    url: "postgres://u:pw@db:5433/glance?sslmode=disable".into(),
                    schema: Some("s1".into())
                }
            );
        }
        assert!(parse("postgresql://db/glance?schema=a;drop").is_err());
    }

    #[test]
    fn parses_mysql_forms() {
        let mysql = |url: &str| Target::MySql { url: url.into() };
        for scheme in [
            "mysql",
            "mysql+pymysql",
            "mysql+mysqldb",
            "MySQL+PyMySQL",
            "mariadb",
            "mariadb+pymysql",
        ] {
            assert_eq!(
                parse(&format!("{scheme}://glance:p%40ss@db.example:3307/glance")).unwrap(),
                mysql("mysql://glance:p%40ss@db.example:3307/glance"),
                "{scheme}"
            );
        }
        assert_eq!(
            parse("mysql+pymysql://glance:pw@db/glance?charset=utf8").unwrap(),
            mysql("mysql://glance:pw@db/glance")
        );
        assert_eq!(
            parse(
                "mysql+pymysql://glance@localhost/glance?charset=utf8mb4\
                 &unix_socket=/run/mysqld/mysqld.sock&ssl_ca=/etc/ca.pem&plugin=dbcounter"
            )
            .unwrap(),
            mysql(
                "mysql://glance@localhost/glance?socket=%2Frun%2Fmysqld%2Fmysqld.sock\
                 &ssl-ca=%2Fetc%2Fca.pem&plugin=dbcounter"
            )
        );
        for no_db in ["mysql://root@127.0.0.1", "mysql://root@127.0.0.1:3306/"] {
            let err = parse(no_db).unwrap_err();
            assert!(err.to_string().contains("must name a database"), "{err}");
        }
    }

    #[test]
    fn rejects_unknown_forms() {
        assert!(parse("oracle://x").is_err());
        assert!(parse("glance.sqlite").is_err());
        assert!(parse("mysql://[bad/glance").is_err());
    }
}
