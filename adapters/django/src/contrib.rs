//! Django's contrib apps and their migrations as data: for each Django version migdoctor knows,
//! every migration of auth, contenttypes, admin, sessions, sites, flatpages and redirects
//! (messages has none) with its dependencies and what it does to the schema, and the schema
//! effects with each backend's names (from [`crate::names`]).
//!
//! The contrib migrations are the same in every version from 3.2 to 6.0: the files were read
//! from each release's wheel (3.2.25, 4.0.10, 4.1.13, 4.2.30, 5.0.14, 5.1.15, 5.2.19, 6.0.10)
//! and compared by syntax tree; they differ only in formatting, in `to_field="id"` written
//! out in 3.2 (the default anyway) and in data migrations' Python code. Django's schema editor
//! names them the same way in all these versions. The effects assume the default user model
//! (`AUTH_USER_MODEL = "auth.User"`): admin's `swappable_dependency` is then `("auth",
//! "__first__")` and `django_admin_log.user_id` references `auth_user`.

use crate::names::{
    alter_field_objects_in, m2m_columns, m2m_objects_in, m2m_table_name, model_objects_in,
    FieldFacts, M2mEnd, Taken,
};
use migdoctor_model::{Dialect, QName, SchemaEffect};

mod data;

/// Returns the contrib apps that have migrations, in the order Django lists them.
pub fn contrib_apps() -> &'static [&'static str] {
    &[
        "admin",
        "auth",
        "contenttypes",
        "flatpages",
        "redirects",
        "sessions",
        "sites",
    ]
}

/// Returns the newest Django version whose contrib migrations are known.
pub fn latest_known() -> (u32, u32) {
    (6, 0)
}

/// The versions whose contrib migrations were read.
const KNOWN: &[(u32, u32)] = &[
    (3, 2),
    (4, 0),
    (4, 1),
    (4, 2),
    (5, 0),
    (5, 1),
    (5, 2),
    (6, 0),
];

/// Returns nothing; one column of a contrib model, as its migration declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContribField {
    /// Column.
    pub column: &'static str,
    /// Django field class ("AutoField", "CharField", "ForeignKey", …).
    pub internal_type: &'static str,
    /// `primary_key=True`.
    pub primary_key: bool,
    /// `unique=True`.
    pub unique: bool,
    /// `db_index` (a ForeignKey's default `True` included).
    pub db_index: bool,
    /// The referenced table (its `id` column), for a ForeignKey.
    pub references: Option<&'static str>,
}

impl ContribField {
    /// Returns the facts [`crate::names`] works from.
    pub fn facts(&self, table: &'static str) -> FieldFacts<'static> {
        FieldFacts {
            table,
            column: self.column,
            internal_type: self.internal_type,
            primary_key: self.primary_key,
            unique: self.unique,
            db_index: self.db_index,
            foreign_key: self.references.map(|t| (t, "id")),
        }
    }
}

/// Returns nothing; an auto-created many-to-many table of a contrib model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContribM2m {
    /// The field's name.
    pub field: &'static str,
    /// The target model's class name.
    pub to_model: &'static str,
    /// The target model's table.
    pub to_table: &'static str,
}

/// Returns nothing; what one operation of a contrib migration does to the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContribOp {
    /// `CreateModel`: a table with its columns in order, its `unique_together` (columns) and
    /// its auto-created many-to-many tables.
    CreateModel {
        /// Model class name.
        model: &'static str,
        /// Table.
        table: &'static str,
        /// Columns in order.
        fields: &'static [ContribField],
        /// `unique_together`, by column.
        unique_together: &'static [&'static [&'static str]],
        /// Many-to-many fields.
        m2m: &'static [ContribM2m],
    },
    /// `AlterField` that changes the column (type, length, nullability, uniqueness).
    AlterField {
        /// Table.
        table: &'static str,
        /// The field before.
        old: ContribField,
        /// The field after.
        new: ContribField,
    },
    /// `AlterField` / `AlterModelOptions` that changes nothing in the database (validators,
    /// choices, help text, options).
    NoSchema,
    /// `RemoveField`.
    RemoveField {
        /// Table.
        table: &'static str,
        /// Column.
        column: &'static str,
    },
    /// `AlterUniqueTogether` adding one set of columns.
    AlterUniqueTogether {
        /// Table.
        table: &'static str,
        /// Columns.
        columns: &'static [&'static str],
    },
    /// `RunPython`: data only.
    RunPython,
}

