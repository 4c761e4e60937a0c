//! Database access for migdoctor: connections to PostgreSQL, MySQL/MariaDB and SQLite,
//! read-only sessions for everything that only looks, table shapes from the catalog, raw row
//! reads, and writes that are possible only through a [`Locked`] handle.
//!
//! ```no_run
//! # async fn demo() -> Result<(), migdoctor_db::DbError> {
//! use migdoctor_db::{Db, DbUrl, Mode};
//! let url = DbUrl::parse("sqlite://./app.db")?;
//! let mut db = Db::connect(&url, Mode::ReadOnly).await?;
//! println!("{:?}", db.facts());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod catalog;
mod conn;
mod error;
mod introspect;
mod lock;
mod url;
mod values;

pub use conn::{Db, Mode};
pub use error::DbError;
pub use lock::{Locked, MIGDOCTOR_MYSQL_LOCK, MIGDOCTOR_PG_LOCK};
pub use url::{redact, DbUrl};
