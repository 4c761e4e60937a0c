//! Locks and the only write path.

use crate::{Db, DbError, Mode};
use migdoctor_model::{Dialect, LockKey, Rows, Sql, Value};
use std::time::{Duration, Instant};

/// Returns nothing; migdoctor's own PostgreSQL advisory-lock key ("migdoctr" as ASCII), taken
/// beside the framework's so two migdoctor runs never interleave.
pub const MIGDOCTOR_PG_LOCK: i64 = 0x6d69_6764_6f63_7472;
/// Returns nothing; the prefix of migdoctor's own MySQL `GET_LOCK` name. `GET_LOCK` names are
/// server-wide, so the database name follows it (cut to MySQL's 64-character limit).
pub const MIGDOCTOR_MYSQL_LOCK: &str = "migdoctor:";

/// Returns nothing; a session holding the framework's lock and migdoctor's. Writes exist only
/// here. Call [`Locked::release`] when done; on SQLite the lock is the immediate transaction.
pub struct Locked<'a> {
    db: &'a mut Db,
    keys: Vec<LockKey>,
    in_tx: bool,
}

fn key_label(k: &LockKey) -> String {
    k.describe()
}

impl Db {
    /// Returns a locked handle after taking `framework` (if any) and migdoctor's own lock,
    /// waiting at most `timeout`. On SQLite this opens a `BEGIN IMMEDIATE` transaction.
    pub async fn lock(
        &mut self,
        framework: Option<&LockKey>,
        timeout: Duration,
    ) -> Result<Locked<'_>, DbError> {
        if self.mode != Mode::ReadWrite {
            return Err(DbError::NotWritable(
                "the session was opened read-only".into(),
            ));
        }
        let mut keys = Vec::new();
        match self.facts.dialect {
            Dialect::Postgres => {
                keys.push(LockKey::PgAdvisory {
                    key: MIGDOCTOR_PG_LOCK,
                });
                if let Some(k) = framework {
                    keys.push(k.clone());
                }
            }
            Dialect::Mysql => {
                let name: String = format!("{MIGDOCTOR_MYSQL_LOCK}{}", self.facts.database)
                    .chars()
                    .take(64)
                    .collect();
                keys.push(LockKey::MysqlNamed { name });
                if let Some(k) = framework {
                    keys.push(k.clone());
                }
            }
            Dialect::Sqlite => keys.push(LockKey::SqliteImmediate),
        }
        let mut taken: Vec<LockKey> = Vec::new();
        for key in &keys {
            if let Err(e) = self.take(key, timeout).await {
                for k in taken.iter().rev() {
                    let _ = self.give_back(k).await;
                }
                return Err(e);
            }
            taken.push(key.clone());
        }
        let in_tx = self.facts.dialect == Dialect::Sqlite;
        Ok(Locked {
            db: self,
            keys: taken,
            in_tx,
        })
    }

    async fn take(&mut self, key: &LockKey, timeout: Duration) -> Result<(), DbError> {
        let start = Instant::now();
        let timeout_err = |holder: String, db: &Db| DbError::LockTimeout {
            lock: key_label(key),
            url: db.url.redacted().to_string(),
            seconds: timeout.as_secs(),
            holder,
        };
        match key {
            LockKey::PgAdvisory { key: k } => loop {
                let got = self
                    .fetch_rows(
                        "taking an advisory lock",
                        &Sql::with_params("SELECT pg_try_advisory_lock($1)", vec![Value::Int(*k)]),
                    )
                    .await?;
                if got.rows.first().and_then(|r| r.first()) == Some(&Value::Bool(true)) {
                    return Ok(());
                }
                if start.elapsed() >= timeout {
                    let holder = self.pg_holder(*k).await;
                    return Err(timeout_err(holder, self));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            },
            LockKey::MysqlNamed { name } => {
                let secs = i64::try_from(timeout.as_secs()).unwrap_or(10);
                let got = self
                    .fetch_rows(
                        "taking a named lock",
                        &Sql::with_params(
                            "SELECT GET_LOCK(?, ?)",
                            vec![Value::Text(name.clone()), Value::Int(secs)],
                        ),
                    )
                    .await?;
                if got.rows.first().and_then(|r| r.first()) == Some(&Value::Int(1)) {
                    return Ok(());
                }
                let holder = self
                    .fetch_rows(
                        "finding the lock holder",
                        &Sql::with_params(
                            "SELECT IS_USED_LOCK(?)",
                            vec![Value::Text(name.clone())],
                        ),
                    )
                    .await
                    .ok()
                    .and_then(|r| r.rows.first().and_then(|r| r.first().cloned()))
                    .map(|v| format!("held by connection {}", v.display()))
                    .unwrap_or_else(|| "holder unknown".into());
                Err(timeout_err(holder, self))
            }
            LockKey::SqliteImmediate => match self
                .run("taking the write lock", &Sql::new("BEGIN IMMEDIATE"))
                .await
            {
                Ok(_) => Ok(()),
                Err(DbError::Query { reason, .. })
                    if reason.contains("locked") || reason.contains("busy") =>
                {
                    Err(timeout_err(
                        "another connection holds the write lock".into(),
                        self,
                    ))
                }
                Err(e) => Err(e),
            },
        }
    }

    async fn pg_holder(&mut self, key: i64) -> String {
        let sql = Sql::with_params(
            "SELECT a.pid::text, coalesce(a.application_name, ''), coalesce(a.backend_start::text, ''), coalesce(a.state, '') \
             FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = ($1 >> 32) AND l.objid::bigint = ($1 & 4294967295)",
            vec![Value::Int(key)],
        );
        match self.fetch_rows("finding the lock holder", &sql).await {
            Ok(r) if !r.rows.is_empty() => {
                let row = &r.rows[0];
                let t = |i: usize| match &row[i] {
                    Value::Text(s) => s.clone(),
                    v => v.display(),
                };
                format!(
                    "held by pid {} (application '{}', connected {}, {})",
                    t(0),
                    t(1),
                    t(2),
                    t(3)
                )
            }
            _ => "holder unknown".into(),
        }
    }

    async fn give_back(&mut self, key: &LockKey) -> Result<(), DbError> {
        match key {
            LockKey::PgAdvisory { key } => {
                self.fetch_rows(
                    "releasing an advisory lock",
                    &Sql::with_params("SELECT pg_advisory_unlock($1)", vec![Value::Int(*key)]),
                )
                .await?;
            }
            LockKey::MysqlNamed { name } => {
                self.fetch_rows(
                    "releasing a named lock",
                    &Sql::with_params("SELECT RELEASE_LOCK(?)", vec![Value::Text(name.clone())]),
                )
                .await?;
            }
            LockKey::SqliteImmediate => {}
        }
        Ok(())
    }
}

