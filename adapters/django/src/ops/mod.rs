//! Schema effects of Django operations, with the names Django really uses: a project state
//! (model → table, fields → columns) is carried through the migrations in run order, and every
//! generated index and constraint name comes from [`crate::names`].

use crate::history::Node;
use crate::names::{self, FieldFacts};
use crate::parse::{FieldDef, Op};
use migdoctor_model::{Dialect, Migration, MigrationStatement, QName, SchemaEffect, StatementKind};
use std::collections::HashMap;

mod fields;
mod rename;
mod track;

use fields::*;
use track::*;

/// Returns nothing; one model as far as the schema cares.
#[derive(Clone, Debug)]
struct Model {
    table: String,
    explicit_table: bool,
    fields: Vec<(String, FieldDef)>,
    unique_together: Vec<Vec<String>>,
    index_together: Vec<Vec<String>>,
    creates_nothing: bool,
}

/// Returns nothing; the project state between migrations.
#[derive(Clone, Debug)]
pub struct State {
    dialect: Dialect,
    /// The name each foreign-key constraint has now, by (table, column): Django drops and
    /// makes them again under new names when their column or target table changes.
    fk_names: HashMap<(String, String), String>,
    /// The names of the single-column, non-unique indexes on each (table, column) as made:
    /// they keep the table name they were made under when the model is renamed.
    idx_names: HashMap<(String, String), Vec<String>>,
    models: HashMap<(String, String), Model>,
    user_model: (String, String),
}

impl State {
    /// Returns an empty state for a database of dialect `d`.
    pub fn new(d: Dialect) -> State {
        State {
            dialect: d,
            fk_names: HashMap::new(),
            idx_names: HashMap::new(),
            models: HashMap::new(),
            user_model: ("auth".into(), "user".into()),
        }
    }

    /// Returns the state with `AUTH_USER_MODEL` set (`app.Model`).
    pub fn with_user_model(mut self, model: &str) -> State {
        if let Some((a, m)) = model.split_once('.') {
            self.user_model = (a.to_string(), m.to_ascii_lowercase());
        }
        self
    }

    fn default_table(&self, app: &str, model: &str) -> String {
        names::truncate_name(
            &format!("{app}_{}", model.to_ascii_lowercase()),
            names::max_name_length(self.dialect),
            4,
        )
    }

    /// Returns (app, model) a reference names, seen from `app`.
    fn resolve(&self, app: &str, to: &str) -> (String, String) {
        if to == "@user" {
            return self.user_model.clone();
        }
        match to.split_once('.') {
            Some((a, m)) => (a.to_string(), m.to_ascii_lowercase()),
            None => (app.to_string(), to.to_ascii_lowercase()),
        }
    }

    fn table_of(&self, key: &(String, String)) -> String {
        self.models
            .get(key)
            .map(|m| m.table.clone())
            .or_else(|| contrib_table(key).map(String::from))
            .unwrap_or_else(|| self.default_table(&key.0, &key.1))
    }

    /// Returns the column a field of `key` is stored in (`to_field`, else the primary key).
    fn column_of(&self, key: &(String, String), field: Option<&str>) -> String {
        let Some(m) = self.models.get(key) else {
            return field.unwrap_or("id").to_string();
        };
        let found = match field {
            Some(f) => m.fields.iter().find(|(n, _)| n == f),
            None => m.fields.iter().find(|(_, d)| d.primary_key),
        };
        match found {
            Some((n, d)) => column(n, d),
            None => field.unwrap_or("id").to_string(),
        }
    }
}

/// Returns the `db_table` of a contrib model that sets one (the contrib apps' migrations are
/// data, so their models are not in the state): a foreign key to `contenttypes.ContentType`
/// names `django_content_type` in its constraint, not `contenttypes_contenttype`.
fn contrib_table(key: &(String, String)) -> Option<&'static str> {
    Some(match (key.0.as_str(), key.1.as_str()) {
        ("contenttypes", "contenttype") => "django_content_type",
        ("admin", "logentry") => "django_admin_log",
        ("sessions", "session") => "django_session",
        ("sites", "site") => "django_site",
        ("flatpages", "flatpage") => "django_flatpage",
        ("redirects", "redirect") => "django_redirect",
        _ => return None,
    })
}

