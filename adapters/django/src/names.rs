//! Django's generated identifiers, computed as Django 5.2's schema editors compute them for
//! PostgreSQL, MySQL/MariaDB and SQLite, plus the names the databases give what Django leaves
//! unnamed (an inline `PRIMARY KEY`, `UNIQUE` or `CHECK`, an identity sequence, the index
//! InnoDB makes for a foreign key).
//!
//! What Django does, in short (`django/db/backends/base/schema.py` and the backends):
//!
//! - `CREATE TABLE` writes `PRIMARY KEY` and `UNIQUE` inline, unnamed: the database names them
//!   (PostgreSQL `<table>_pkey` / `<table>_<column>_key`, MySQL `PRIMARY` / the column's name,
//!   SQLite `sqlite_autoindex_<table>_<n>`). Positive integer fields get an inline `CHECK`.
//! - Foreign keys are added afterwards as `<table>_<column>_fk_<to_table>_<to_column>` (through
//!   [`index_name`]); SQLite writes them inline without a name.
//! - A field with `db_index` that is not unique gets `CREATE INDEX <table>_<column>_<hash>`;
//!   MySQL skips it for a `ForeignKey` with a constraint (InnoDB indexes the key itself, under
//!   the constraint's name) and for TEXT/BLOB/JSON columns.
//! - PostgreSQL adds `<table>_<column>_<hash>_like` (`varchar_pattern_ops` /
//!   `text_pattern_ops`) for a varchar or text column with `db_index` or `unique` (a primary
//!   key is unique).
//! - `unique_together` → `<…>_uniq`, `index_together` → `<…>_idx`, `AlterField` adding
//!   `unique` → `<…>_uniq`.
//!
//! Names longer than the backend's limit are shortened with an MD5 digest, as Django does;
//! PostgreSQL then cuts anything still over 63 bytes.

use md5::{Digest, Md5};
use migdoctor_model::{Dialect, QName, SchemaEffect};
use std::collections::BTreeSet;

mod objects;

pub use objects::{
    alter_field_objects, alter_field_objects_in, field_objects, field_objects_in, field_objects_to,
    m2m_objects, m2m_objects_in, m2m_objects_with, model_objects, model_objects_in,
    sqlite_autoindexes, FieldFacts, M2mEnd,
};

/// Returns nothing; the relation and constraint names already used in one PostgreSQL schema,
/// for choosing the implicit names the way PostgreSQL does (`<…>_pkey1` when `<…>_pkey` is
/// taken). Only PostgreSQL numbers names; elsewhere this is carried along unused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Taken {
    names: BTreeSet<String>,
}

impl Taken {
    /// Returns whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// Returns `name` after noting it as taken.
    pub fn add(&mut self, name: impl Into<String>) -> String {
        let name = name.into();
        self.names.insert(name.clone());
        name
    }

    /// Frees `name` (its object was dropped).
    pub fn remove(&mut self, name: &str) {
        self.names.remove(name);
    }

    /// Returns the name PostgreSQL chooses for an implicit object (its `ChooseRelationName`):
    /// [`pg_implicit_name`] with the label, then `label1`, `label2`, … until the name is free;
    /// the name is then taken.
    pub fn choose_pg(&mut self, name1: &str, name2: Option<&str>, label: &str) -> String {
        let mut name = pg_implicit_name(name1, name2, label);
        let mut pass = 0;
        while self.contains(&name) {
            pass += 1;
            name = pg_implicit_name(name1, name2, &format!("{label}{pass}"));
        }
        self.add(name)
    }
}

/// Returns the longest table, column or index name the backend takes (Django's
/// `connection.ops.max_name_length()`): 63 on PostgreSQL, 64 on MySQL, none on SQLite.
pub fn max_name_length(d: Dialect) -> Option<usize> {
    match d {
        Dialect::Postgres => Some(63),
        Dialect::Mysql => Some(64),
        Dialect::Sqlite => None,
    }
}

