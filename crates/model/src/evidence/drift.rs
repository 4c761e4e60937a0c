//! Drift, judged per database after every site sharing it is replayed: a live object is
//! explained when any site's migrations create or name it.

use super::{Explained, ObjectKey};
use crate::lookup::SchemaLookup;
use crate::{is_tracking_table, Dialect};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Returns nothing; what one database holds that no site explains.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseDrift {
    /// Live objects in the schemas the sites touch that no migration creates or names.
    pub unexplained: Vec<String>,
    /// Live objects no migration creates, but whose name a statement migdoctor could not read
    /// mentions: probably created there, not counted as drift.
    pub maybe_explained: Vec<String>,
    /// Schemas no site touches, with how many tables each holds.
    pub untouched: Vec<(String, usize)>,
    /// Tracking tables of known frameworks that no site of the project owns.
    pub unowned_tracking: Vec<String>,
}

/// Returns the drift of one database: `sites` are what each site sharing it explains, `owned`
/// the (folded schema, folded table) of every site's own tracking table.
pub fn database_drift(
    lookup: &SchemaLookup<'_>,
    sites: &[&Explained],
    owned: &[(String, String)],
) -> DatabaseDrift {
    let live = lookup.live;
    let f = |s: &str| lookup.fold(s);
    let explains = |k: &ObjectKey| sites.iter().any(|e| e.keys.contains(k));
    let named = |n: &str| {
        let lower = n.to_lowercase();
        sites.iter().any(|e| e.words.contains(&lower))
    };
    let touched = |s: &str| sites.iter().any(|e| e.schemas.contains(s));
    let mut out = DatabaseDrift::default();
    let mut untouched: BTreeMap<String, usize> = BTreeMap::new();
    let default = f(&live.default_schema);
    let verdict = |out: &mut DatabaseDrift, key: &ObjectKey, text: String| {
        if explains(key) {
            return true;
        }
        if named(key.name()) {
            out.maybe_explained.push(text);
        } else {
            out.unexplained.push(text);
        }
        false
    };
    for t in &live.tables {
        let (schema, table) = (f(&t.schema), f(&t.name));
        if owned.iter().any(|(s, n)| *s == schema && *n == table) {
            continue;
        }
        if !touched(&schema) {
            *untouched.entry(t.schema.clone()).or_default() += 1;
            continue;
        }
        let qualified = if schema == default {
            t.name.clone()
        } else {
            format!("{}.{}", t.schema, t.name)
        };
        let tkey = ObjectKey::Table {
            schema: schema.clone(),
            table: table.clone(),
        };
        if !explains(&tkey) && is_tracking_table(&t.name) {
            out.unowned_tracking.push(qualified);
            continue;
        }
        if !verdict(&mut out, &tkey, format!("table {qualified}")) {
            continue;
        }
        for c in &t.columns {
            let key = ObjectKey::Column {
                schema: schema.clone(),
                table: table.clone(),
                column: f(&c.name),
            };
            verdict(&mut out, &key, format!("column {qualified}.{}", c.name));
        }
        for i in t.indexes.iter().filter(|i| !i.constraint_backed) {
            let key = ObjectKey::Index {
                schema: schema.clone(),
                table: (live.dialect == Dialect::Mysql).then(|| table.clone()),
                name: f(&i.name),
            };
            verdict(&mut out, &key, format!("index {} on {qualified}", i.name));
        }
    }
    for v in &live.views {
        let schema = f(&v.schema);
        if !touched(&schema) {
            continue;
        }
        let key = ObjectKey::Other {
            kind: "view".into(),
            schema,
            name: f(&v.name),
        };
        verdict(&mut out, &key, format!("view {}", v.name));
    }
    out.untouched = untouched.into_iter().collect();
    out
}
