//! Database URLs: dialect, golang-migrate style `x-` parameters, password redaction.

use crate::DbError;
use migdoctor_model::{percent_decode, Dialect};
use std::collections::BTreeMap;

/// Returns nothing; a parsed database URL. The password never leaves this type unredacted
/// except through [`DbUrl::connect_string`].
#[derive(Clone, PartialEq, Eq)]
pub struct DbUrl {
    dialect: Dialect,
    connect: String,
    redacted: String,
    password: Option<String>,
    /// Framework parameters (`x-migrations-table`, …) removed from the URL before connecting.
    pub framework_params: BTreeMap<String, String>,
    sqlite_path: Option<String>,
}

impl std::fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl std::fmt::Display for DbUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl DbUrl {
    /// Returns the parsed URL, or an error naming what is wrong (with the password redacted).
    pub fn parse(raw: &str) -> Result<DbUrl, DbError> {
        let raw = raw.trim();
        let Some((scheme, rest)) = raw.split_once("://") else {
            return Err(DbError::BadUrl {
                url: redact(raw),
                reason: "expected scheme://…, e.g. postgres://user@host/db, mysql://root@127.0.0.1/app or sqlite://./app.db".into(),
            });
        };
        let dialect = match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pgx" | "pgx5" => Dialect::Postgres,
            "mysql" | "mariadb" => Dialect::Mysql,
            "sqlite" | "sqlite3" => Dialect::Sqlite,
            other => {
                return Err(DbError::BadUrl {
                    url: redact(raw),
                    reason: format!(
                        "unsupported scheme {other:?}; use postgres://, mysql://, mariadb:// or sqlite://"
                    ),
                })
            }
        };
        let (body, query) = match rest.split_once('?') {
            Some((b, q)) => (b.to_string(), Some(q)),
            None => (rest.to_string(), None),
        };
        let mut framework_params = BTreeMap::new();
        let mut kept = Vec::new();
        for kv in query.unwrap_or("").split('&').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            if k.starts_with("x-") {
                framework_params.insert(k.to_string(), percent_decode(v));
            } else if dialect == Dialect::Postgres && k == "search_path" {
                // lib/pq (golang-migrate) sends unknown URL parameters as session settings;
                // migdoctor sets search_path itself after connecting.
                framework_params.insert(k.to_string(), percent_decode(v));
            } else if dialect == Dialect::Mysql
                && matches!(
                    k,
                    "multiStatements" | "parseTime" | "charset" | "loc" | "tls"
                )
            {
                // go-sql-driver/mysql DSN options that sqlx does not know; they do not
                // change what migdoctor reads.
            } else {
                kept.push(kv.to_string());
            }
        }
        let mut password = None;
        let mut body = body;
        if dialect != Dialect::Sqlite {
            // golang-migrate's MySQL URLs use the go-sql-driver form user:pass@tcp(host:port)/db.
            if let Some(start) = body.find("@tcp(") {
                if let Some(end_rel) = body[start..].find(')') {
                    let inner = body[start + 5..start + end_rel].to_string();
                    body = format!(
                        "{}@{}{}",
                        &body[..start],
                        inner,
                        &body[start + end_rel + 1..]
                    );
                }
            }
            if let Some(at) = body.rfind('@') {
                let userinfo = &body[..at];
                if let Some((_, pw)) = userinfo.split_once(':') {
                    if !pw.is_empty() {
                        password = Some(percent_decode(pw));
                    }
                }
            }
        }
        let query_kept = if kept.is_empty() {
            String::new()
        } else {
            format!("?{}", kept.join("&"))
        };
        let connect_scheme = match dialect {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        };
        let connect = format!("{connect_scheme}://{body}{query_kept}");
        let sqlite_path = (dialect == Dialect::Sqlite).then(|| percent_decode(&body));
        if dialect == Dialect::Sqlite && sqlite_path.as_deref().unwrap_or("").is_empty() {
            return Err(DbError::BadUrl {
                url: raw.to_string(),
                reason: "no database file; write sqlite://path/to/file.db".into(),
            });
        }
        Ok(DbUrl {
            dialect,
            redacted: redact(raw),
            connect,
            password,
            framework_params,
            sqlite_path,
        })
    }

    /// Returns the dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Returns the URL with its password replaced by `***`.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// Returns the SQLite file path, for SQLite URLs.
    pub fn sqlite_path(&self) -> Option<&str> {
        self.sqlite_path.as_deref()
    }

    /// Returns the URL handed to the driver (framework parameters removed).
    pub(crate) fn connect_string(&self) -> &str {
        &self.connect
    }

    /// Returns `text` with this URL's password (raw and percent-encoded) replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.replace(&self.connect, &self.redacted);
        if let Some(pw) = &self.password {
            out = out.replace(&format!(":{pw}@"), ":***@");
            // Short passwords would blank out ordinary words; long ones are replaced anywhere.
            if pw.len() >= 4 {
                out = out.replace(pw.as_str(), "***");
            }
        }
        out
    }
}

pub use migdoctor_model::redact;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dialects_and_strips_framework_params() {
        let u = DbUrl::parse(
            "postgres://app:s3cret@db:5432/prod?sslmode=disable&x-migrations-table=versions",
        )
        .unwrap();
        assert_eq!(u.dialect(), Dialect::Postgres);
        assert_eq!(
            u.redacted(),
            "postgres://app:***@db:5432/prod?sslmode=disable&x-migrations-table=versions"
        );
        assert_eq!(u.framework_params["x-migrations-table"], "versions");
        let sp = DbUrl::parse("postgres://a@h/db?search_path=app%2Cpublic").unwrap();
        assert_eq!(sp.framework_params["search_path"], "app,public");
        assert_eq!(sp.connect_string(), "postgres://a@h/db");
        assert_eq!(
            u.connect_string(),
            "postgres://app:s3cret@db:5432/prod?sslmode=disable"
        );
        assert!(!format!("{u:?}").contains("s3cret"));
    }

    #[test]
    fn golang_migrate_mysql_tcp_form() {
        let u =
            DbUrl::parse("mysql://root:pw@tcp(127.0.0.1:3306)/app?multiStatements=true").unwrap();
        assert_eq!(u.connect_string(), "mysql://root:pw@127.0.0.1:3306/app");
        assert_eq!(
            u.redacted(),
            "mysql://root:***@tcp(127.0.0.1:3306)/app?multiStatements=true"
        );
        assert_eq!(
            DbUrl::parse("mariadb://root@localhost/test")
                .unwrap()
                .dialect(),
            Dialect::Mysql
        );
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            DbUrl::parse("sqlite://./app.db").unwrap().sqlite_path(),
            Some("./app.db")
        );
        assert_eq!(
            DbUrl::parse("sqlite3:///tmp/x.db?x-no-tx-wrap=true")
                .unwrap()
                .sqlite_path(),
            Some("/tmp/x.db")
        );
        assert!(DbUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn bad_urls_are_redacted_in_errors() {
        let err = DbUrl::parse("oracle://u:topsecret@h/db")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("oracle") && !err.contains("topsecret"),
            "{err}"
        );
        assert!(DbUrl::parse("just-a-path").is_err());
    }

    #[test]
    fn scrub_removes_password_from_messages() {
        let u = DbUrl::parse("postgres://app:hunter22@db/prod").unwrap();
        assert_eq!(u.scrub("failed for hunter22"), "failed for ***");
        assert_eq!(redact("postgres://a:b%40c@h/d"), "postgres://a:***@h/d");
        assert_eq!(redact("postgres://a@h/d"), "postgres://a@h/d");
    }
}