/// Returns the first `length` hex digits of the MD5 of the parts joined together (Django's
/// `names_digest`).
pub fn names_digest(parts: &[&str], length: usize) -> String {
    let mut h = Md5::new();
    for p in parts {
        h.update(p.as_bytes());
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    hex.chars().take(length).collect()
}

/// Returns `(namespace, name)` of an identifier that may be written `"ns"."name"` (Django's
/// `split_identifier`), quotes stripped.
pub fn split_identifier(identifier: &str) -> (String, String) {
    let (ns, name) = match identifier.split_once("\".\"") {
        Some((ns, name)) if !name.contains("\".\"") => (ns, name),
        _ => ("", identifier),
    };
    (
        ns.trim_matches('"').to_string(),
        name.trim_matches('"').to_string(),
    )
}

/// Returns the first `n` characters.
fn head(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Returns `identifier` shortened to `length` characters with a digest of `hash_len` hex
/// digits at the end (Django's `truncate_name`); a `"ns"."name"` keeps its namespace and only
/// the name is shortened. Unchanged when `length` is `None` or the name fits.
pub fn truncate_name(identifier: &str, length: Option<usize>, hash_len: usize) -> String {
    let (ns, name) = split_identifier(identifier);
    let Some(length) = length else {
        return identifier.to_string();
    };
    if name.chars().count() <= length {
        return identifier.to_string();
    }
    let digest = names_digest(&[&name], hash_len);
    let prefix = if ns.is_empty() {
        String::new()
    } else {
        format!("{ns}\".\"")
    };
    format!(
        "{prefix}{}{digest}",
        head(&name, length.saturating_sub(hash_len))
    )
}

/// Returns the name PostgreSQL stores for `name`: at most 63 bytes, cut at a character
/// boundary (it cuts longer identifiers with a notice).
pub fn pg_identifier(name: &str) -> String {
    let mut end = name.len().min(63);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

/// Returns the name as the database keeps it (PostgreSQL cuts at 63 bytes).
fn stored(d: Dialect, name: String) -> String {
    match d {
        Dialect::Postgres => pg_identifier(&name),
        _ => name,
    }
}

/// Returns the name Django generates for an index or constraint on `columns` of `table` with
/// `suffix` (`""` for a field index, `"_like"`, `"_uniq"`, `"_idx"`, `"_fk_<t>_<c>"`):
/// `<table>_<columns>_<8-digit digest><suffix>`, shortened to the backend's limit (Django's
/// `_create_index_name`).
pub fn index_name(d: Dialect, table: &str, columns: &[&str], suffix: &str) -> String {
    let (_, table) = split_identifier(table);
    let mut parts = vec![table.as_str()];
    parts.extend_from_slice(columns);
    let mut hash_suffix = format!("{}{suffix}", names_digest(&parts, 8));
    let max = max_name_length(d).unwrap_or(200);
    let joined = columns.join("_");
    let name = format!("{table}_{joined}_{hash_suffix}");
    if name.chars().count() <= max {
        return stored(d, name);
    }
    // Django compares with max_length / 3 as a float.
    if hash_suffix.chars().count() * 3 > max {
        hash_suffix = head(&hash_suffix, max / 3);
    }
    let other = (max - hash_suffix.chars().count()) / 2 - 1;
    let mut name = format!(
        "{}_{}_{hash_suffix}",
        head(&table, other),
        head(&joined, other)
    );
    if name.starts_with('_') || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.pop();
        name.insert(0, 'D');
    }
    stored(d, name)
}

/// Returns the name of the foreign key Django adds for `table.column` referencing
/// `to_table.to_column` (Django's `_fk_constraint_name` with suffix
/// `_fk_%(to_table)s_%(to_column)s`).
pub fn fk_constraint_name(
    d: Dialect,
    table: &str,
    column: &str,
    to_table: &str,
    to_column: &str,
) -> String {
    let (_, to) = split_identifier(to_table);
    index_name(d, table, &[column], &format!("_fk_{to}_{to_column}"))
}

/// Returns the name of a `unique_together` constraint (or of `AlterField` making a field
/// unique): suffix `_uniq`.
pub fn unique_together_name(d: Dialect, table: &str, columns: &[&str]) -> String {
    index_name(d, table, columns, "_uniq")
}

/// Returns the name of an `index_together` index (historical migrations): suffix `_idx`.
pub fn index_together_name(d: Dialect, table: &str, columns: &[&str]) -> String {
    index_name(d, table, columns, "_idx")
}

/// Returns the name `makemigrations` gives a `Meta.indexes` entry written without one
/// (Django's `Index.set_name_with_model`): `<table[:11]>_<column[:7]>_<6-digit digest>_<suffix>`
/// (suffix `idx` for `Index`; a descending column is written `-column`). The migration file
/// carries this name, so it is the same on every backend.
pub fn meta_index_name(table: &str, columns: &[&str], suffix: &str) -> String {
    let (_, table) = split_identifier(table);
    let mut parts = vec![table.as_str()];
    parts.extend_from_slice(columns);
    parts.push(suffix);
    let first = columns.first().map_or("", |c| c.trim_start_matches('-'));
    let mut name = format!(
        "{}_{}_{}_{suffix}",
        head(&table, 11),
        head(first, 7),
        names_digest(&parts, 6)
    );
    if name.starts_with('_') || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.remove(0);
        name.insert(0, 'D');
    }
    name
}

/// Returns the name PostgreSQL chooses for an implicit object (its `makeObjectName`):
/// `name1[_name2]_label`, cutting the longer of the two names, byte by byte, until it fits in
/// 63 bytes (see [`Taken::choose_pg`] for a name already taken).
pub fn pg_implicit_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = 63usize.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    match name2 {
        Some(n) => format!("{}_{}_{label}", clip(name1, n1), clip(n, n2)),
        None => format!("{}_{label}", clip(name1, n1)),
    }
}