fn is_fk(f: &FieldDef) -> bool {
    matches!(
        f.class.as_str(),
        "ForeignKey" | "OneToOneField" | "ParentalKey"
    )
}

fn is_m2m(f: &FieldDef) -> bool {
    f.class == "ManyToManyField" || f.class == "ParentalManyToManyField"
}

fn column(name: &str, f: &FieldDef) -> String {
    match &f.db_column {
        Some(c) => c.clone(),
        None if is_fk(f) => format!("{name}_id"),
        None => name.to_string(),
    }
}

/// Returns nothing; fills in the statements of every migration, in order.
pub(crate) fn effects_in_order(
    state: &mut State,
    migrations: &mut [Migration],
    nodes: &HashMap<String, &Node>,
) {
    for m in migrations.iter_mut() {
        let Some(node) = nodes.get(m.id.as_str()) else {
            continue;
        };
        if let Some(c) = &node.contrib {
            let mut effects = crate::contrib::effects(c, state.dialect);
            if state.user_model != ("auth".to_string(), "user".to_string()) {
                let user_table = state.table_of(&state.user_model.clone());
                effects = swap_user_model(effects, state.dialect, &user_table);
            }
            for e in &effects {
                if let SchemaEffect::CreateTable { table, .. } = e {
                    // Contrib tables follow the default naming; keep them known for FKs.
                    let key = (
                        c.app.to_string(),
                        table
                            .name
                            .trim_start_matches(&format!("{}_", c.app))
                            .to_string(),
                    );
                    state.models.entry(key).or_insert(Model {
                        table: table.name.clone(),
                        explicit_table: false,
                        fields: Vec::new(),
                        unique_together: Vec::new(),
                        index_together: Vec::new(),
                        creates_nothing: false,
                    });
                }
            }
            m.statements.push(MigrationStatement {
                file: format!("django.contrib.{}.migrations.{}", c.app, c.name),
                line: 1,
                sql: format!("django.contrib.{} migration {}", c.app, c.name),
                kind: StatementKind::Ddl,
                effects,
            });
            continue;
        }
        let file = node.file.clone().unwrap_or_default();
        for (line, op) in &node.parsed.operations {
            let effects = op_effects(state, &node.app, op, &file, *line);
            record_fks(state, &effects);
            m.statements.push(MigrationStatement {
                file: file.clone(),
                line: *line,
                sql: describe(op),
                kind: if matches!(op, Op::Opaque(_)) {
                    StatementKind::Opaque
                } else {
                    StatementKind::Ddl
                },
                effects,
            });
        }
    }
}

fn describe(op: &Op) -> String {
    let text = format!("{op:?}");
    let name = text.split(['(', ' ', '{']).next().unwrap_or("operation");
    match op {
        Op::CreateModel { name: model, .. } => format!("CreateModel {model}"),
        Op::AddField(m, f, _) | Op::RemoveField(m, f) | Op::AlterField(m, f, _) => {
            format!("{name} {m}.{f}")
        }
        Op::RunSql(sql) => sql.clone(),
        Op::Opaque(reason) => reason.clone(),
        _ => name.to_string(),
    }
}

fn q(t: &str) -> QName {
    QName::new(t)
}

