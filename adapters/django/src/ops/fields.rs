//! The indexes and constraints Django makes for fields, many-to-many tables and
//! `unique_together` / `index_together`, named through [`crate::names`].

use super::*;

/// Returns the indexes and constraints Django makes for one field.
pub(super) fn field_objects(
    state: &State,
    app: &str,
    table: &str,
    name: &str,
    f: &FieldDef,
    create: bool,
) -> Vec<SchemaEffect> {
    with_facts(state, app, table, name, f, |facts| {
        names::field_objects(state.dialect, facts, create)
    })
}

/// Returns `then` applied to the facts Django's schema editor sees for one field.
pub(super) fn with_facts<R>(
    state: &State,
    app: &str,
    table: &str,
    name: &str,
    f: &FieldDef,
    then: impl FnOnce(&FieldFacts) -> R,
) -> R {
    let target =
        f.to.as_ref()
            .filter(|_| is_fk(f) && f.db_constraint)
            .map(|to| {
                let key = state.resolve(app, to);
                (
                    state.table_of(&key),
                    state.column_of(&key, f.to_field.as_deref()),
                )
            });
    let col = column(name, f);
    let db_index = f.db_index.unwrap_or(is_fk(f) || f.class == "SlugField");
    then(&FieldFacts {
        table,
        column: &col,
        internal_type: &f.class,
        primary_key: f.primary_key,
        unique: f.unique || f.class == "OneToOneField",
        db_index,
        foreign_key: target.as_ref().map(|(t, c)| (t.as_str(), c.as_str())),
    })
}

/// Returns what `AlterField` creates: Django's schema editor names a unique added by an
/// alteration `<table>_<column>_<hash>_uniq`, not as an inline UNIQUE would be named.
pub(super) fn alter_objects(
    state: &State,
    app: &str,
    table: &str,
    name: &str,
    old: &FieldDef,
    new: &FieldDef,
) -> Vec<SchemaEffect> {
    with_facts(state, app, table, name, old, |o| {
        with_facts(state, app, table, name, new, |n| {
            names::alter_field_objects(state.dialect, o, n)
        })
    })
}

/// Returns the auto-created table of a many-to-many field, with its objects.
pub(super) fn m2m_effects(
    state: &State,
    app: &str,
    model: &str,
    table: &str,
    name: &str,
    f: &FieldDef,
) -> Vec<SchemaEffect> {
    if f.through.is_some() {
        return Vec::new();
    }
    let d = state.dialect;
    let m2m = f
        .db_table
        .clone()
        .unwrap_or_else(|| names::m2m_table_name(d, table, name));
    let key = state.resolve(app, f.to.as_deref().unwrap_or(model));
    let to_table = state.table_of(&key);
    let (from_col, to_col) = names::m2m_columns(model, &key.1);
    let mut out = vec![SchemaEffect::CreateTable {
        table: q(&m2m),
        columns: vec!["id".into(), from_col.clone(), to_col.clone()],
        constraints: Vec::new(),
        if_not_exists: false,
    }];
    out.extend(names::m2m_objects(
        d, &m2m, &from_col, table, &to_col, &to_table,
    ));
    out
}

pub(super) fn m2m_tables(state: &State, m: &Model) -> Vec<String> {
    m.fields
        .iter()
        .filter(|(_, f)| is_m2m(f) && f.through.is_none())
        .map(|(n, f)| {
            f.db_table
                .clone()
                .unwrap_or_else(|| names::m2m_table_name(state.dialect, &m.table, n))
        })
        .collect()
}

pub(super) fn together_effects(
    d: Dialect,
    table: &str,
    cols: &[String],
    unique: bool,
    add: bool,
) -> SchemaEffect {
    let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    let name = if unique {
        names::unique_together_name(d, table, &refs)
    } else {
        names::index_together_name(d, table, &refs)
    };
    // SQLite cannot add a constraint to a table: Django makes a unique index instead.
    let as_index = !unique || d == Dialect::Sqlite;
    match (as_index, add) {
        (false, true) => SchemaEffect::AddConstraint {
            table: q(table),
            name: Some(name),
            kind: "unique".into(),
            columns: cols.to_vec(),
            references: None,
        },
        (false, false) => SchemaEffect::DropConstraint {
            table: q(table),
            name,
            if_exists: false,
        },
        (true, true) => SchemaEffect::CreateIndex {
            index: q(&name),
            table: q(table),
            unique,
            columns: cols.to_vec(),
            if_not_exists: false,
        },
        (true, false) => SchemaEffect::DropIndex {
            index: q(&name),
            table: Some(q(table)),
            if_exists: false,
        },
    }
}

/// Returns the columns of `fields` (field names) of a model.
pub(super) fn columns_of(m: Option<&Model>, fields: &[String]) -> Vec<String> {
    fields
        .iter()
        .map(|f| {
            m.and_then(|m| m.fields.iter().find(|(n, _)| n == f))
                .map(|(n, d)| column(n, d))
                .unwrap_or_else(|| f.clone())
        })
        .collect()
}

pub(super) fn drop_objects(objects: Vec<SchemaEffect>) -> Vec<SchemaEffect> {
    objects
        .into_iter()
        .filter_map(|e| match e {
            SchemaEffect::CreateIndex { index, table, .. } => Some(SchemaEffect::DropIndex {
                index,
                table: Some(table),
                if_exists: false,
            }),
            SchemaEffect::AddConstraint {
                table,
                name: Some(name),
                kind,
                ..
            } if kind != "primary key" => Some(SchemaEffect::DropConstraint {
                table,
                name,
                if_exists: false,
            }),
            _ => None,
        })
        .collect()
}