/// Returns the name of a table's primary key: PostgreSQL `<table>_pkey`, MySQL `PRIMARY`;
/// `None` on SQLite, which keeps no constraint names.
pub fn pk_constraint_name(d: Dialect, table: &str) -> Option<String> {
    match d {
        Dialect::Postgres => Some(pg_implicit_name(&split_identifier(table).1, None, "pkey")),
        Dialect::Mysql => Some("PRIMARY".into()),
        Dialect::Sqlite => None,
    }
}

/// Returns the name of the unique constraint an inline `UNIQUE` on `column` gets: PostgreSQL
/// `<table>_<column>_key`, MySQL the column's name (its unique index); `None` on SQLite (see
/// [`sqlite_autoindex_name`] for its index).
pub fn inline_unique_name(d: Dialect, table: &str, column: &str) -> Option<String> {
    match d {
        Dialect::Postgres => Some(pg_implicit_name(
            &split_identifier(table).1,
            Some(column),
            "key",
        )),
        Dialect::Mysql => Some(column.to_string()),
        Dialect::Sqlite => None,
    }
}

/// Returns the name of the inline `CHECK` on `column` (positive integer fields) where it is
/// known: PostgreSQL `<table>_<column>_check`. `None` on MySQL, whose name depends on the
/// server (MariaDB names it after the column, MySQL 8 `<table>_chk_<n>`), and on SQLite.
pub fn check_constraint_name(d: Dialect, table: &str, column: &str) -> Option<String> {
    (d == Dialect::Postgres)
        .then(|| pg_implicit_name(&split_identifier(table).1, Some(column), "check"))
}

/// Returns the name of the sequence behind an auto field's identity column on PostgreSQL:
/// `<table>_<column>_seq`.
pub fn pg_sequence_name(table: &str, column: &str) -> String {
    pg_implicit_name(&split_identifier(table).1, Some(column), "seq")
}

/// Returns the name SQLite gives the `n`th (from 1) index it makes for a table's inline
/// `PRIMARY KEY` / `UNIQUE` constraints: `sqlite_autoindex_<table>_<n>`.
pub fn sqlite_autoindex_name(table: &str, n: usize) -> String {
    format!("sqlite_autoindex_{}_{n}", split_identifier(table).1)
}

/// Returns the table of an auto-created many-to-many field `field_name` of the model whose
/// table is `model_table`: `<model_table>_<field_name>`, shortened to the backend's limit with
/// a 4-digit digest (Django's `_get_m2m_db_table`).
pub fn m2m_table_name(d: Dialect, model_table: &str, field_name: &str) -> String {
    let (_, t) = split_identifier(model_table);
    truncate_name(&format!("{t}_{field_name}"), max_name_length(d), 4)
}

/// Returns the two columns of an auto-created many-to-many table between models named
/// `from_model` and `to_model` (class names): `<from>_id` and `<to>_id` in lower case; for a
/// model related to itself `from_<m>_id` and `to_<m>_id`.
pub fn m2m_columns(from_model: &str, to_model: &str) -> (String, String) {
    let (from, to) = (from_model.to_lowercase(), to_model.to_lowercase());
    if from == to {
        (format!("from_{from}_id"), format!("to_{to}_id"))
    } else {
        (format!("{from}_id"), format!("{to}_id"))
    }
}

/// Returns a `CreateIndex` effect.
fn create_index(table: &str, name: String, columns: &[&str], unique: bool) -> SchemaEffect {
    SchemaEffect::CreateIndex {
        index: QName::new(name),
        table: QName::new(table),
        unique,
        columns: columns.iter().map(|c| c.to_string()).collect(),
        if_not_exists: false,
    }
}

/// Returns an `AddConstraint` effect.
fn add_constraint(
    table: &str,
    name: Option<String>,
    kind: &str,
    columns: &[&str],
    references: Option<&str>,
) -> SchemaEffect {
    SchemaEffect::AddConstraint {
        table: QName::new(table),
        name,
        kind: kind.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        references: references.map(QName::new),
    }
}

#[cfg(test)]
mod tests;