fn op_effects(state: &mut State, app: &str, op: &Op, file: &str, line: usize) -> Vec<SchemaEffect> {
    let d = state.dialect;
    let key = |m: &str| (app.to_string(), m.to_ascii_lowercase());
    match op {
        Op::CreateModel {
            name,
            fields,
            db_table,
            unmanaged,
            proxy,
            unique_together,
            index_together,
            indexes,
            constraints,
        } => {
            let table = db_table
                .clone()
                .unwrap_or_else(|| state.default_table(app, name));
            let model = Model {
                table: table.clone(),
                explicit_table: db_table.is_some(),
                fields: fields.clone(),
                unique_together: unique_together.clone(),
                index_together: index_together.clone(),
                creates_nothing: *unmanaged || *proxy,
            };
            state.models.insert(key(name), model.clone());
            if model.creates_nothing {
                return Vec::new();
            }
            let columns: Vec<String> = fields
                .iter()
                .filter(|(_, f)| !is_m2m(f))
                .map(|(n, f)| column(n, f))
                .collect();
            let mut out = vec![SchemaEffect::CreateTable {
                table: q(&table),
                columns,
                constraints: Vec::new(),
                if_not_exists: false,
            }];
            for (n, f) in fields.iter().filter(|(_, f)| !is_m2m(f)) {
                out.extend(field_objects(state, app, &table, n, f, true));
            }
            for cols in unique_together {
                out.push(together_effects(
                    d,
                    &table,
                    &columns_of(Some(&model), cols),
                    true,
                    true,
                ));
            }
            for cols in index_together {
                out.push(together_effects(
                    d,
                    &table,
                    &columns_of(Some(&model), cols),
                    false,
                    true,
                ));
            }
            for (iname, ifields) in indexes {
                let cols = columns_of(Some(&model), ifields);
                let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
                let iname = iname
                    .clone()
                    .unwrap_or_else(|| names::index_name(d, &table, &refs, "_idx"));
                out.push(SchemaEffect::CreateIndex {
                    index: q(&iname),
                    table: q(&table),
                    unique: false,
                    columns: cols,
                    if_not_exists: false,
                });
            }
            for (cname, kind, cfields) in constraints {
                out.push(SchemaEffect::AddConstraint {
                    table: q(&table),
                    name: Some(cname.clone()),
                    kind: kind.clone(),
                    columns: columns_of(Some(&model), cfields),
                    references: None,
                });
            }
            for (n, f) in fields.iter().filter(|(_, f)| is_m2m(f)) {
                out.extend(m2m_effects(state, app, name, &table, n, f));
            }
            out
        }
        Op::DeleteModel(name) => {
            let Some(m) = state.models.remove(&key(name)) else {
                return vec![SchemaEffect::DropTable {
                    table: q(&state.default_table(app, name)),
                    if_exists: false,
                    cascade: false,
                }];
            };
            if m.creates_nothing {
                return Vec::new();
            }
            let mut out: Vec<SchemaEffect> = m2m_tables(state, &m)
                .into_iter()
                .map(|t| SchemaEffect::DropTable {
                    table: q(&t),
                    if_exists: false,
                    cascade: false,
                })
                .collect();
            out.push(SchemaEffect::DropTable {
                table: q(&m.table),
                if_exists: false,
                cascade: false,
            });
            out
        }
        Op::RenameModel(old, new) => rename::rename_model(state, app, old, new),
        Op::AlterModelTable(name, table) => {
            let new_table = table
                .clone()
                .unwrap_or_else(|| state.default_table(app, name));
            let Some(m) = state.models.get_mut(&key(name)) else {
                return Vec::new();
            };
            let old = std::mem::replace(&mut m.table, new_table.clone());
            m.explicit_table = table.is_some();
            if m.creates_nothing || old == new_table {
                return Vec::new();
            }
            vec![SchemaEffect::RenameTable {
                from: q(&old),
                to: q(&new_table),
            }]
        }
        Op::AddField(model, name, f) => {
            let table = state.table_of(&key(model));
            let nothing = state
                .models
                .get(&key(model))
                .is_some_and(|m| m.creates_nothing);
            if let Some(m) = state.models.get_mut(&key(model)) {
                m.fields.push((name.clone(), f.clone()));
            }
            if nothing {
                return Vec::new();
            }
            if is_m2m(f) {
                return m2m_effects(state, app, model, &table, name, f);
            }
            let mut out = vec![SchemaEffect::AddColumn {
                table: q(&table),
                column: column(name, f),
                if_not_exists: false,
            }];
            out.extend(field_objects(state, app, &table, name, f, false));
            out
        }
        Op::RemoveField(model, name) => {
            let Some(m) = state.models.get(&key(model)).cloned() else {
                return Vec::new();
            };
            let Some((_, f)) = m.fields.iter().find(|(n, _)| n == name).cloned() else {
                return Vec::new();
            };
            if let Some(mm) = state.models.get_mut(&key(model)) {
                mm.fields.retain(|(n, _)| n != name);
            }
            if m.creates_nothing {
                return Vec::new();
            }
            if is_m2m(&f) {
                if f.through.is_some() {
                    return Vec::new();
                }
                let t = f
                    .db_table
                    .clone()
                    .unwrap_or_else(|| names::m2m_table_name(d, &m.table, name));
                return vec![SchemaEffect::DropTable {
                    table: q(&t),
                    if_exists: false,
                    cascade: false,
                }];
            }
            vec![SchemaEffect::DropColumn {
                table: q(&m.table),
                column: column(name, &f),
                if_exists: false,
                cascade: false,
            }]
        }
        Op::RenameField(model, old, new) => {
            let Some(m) = state.models.get_mut(&key(model)) else {
                return Vec::new();
            };
            let Some(slot) = m.fields.iter_mut().find(|(n, _)| n == old) else {
                return Vec::new();
            };
            let before = column(&slot.0, &slot.1);
            slot.0 = new.clone();
            let after = column(&slot.0, &slot.1);
            let table = m.table.clone();
            let field = slot.1.clone();
            if m.creates_nothing || before == after || is_m2m(&field) {
                return Vec::new();
            }
            let mut out = vec![SchemaEffect::RenameColumn {
                table: q(&table),
                from: before.clone(),
                to: after.clone(),
            }];
            // PostgreSQL: Django's alter_field drops a foreign key whose column changes and
            // makes it again, named from the new column; its index keeps the old name.
            // (MySQL's handling of the InnoDB index is not modelled; SQLite names none.)
            if d == Dialect::Postgres && is_fk(&field) && field.db_constraint {
                if let Some(to) = &field.to {
                    let target = state.resolve(app, to);
                    let (to_table, to_col) = (
                        state.table_of(&target),
                        state.column_of(&target, field.to_field.as_deref()),
                    );
                    if let Some(n) = state.fk_names.remove(&(table.clone(), before.clone())) {
                        state.fk_names.insert((table.clone(), after.clone()), n);
                    }
                    out.extend(remake_fk(state, &table, &after, &to_table, &to_col));
                }
            }
            out
        }
        Op::AlterField(model, name, f) => {
            let Some(m) = state.models.get(&key(model)).cloned() else {
                return Vec::new();
            };
            let Some((_, old)) = m.fields.iter().find(|(n, _)| n == name).cloned() else {
                return Vec::new();
            };
            if let Some(mm) = state.models.get_mut(&key(model)) {
                if let Some(slot) = mm.fields.iter_mut().find(|(n, _)| n == name) {
                    slot.1 = f.clone();
                }
            }
            if m.creates_nothing || is_m2m(f) || is_m2m(&old) {
                return Vec::new();
            }
            let table = m.table.clone();
            let (before, after) = (column(name, &old), column(name, f));
            let old_objects = field_objects(state, app, &table, name, &old, false);
            let new_objects = field_objects(state, app, &table, name, f, false);
            // Django's rule: a field that had a plain index and now has none (or becomes
            // unique) loses every plain index on its column, under the names they were made
            // with (a renamed model keeps its old index names).
            let plain = |f: &FieldDef| {
                f.db_index.unwrap_or(is_fk(f) || f.class == "SlugField")
                    && !(f.unique || f.primary_key || f.class == "OneToOneField")
            };
            let drops_plain = plain(&old) && !plain(f);
            let is_plain_index = |o: &SchemaEffect| matches!(o, SchemaEffect::CreateIndex { unique: false, columns, .. } if columns.len() == 1);
            let mut out: Vec<SchemaEffect> = drop_objects(
                old_objects
                    .iter()
                    .filter(|o| !new_objects.contains(o) && !is_plain_index(o))
                    .cloned()
                    .collect(),
            );
            if drops_plain {
                let recorded = state
                    .idx_names
                    .get(&(table.clone(), before.clone()))
                    .cloned()
                    .unwrap_or_default();
                for n in recorded {
                    out.push(SchemaEffect::DropIndex {
                        index: q(&n),
                        table: Some(q(&table)),
                        if_exists: false,
                    });
                }
            }
            if before != after {
                out.push(SchemaEffect::RenameColumn {
                    table: q(&table),
                    from: before,
                    to: after.clone(),
                });
            }
            out.push(SchemaEffect::AlterColumn {
                table: q(&table),
                column: after,
            });
            out.extend(alter_objects(state, app, &table, name, &old, f));
            out
        }
        Op::AddIndex(model, name, fields) => {
            let m = state.models.get(&key(model));
            let table = state.table_of(&key(model));
            let cols = columns_of(m, fields);
            let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
            let name = name
                .clone()
                .unwrap_or_else(|| names::index_name(d, &table, &refs, "_idx"));
            vec![SchemaEffect::CreateIndex {
                index: q(&name),
                table: q(&table),
                unique: false,
                columns: cols,
                if_not_exists: false,
            }]
        }
        Op::RemoveIndex(model, name) => vec![SchemaEffect::DropIndex {
            index: q(name),
            table: Some(q(&state.table_of(&key(model)))),
            if_exists: false,
        }],
        Op::RenameIndex(model, new, old, old_fields) => {
            let table = state.table_of(&key(model));
            let from = match old {
                Some(o) => o.clone(),
                None => {
                    let cols = columns_of(state.models.get(&key(model)), old_fields);
                    let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
                    names::index_together_name(d, &table, &refs)
                }
            };
            vec![SchemaEffect::RenameIndex {
                from: q(&from),
                to: q(new),
                table: Some(q(&table)),
            }]
        }
        Op::AddConstraint(model, name, kind, fields) => vec![SchemaEffect::AddConstraint {
            table: q(&state.table_of(&key(model))),
            name: Some(name.clone()),
            kind: kind.clone(),
            columns: columns_of(state.models.get(&key(model)), fields),
            references: None,
        }],
        Op::RemoveConstraint(model, name) => vec![SchemaEffect::DropConstraint {
            table: q(&state.table_of(&key(model))),
            name: name.clone(),
            if_exists: false,
        }],
        Op::AlterUniqueTogether(model, sets) | Op::AlterIndexTogether(model, sets) => {
            let unique = matches!(op, Op::AlterUniqueTogether(..));
            let Some(m) = state.models.get_mut(&key(model)) else {
                return Vec::new();
            };
            let old = if unique {
                std::mem::replace(&mut m.unique_together, sets.clone())
            } else {
                std::mem::replace(&mut m.index_together, sets.clone())
            };
            let m = m.clone();
            if m.creates_nothing {
                return Vec::new();
            }
            let mut out = Vec::new();
            for s in old.iter().filter(|s| !sets.contains(s)) {
                out.push(together_effects(
                    d,
                    &m.table,
                    &columns_of(Some(&m), s),
                    unique,
                    false,
                ));
            }
            for s in sets.iter().filter(|s| !old.contains(s)) {
                out.push(together_effects(
                    d,
                    &m.table,
                    &columns_of(Some(&m), s),
                    unique,
                    true,
                ));
            }
            out
        }
        Op::AlterOrderWithRespectTo(model, on) => {
            let table = q(&state.table_of(&key(model)));
            if *on {
                vec![SchemaEffect::AddColumn {
                    table,
                    column: "_order".into(),
                    if_not_exists: false,
                }]
            } else {
                vec![SchemaEffect::DropColumn {
                    table,
                    column: "_order".into(),
                    if_exists: false,
                    cascade: false,
                }]
            }
        }
        Op::Separate(database, state_ops) => {
            // What reaches the database runs against a copy; the state follows the state
            // operations alone, as Django's does.
            let mut scratch = state.clone();
            let mut out = Vec::new();
            for (l, o) in database {
                out.extend(op_effects(&mut scratch, app, o, file, *l));
            }
            for (l, o) in state_ops {
                op_effects(state, app, o, file, *l);
            }
            out
        }
        Op::RunSql(sql) => {
            let base = line.saturating_sub(1);
            migdoctor_sql::extract(Some(d), file, sql)
                .into_iter()
                .flat_map(|s| s.effects)
                .map(|mut e| {
                    if let SchemaEffect::Opaque { line, .. } = &mut e {
                        *line += base;
                    }
                    e
                })
                .collect()
        }
        Op::NoEffect(_) => Vec::new(),
        Op::Opaque(reason) => vec![SchemaEffect::Opaque {
            file: file.to_string(),
            line,
            reason: reason.clone(),
            inner: Vec::new(),
        }],
    }
}
