//! The live schema: a fixed number of catalog queries per object kind, never one per table.
//! Each dialect's reader lives in its own file; what they share (collecting tables in catalog
//! order, constraint kinds) is here.

mod mysql;
mod postgres;
mod sqlite;

use crate::conn::Conn;
use crate::{Db, DbError};
use migdoctor_model::{is_tracking_table, LiveSchema, LiveTable};
use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::Hash;

/// Tables in catalog order, found by a key the catalog uses for them (an oid, a name).
struct Tables<K> {
    list: Vec<LiveTable>,
    at: HashMap<K, usize>,
}

impl<K: Hash + Eq> Tables<K> {
    fn with_capacity(n: usize) -> Tables<K> {
        Tables {
            list: Vec::with_capacity(n),
            at: HashMap::with_capacity(n),
        }
    }

    /// Adds a table unless its key is already known.
    fn add(&mut self, key: K, schema: String, name: String) {
        if let Entry::Vacant(slot) = self.at.entry(key) {
            slot.insert(self.list.len());
            self.list.push(LiveTable {
                schema,
                name,
                columns: Vec::new(),
                indexes: Vec::new(),
                constraints: Vec::new(),
            });
        }
    }

    /// Returns the position of the table with `key`, if it was added.
    fn position<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.at.get(key).copied()
    }

    /// Returns the table with `key`, if it was added.
    fn get<Q>(&mut self, key: &Q) -> Option<&mut LiveTable>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.position(key)?;
        self.list.get_mut(i)
    }
}

/// Returns the model's name for a constraint type, as PostgreSQL (`contype`) or MySQL
/// (`CONSTRAINT_TYPE`) spell it.
fn constraint_kind(code: &str) -> &'static str {
    match code {
        "p" | "PRIMARY KEY" => "primary key",
        "f" | "FOREIGN KEY" => "foreign key",
        "u" | "UNIQUE" => "unique",
        "c" | "CHECK" => "check",
        "x" => "exclusion",
        "t" => "trigger",
        _ => "constraint",
    }
}

impl Db {
    /// Returns a snapshot of every non-system schema (PostgreSQL), the connected database
    /// (MySQL) or the main database (SQLite). Tables named like a known framework's tracking
    /// table are listed in `tracking_tables` too, but stay in `tables`: a project may own a
    /// table of that name for its own reasons, and only a site of that framework hides it.
    pub async fn live_schema(&mut self) -> Result<LiveSchema, DbError> {
        let mut live = match &mut self.conn {
            Conn::Pg(conn) => postgres::read_live_schema(conn, &self.url, &self.facts).await?,
            Conn::My(_) => mysql::read_live_schema(self).await?,
            Conn::Lite(_) => sqlite::read_live_schema(self).await?,
        };
        live.tracking_tables = live
            .tables
            .iter()
            .filter(|t| is_tracking_table(&t.name))
            .map(|t| format!("{}.{}", t.schema, t.name))
            .collect();
        Ok(live)
    }
}
