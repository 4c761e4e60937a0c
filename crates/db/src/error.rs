use thiserror::Error;

/// Returns nothing; why migdoctor could not talk to the database. Every message names the URL
/// (redacted) or the object and says what to try next.
#[derive(Debug, Error)]
pub enum DbError {
    /// The URL does not parse.
    #[error("invalid database URL {url}: {reason}")]
    BadUrl {
        /// The URL, redacted.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// Connecting failed.
    #[error("cannot connect to {url}: {reason}{}", hint.as_ref().map(|h| format!("\nhint: {h}")).unwrap_or_default())]
    Connect {
        /// The URL, redacted.
        url: String,
        /// The driver's reason, scrubbed of the password.
        reason: String,
        /// What to try.
        hint: Option<String>,
    },
    /// A statement failed.
    #[error("{what} failed on {url}: {reason}\n  statement: {statement}{}", hint.as_ref().map(|h| format!("\nhint: {h}")).unwrap_or_default())]
    Query {
        /// What migdoctor was doing.
        what: String,
        /// The URL, redacted.
        url: String,
        /// The statement.
        statement: String,
        /// The driver's reason.
        reason: String,
        /// What to try.
        hint: Option<String>,
    },
    /// The connection was lost.
    #[error("lost the connection to {url} while {what}: {reason}")]
    Lost {
        /// The URL, redacted.
        url: String,
        /// What migdoctor was doing.
        what: String,
        /// The driver's reason.
        reason: String,
    },
    /// A lock could not be taken in time.
    #[error("timeout: can't acquire lock {lock} on {url} within {seconds}s; {holder}\nhint: a migrator may be running; wait for it, or find the holder and decide whether it is stale")]
    LockTimeout {
        /// The lock.
        lock: String,
        /// The URL, redacted.
        url: String,
        /// Seconds waited.
        seconds: u64,
        /// Who holds it, as far as the database says.
        holder: String,
    },
    /// A value could not be decoded.
    #[error("cannot decode column {column} of {object}: {reason}")]
    Decode {
        /// The table or query.
        object: String,
        /// The column.
        column: String,
        /// Why.
        reason: String,
    },
    /// A write was attempted on a read-only session or without the lock.
    #[error("refused to write: {0}")]
    NotWritable(String),
}