/// Returns nothing; one migration of a contrib app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContribMigration {
    /// App label.
    pub app: &'static str,
    /// Migration name.
    pub name: &'static str,
    /// Dependencies as written (`__first__` = the app's first migration).
    pub dependencies: Vec<(&'static str, &'static str)>,
    /// Operations in order.
    pub operations: &'static [ContribOp],
}

/// Returns every contrib migration of Django `version` (major, minor), app by app in
/// [`contrib_apps`] order and by name within an app; `None` for a version not known.
pub fn contrib_migrations(version: (u32, u32)) -> Option<Vec<ContribMigration>> {
    KNOWN.contains(&version).then(data::migrations)
}

/// Returns the schema effects of a contrib migration on a backend, with the names Django and
/// the database give its objects.
pub fn effects(m: &ContribMigration, d: Dialect) -> Vec<SchemaEffect> {
    let mut taken = Taken::default();
    let mut out = Vec::new();
    for op in m.operations {
        op_effects(op, d, &mut taken, &mut out);
    }
    out
}

fn op_effects(op: &ContribOp, d: Dialect, taken: &mut Taken, out: &mut Vec<SchemaEffect>) {
    match *op {
        ContribOp::CreateModel {
            model,
            table,
            fields,
            unique_together,
            m2m,
        } => {
            out.push(SchemaEffect::CreateTable {
                table: QName::new(table),
                columns: fields.iter().map(|f| f.column.to_string()).collect(),
                constraints: Vec::new(),
                if_not_exists: false,
            });
            let facts: Vec<(FieldFacts, Option<&str>)> =
                fields.iter().map(|f| (f.facts(table), None)).collect();
            out.extend(model_objects_in(
                d,
                taken,
                table,
                &facts,
                unique_together,
                &[],
            ));
            for f in m2m {
                let through = m2m_table_name(d, table, f.field);
                let (from_col, to_col) = m2m_columns(model, f.to_model);
                out.push(SchemaEffect::CreateTable {
                    table: QName::new(&through),
                    columns: vec!["id".into(), from_col.clone(), to_col.clone()],
                    constraints: Vec::new(),
                    if_not_exists: false,
                });
                let end = |column, table| M2mEnd {
                    column,
                    table,
                    target_column: "id",
                    target_internal_type: "AutoField",
                };
                out.extend(m2m_objects_in(
                    d,
                    taken,
                    &through,
                    end(&from_col, table),
                    end(&to_col, f.to_table),
                ));
            }
        }
        ContribOp::AlterField { table, old, new } => {
            out.push(SchemaEffect::AlterColumn {
                table: QName::new(table),
                column: new.column.into(),
            });
            out.extend(alter_field_objects_in(
                d,
                taken,
                &old.facts(table),
                &new.facts(table),
            ));
        }
        ContribOp::RemoveField { table, column } => out.push(SchemaEffect::DropColumn {
            table: QName::new(table),
            column: column.into(),
            if_exists: false,
            cascade: false,
        }),
        ContribOp::AlterUniqueTogether { table, columns } => {
            let name = taken.add(crate::names::unique_together_name(d, table, columns));
            let cols: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
            out.push(if d == Dialect::Sqlite {
                SchemaEffect::CreateIndex {
                    index: QName::new(name),
                    table: QName::new(table),
                    unique: true,
                    columns: cols,
                    if_not_exists: false,
                }
            } else {
                SchemaEffect::AddConstraint {
                    table: QName::new(table),
                    name: Some(name),
                    kind: "unique".into(),
                    columns: cols,
                    references: None,
                }
            });
        }
        ContribOp::NoSchema | ContribOp::RunPython => {}
    }
}

#[cfg(test)]
mod tests;
