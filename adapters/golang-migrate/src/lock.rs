//! golang-migrate's lock keys.

use migdoctor_model::{ConnectionFacts, Dialect, LockKey, TrackingLocation};

// `advisoryLockIDSalt` in database/util.go.
const SALT: u32 = 1_486_364_155;

/// Returns golang-migrate's `GenerateAdvisoryLockId(databaseName, additionalNames...)`
/// (database/util.go): CRC-32 (IEEE) of the additional names followed by the database name,
/// joined by NUL, multiplied by the salt with 32-bit wrap-around.
pub fn advisory_lock_id(database: &str, additional: &[&str]) -> u32 {
    let mut parts: Vec<&str> = additional.to_vec();
    parts.push(database);
    let joined = parts.join("\0");
    crc32fast::hash(joined.as_bytes()).wrapping_mul(SALT)
}

pub(crate) fn lock_key(facts: &ConnectionFacts, at: &TrackingLocation) -> Option<LockKey> {
    match facts.dialect {
        // database/postgres/postgres.go Lock(): GenerateAdvisoryLockId(DatabaseName,
        // SchemaName, MigrationsTable), then `SELECT pg_advisory_lock($1)`.
        Dialect::Postgres => {
            let schema = at
                .schema
                .clone()
                .or_else(|| facts.current_schema.clone())
                .unwrap_or_else(|| "public".into());
            let id = advisory_lock_id(&facts.database, &[&schema, &at.table]);
            Some(LockKey::PgAdvisory { key: i64::from(id) })
        }
        // database/mysql/mysql.go Lock(): GenerateAdvisoryLockId("<db>:<table>") and
        // `SELECT GET_LOCK(?, 10)`.
        Dialect::Mysql => {
            let id = advisory_lock_id(&format!("{}:{}", facts.database, at.table), &[]);
            Some(LockKey::MysqlNamed {
                name: id.to_string(),
            })
        }
        // database/sqlite3: an in-process flag only; migdoctor takes SQLite's write lock.
        Dialect::Sqlite => Some(LockKey::SqliteImmediate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_test_vectors() {
        // database/util_test.go at 18966c75 (names joined before the database name; older
        // releases appended them after it and gave 3244152297 / 810103531 here).
        assert_eq!(advisory_lock_id("database_name", &[]), 1_764_327_054);
        assert_eq!(
            advisory_lock_id("database_name", &["schema_name_1"]),
            2_453_313_553
        );
        assert_eq!(
            advisory_lock_id("database_name", &["schema_name_2"]),
            235_207_038
        );
    }

    #[test]
    fn worked_values_from_tracking_formats() {
        let pg = ConnectionFacts {
            dialect: Dialect::Postgres,
            database: "mydb".into(),
            current_schema: Some("public".into()),
        };
        let at = TrackingLocation::table("schema_migrations");
        assert_eq!(
            lock_key(&pg, &at),
            Some(LockKey::PgAdvisory { key: 2_103_762_914 })
        );
        let my = ConnectionFacts {
            dialect: Dialect::Mysql,
            ..pg
        };
        assert_eq!(
            lock_key(&my, &at),
            Some(LockKey::MysqlNamed {
                name: "1906445756".into()
            })
        );
    }
}