impl Locked<'_> {
    /// Returns the dialect.
    pub fn dialect(&self) -> Dialect {
        self.db.facts.dialect
    }

    /// Returns the session (for reads under the lock).
    pub fn db(&mut self) -> &mut Db {
        self.db
    }

    /// Returns the locks held, in the order taken.
    pub fn keys(&self) -> &[LockKey] {
        &self.keys
    }

    /// Returns nothing; opens the transaction (on SQLite it is already open).
    pub async fn begin(&mut self) -> Result<(), DbError> {
        if !self.in_tx {
            self.db
                .run("opening a transaction", &Sql::new("BEGIN"))
                .await?;
            self.in_tx = true;
        }
        Ok(())
    }

    /// Returns whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.in_tx
    }

    /// Returns the rows affected by one write statement.
    pub async fn execute(&mut self, what: &str, sql: &Sql) -> Result<u64, DbError> {
        self.db.run(what, sql).await
    }

    /// Returns the rows of a read under the lock.
    pub async fn fetch(&mut self, what: &str, sql: &Sql) -> Result<Rows, DbError> {
        self.db.fetch_rows(what, sql).await
    }

    /// Returns nothing; commits the open transaction.
    pub async fn commit(&mut self) -> Result<(), DbError> {
        if self.in_tx {
            self.db.run("committing", &Sql::new("COMMIT")).await?;
            self.in_tx = false;
        }
        Ok(())
    }

    /// Returns nothing; rolls the open transaction back.
    pub async fn rollback(&mut self) -> Result<(), DbError> {
        if self.in_tx {
            self.in_tx = false;
            self.db.run("rolling back", &Sql::new("ROLLBACK")).await?;
        }
        Ok(())
    }

    /// Returns nothing; rolls back anything uncommitted and releases the locks.
    pub async fn release(mut self) -> Result<(), DbError> {
        let rolled = self.rollback().await;
        for k in self.keys.clone().iter().rev() {
            self.db.give_back(k).await?;
        }
        rolled
    }

    /// Test hook: ends this session from the server side, as a crash or a network cut would.
    #[doc(hidden)]
    pub async fn sever_connection(&mut self) -> Result<(), DbError> {
        let sql = match self.db.facts.dialect {
            Dialect::Postgres => Sql::new("SELECT pg_terminate_backend(pg_backend_pid())"),
            Dialect::Mysql => Sql::new("KILL CONNECTION_ID()"),
            Dialect::Sqlite => {
                return Err(DbError::NotWritable(
                    "SQLite has no server connection to sever".into(),
                ));
            }
        };
        let _ = self.db.run("severing the connection", &sql).await;
        Ok(())
    }
}
