//! Connections and reads.

use crate::values::{bind_params, decode_rows, mysql_value, pg_value, sqlite_value};
use crate::{DbError, DbUrl};
use migdoctor_model::{ConnectionFacts, Dialect, Rows, Sql};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, Executor};
use std::str::FromStr;
use std::time::Duration;

/// Returns nothing; whether a session may write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The database refuses writes in this session (`default_transaction_read_only` on
    /// PostgreSQL, `SET SESSION TRANSACTION READ ONLY` on MySQL, a read-only SQLite open).
    ReadOnly,
    /// Writes are possible, but only through a lock (see [`crate::Locked`]).
    ReadWrite,
}

pub(crate) enum Conn {
    Pg(PgConnection),
    My(MySqlConnection),
    Lite(SqliteConnection),
}

/// Returns nothing; one database session. Reads are open to all; writes go through
/// [`Db::lock`].
pub struct Db {
    pub(crate) conn: Conn,
    pub(crate) url: DbUrl,
    pub(crate) facts: ConnectionFacts,
    pub(crate) mode: Mode,
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

fn connect_hint(dialect: Dialect, reason: &str) -> Option<String> {
    let r = reason.to_ascii_lowercase();
    if r.contains("password") || r.contains("access denied") || r.contains("authentication") {
        Some("check the user and password in the URL (or DATABASE_URL)".into())
    } else if r.contains("refused") || r.contains("timed out") || r.contains("no route") {
        Some(format!(
            "is the {dialect} server running and reachable at that host and port?"
        ))
    } else if r.contains("does not exist") || r.contains("unknown database") {
        Some("check the database name in the URL".into())
    } else {
        None
    }
}

impl Db {
    /// Returns a connected session, or a [`DbError::Connect`] naming the redacted URL.
    pub async fn connect(url: &DbUrl, mode: Mode) -> Result<Db, DbError> {
        let fail = |reason: String| {
            let reason = url.scrub(&reason);
            DbError::Connect {
                url: url.redacted().to_string(),
                hint: connect_hint(url.dialect(), &reason),
                reason,
            }
        };
        let read_only = mode == Mode::ReadOnly;
        let attempt = async {
            match url.dialect() {
                Dialect::Postgres => {
                    let opts = PgConnectOptions::from_str(url.connect_string())
                        .map_err(|e| e.to_string())?
                        .application_name("migdoctor");
                    let mut c = PgConnection::connect_with(&opts)
                        .await
                        .map_err(|e| e.to_string())?;
                    if let Some(path) = url.framework_params.get("search_path") {
                        sqlx::query("SELECT set_config('search_path', $1, false)")
                            .bind(path)
                            .execute(&mut c)
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                    if read_only {
                        c.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                    Ok::<Conn, String>(Conn::Pg(c))
                }
                Dialect::Mysql => {
                    let opts = MySqlConnectOptions::from_str(url.connect_string())
                        .map_err(|e| e.to_string())?;
                    let mut c = MySqlConnection::connect_with(&opts)
                        .await
                        .map_err(|e| e.to_string())?;
                    if read_only {
                        c.execute("SET SESSION TRANSACTION READ ONLY")
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                    Ok(Conn::My(c))
                }
                Dialect::Sqlite => {
                    let path = url.sqlite_path().unwrap_or_default();
                    if !std::path::Path::new(path).is_file() {
                        return Err(format!(
                            "database file {path} does not exist (migdoctor never creates one)"
                        ));
                    }
                    let opts = SqliteConnectOptions::new()
                        .filename(path)
                        .create_if_missing(false)
                        .read_only(read_only)
                        .busy_timeout(Duration::from_secs(5));
                    let c = SqliteConnection::connect_with(&opts)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(Conn::Lite(c))
                }
            }
        };
        let conn = match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return Err(fail(e)),
            Err(_) => {
                return Err(fail(format!(
                    "connection timed out after {}s",
                    CONNECT_TIMEOUT.as_secs()
                )))
            }
        };
        let mut db = Db {
            conn,
            url: url.clone(),
            facts: ConnectionFacts {
                dialect: url.dialect(),
                database: String::new(),
                current_schema: None,
            },
            mode,
        };
        db.facts = db.read_facts().await?;
        Ok(db)
    }

    async fn read_facts(&mut self) -> Result<ConnectionFacts, DbError> {
        let dialect = self.url.dialect();
        let (database, schema) = match dialect {
            Dialect::Postgres => {
                let r = self
                    .fetch_rows("reading the current database", &Sql::new(
                        "SELECT current_database()::text AS db, current_schema()::text AS schema",
                    ))
                    .await?;
                (text_at(&r, 0), opt_text_at(&r, 1))
            }
            Dialect::Mysql => {
                let r = self
                    .fetch_rows(
                        "reading the current database",
                        &Sql::new("SELECT DATABASE() AS db"),
                    )
                    .await?;
                let db = opt_text_at(&r, 0).ok_or_else(|| DbError::BadUrl {
                    url: self.url.redacted().to_string(),
                    reason: "the URL names no database; add /dbname".into(),
                })?;
                (db.clone(), Some(db))
            }
            // The file's canonical path, so a plan made from one folder applies from another.
            Dialect::Sqlite => {
                let path = self.url.sqlite_path().unwrap_or_default();
                let canonical = std::fs::canonicalize(path)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| path.to_string());
                (canonical, None)
            }
        };
        Ok(ConnectionFacts {
            dialect,
            database,
            current_schema: schema,
        })
    }

    /// Returns the facts adapters need (dialect, database, default schema).
    pub fn facts(&self) -> &ConnectionFacts {
        &self.facts
    }

    /// Returns the URL (its Display is redacted).
    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    /// Returns the session mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Returns the rows of a read query; `what` names the purpose for error messages.
    pub async fn fetch_rows(&mut self, what: &str, sql: &Sql) -> Result<Rows, DbError> {
        let url = self.url.clone();
        macro_rules! fetch {
            ($c:expr, $decode:expr) => {{
                let rows = bind_params!(sqlx::query(&sql.text), &sql.params)
                    .fetch_all(&mut *$c)
                    .await
                    .map_err(|e| query_error(&url, what, sql, e))?;
                decode_rows(&rows, $decode)
            }};
        }
        let decoded = match &mut self.conn {
            Conn::Pg(c) => fetch!(c, pg_value),
            Conn::My(c) => fetch!(c, mysql_value),
            Conn::Lite(c) => fetch!(c, sqlite_value),
        };
        decoded.map_err(|(column, reason)| DbError::Decode {
            object: what.to_string(),
            column,
            reason,
        })
    }

    /// Runs one statement (internal: public writes go through [`crate::Locked`]).
    pub(crate) async fn run(&mut self, what: &str, sql: &Sql) -> Result<u64, DbError> {
        let url = self.url.clone();
        // Statements without parameters go as simple queries (DDL and BEGIN/COMMIT need no
        // preparation); the others are prepared with their parameters bound.
        macro_rules! exec {
            ($c:expr) => {
                if sql.params.is_empty() {
                    sqlx::raw_sql(&sql.text)
                        .execute(&mut *$c)
                        .await
                        .map(|r| r.rows_affected())
                } else {
                    bind_params!(sqlx::query(&sql.text), &sql.params)
                        .execute(&mut *$c)
                        .await
                        .map(|r| r.rows_affected())
                }
            };
        }
        let result = match &mut self.conn {
            Conn::Pg(c) => exec!(c),
            Conn::My(c) => exec!(c),
            Conn::Lite(c) => exec!(c),
        };
        result.map_err(|e| query_error(&url, what, sql, e))
    }

    /// Closes the session politely.
    pub async fn close(self) {
        let _ = match self.conn {
            Conn::Pg(c) => c.close().await,
            Conn::My(c) => c.close().await,
            Conn::Lite(c) => c.close().await,
        };
    }
}

pub(crate) fn text_at(rows: &Rows, col: usize) -> String {
    opt_text_at(rows, col).unwrap_or_default()
}

pub(crate) fn opt_text_at(rows: &Rows, col: usize) -> Option<String> {
    rows.rows
        .first()
        .and_then(|r| r.get(col))
        .and_then(crate::values::cell_opt_text)
}

pub(crate) fn query_error(url: &DbUrl, what: &str, sql: &Sql, e: sqlx::Error) -> DbError {
    let reason = url.scrub(&e.to_string());
    let lost = matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
    ) || reason.contains("terminating connection")
        || reason.contains("connection was killed")
        || reason.contains("Connection was killed")
        || reason.contains("server has gone away");
    if lost {
        return DbError::Lost {
            url: url.redacted().to_string(),
            what: what.to_string(),
            reason,
        };
    }
    let lower = reason.to_ascii_lowercase();
    let hint = if lower.contains("permission denied")
        || lower.contains("command denied")
        || lower.contains("access denied")
    {
        Some(
            "the user needs SELECT on the tracking table (and UPDATE/INSERT/DELETE to repair it)"
                .into(),
        )
    } else if lower.contains("read-only") || lower.contains("read only") {
        Some("this session is read-only; only apply and undo write".into())
    } else {
        None
    };
    DbError::Query {
        what: what.to_string(),
        url: url.redacted().to_string(),
        statement: sql.display(),
        reason,
        hint,
    }
}
