//! Indexed lookups in a [`LiveSchema`]: built once per database, then every "does this object
//! exist?" is a hash probe without allocation, whatever the size of the catalog.

use crate::{Dialect, LiveSchema, LiveTable};
use std::collections::{HashMap, HashSet};

/// One table's lookups.
struct TableEntry<'a> {
    table: &'a LiveTable,
    columns: HashSet<String>,
    constraints: HashSet<String>,
}

type ByName<T> = HashMap<String, HashMap<String, T>>;

/// The lookups of one live schema, with names folded the way the database compares them.
/// Probes take `&str` and allocate nothing.
pub struct SchemaLookup<'a> {
    /// The snapshot.
    pub live: &'a LiveSchema,
    schemas: HashSet<String>,
    /// schema → table → entry.
    tables: ByName<TableEntry<'a>>,
    /// schema → index → tables holding an index of that name (several only on MySQL).
    indexes: ByName<Vec<String>>,
    /// kind → schema → names.
    others: HashMap<&'static str, HashMap<String, HashSet<String>>>,
    search_path: Vec<String>,
}

fn other_kind(kind: &str) -> &'static str {
    match kind {
        "view" => "view",
        "sequence" => "sequence",
        "function" => "function",
        _ => "type",
    }
}

impl<'a> SchemaLookup<'a> {
    /// Returns the lookups of `live`.
    pub fn new(live: &'a LiveSchema) -> SchemaLookup<'a> {
        let f = |s: &str| live.fold(s);
        let mut l = SchemaLookup {
            live,
            schemas: live.schemas.iter().map(|s| f(s)).collect(),
            tables: HashMap::new(),
            indexes: HashMap::new(),
            others: HashMap::new(),
            search_path: if live.search_path.is_empty() {
                vec![f(&live.default_schema)]
            } else {
                live.search_path.iter().map(|s| f(s)).collect()
            },
        };
        for t in &live.tables {
            let (schema, name) = (f(&t.schema), f(&t.name));
            for i in &t.indexes {
                l.indexes
                    .entry(schema.clone())
                    .or_default()
                    .entry(f(&i.name))
                    .or_default()
                    .push(name.clone());
            }
            let entry = TableEntry {
                table: t,
                columns: t.columns.iter().map(|c| f(&c.name)).collect(),
                constraints: t
                    .constraints
                    .iter()
                    .filter(|c| !c.name.is_empty())
                    .map(|c| f(&c.name))
                    .collect(),
            };
            l.tables.entry(schema).or_default().insert(name, entry);
        }
        for (kind, list) in [
            ("view", &live.views),
            ("sequence", &live.sequences),
            ("function", &live.functions),
            ("type", &live.types),
        ] {
            for o in list {
                l.others
                    .entry(kind)
                    .or_default()
                    .entry(f(&o.schema))
                    .or_default()
                    .insert(f(&o.name));
            }
        }
        for e in &live.enums {
            l.others
                .entry("type")
                .or_default()
                .entry(f(&e.schema))
                .or_default()
                .insert(f(&e.name));
        }
        l
    }

    /// Returns the dialect.
    pub fn dialect(&self) -> Dialect {
        self.live.dialect
    }

    /// Returns `name` folded as this database compares it.
    pub fn fold(&self, name: &str) -> String {
        self.live.fold(name)
    }

    /// Returns the schemas an unqualified name is looked up in, folded, in order.
    pub fn search_path(&self) -> &[String] {
        &self.search_path
    }

    /// Returns whether the folded schema exists.
    pub fn has_schema(&self, schema: &str) -> bool {
        self.schemas.contains(schema)
    }

    fn entry(&self, schema: &str, table: &str) -> Option<&TableEntry<'a>> {
        self.tables.get(schema)?.get(table)
    }

    /// Returns the table with these folded names.
    pub fn table(&self, schema: &str, table: &str) -> Option<&'a LiveTable> {
        self.entry(schema, table).map(|e| e.table)
    }

    /// Returns whether the folded column exists.
    pub fn has_column(&self, schema: &str, table: &str, column: &str) -> bool {
        self.entry(schema, table)
            .is_some_and(|e| e.columns.contains(column))
    }

    /// Returns whether an index of that folded name exists in the schema (on `table` when
    /// given: MySQL's index names are per table).
    pub fn has_index(&self, schema: &str, table: Option<&str>, name: &str) -> bool {
        match self.indexes.get(schema).and_then(|m| m.get(name)) {
            None => false,
            Some(tables) => table.is_none_or(|t| tables.iter().any(|x| x == t)),
        }
    }

    /// Returns whether the folded named constraint exists on the table.
    pub fn has_constraint(&self, schema: &str, table: &str, name: &str) -> bool {
        self.entry(schema, table)
            .is_some_and(|e| e.constraints.contains(name))
    }

    /// Returns whether a view, sequence, function or type (`kind`) of that folded name exists.
    pub fn has_other(&self, kind: &str, schema: &str, name: &str) -> bool {
        self.others
            .get(other_kind(kind))
            .and_then(|m| m.get(schema))
            .is_some_and(|names| names.contains(name))
    }
}
