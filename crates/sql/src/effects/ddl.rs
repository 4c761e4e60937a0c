//! Parsed DDL statements (sqlparser's AST) → schema effects.

use super::tolerant;
use migdoctor_model::{ConstraintDef, QName, SchemaEffect};
use sqlparser::ast::{
    AlterIndexOperation, AlterTableOperation, ColumnOption, DropBehavior, Expr, Ident, IndexColumn,
    ObjectName, ObjectType, RenameTableNameKind, SchemaName, Statement, TableConstraint,
};

/// Returns the folded identifier.
fn fold(id: &Ident) -> String {
    match id.quote_style {
        Some(_) => id.value.clone(),
        None => id.value.to_lowercase(),
    }
}

/// Returns the folded parts of a dotted name.
fn parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .filter_map(|p| p.as_ident())
        .map(fold)
        .collect()
}

fn qname(name: &ObjectName) -> QName {
    match parts(name).as_slice() {
        [] => QName::new(""),
        [one] => QName::new(one.clone()),
        [.., schema, last] => QName {
            schema: Some(schema.clone()),
            name: last.clone(),
        },
    }
}

fn idents(ids: &[Ident]) -> Vec<String> {
    ids.iter().map(fold).collect()
}

/// Returns the plain column names of index columns (expressions are left out).
fn index_columns(cols: &[IndexColumn]) -> Vec<String> {
    cols.iter()
        .filter_map(|c| match &c.column.expr {
            Expr::Identifier(id) => Some(fold(id)),
            Expr::CompoundIdentifier(parts) => parts.last().map(fold),
            _ => None,
        })
        .collect()
}

/// Returns the identifiers an expression mentions (for a check constraint: the columns it
/// reads, plus harmless extra words the replay intersects with the table's columns).
fn expr_words(e: &Expr) -> Vec<String> {
    tolerant::words(&e.to_string())
}

/// Returns nothing; what a table constraint is.
enum Con {
    /// A constraint (named or not).
    Constraint(ConstraintDef),
    /// An index written inside the table (MySQL `KEY`/`INDEX`, `FULLTEXT`).
    Index {
        name: Option<String>,
        columns: Vec<String>,
    },
}

fn constraint_of(c: &TableConstraint) -> Con {
    let def = |name: Option<&Ident>, kind: &str, columns: Vec<String>, references| {
        Con::Constraint(ConstraintDef {
            name: name.map(fold),
            kind: kind.into(),
            columns,
            references,
        })
    };
    match c {
        TableConstraint::Unique(u) => def(
            u.name.as_ref().or(u.index_name.as_ref()),
            "unique",
            index_columns(&u.columns),
            None,
        ),
        TableConstraint::PrimaryKey(p) => def(
            p.name.as_ref(),
            "primary key",
            index_columns(&p.columns),
            None,
        ),
        TableConstraint::ForeignKey(f) => def(
            f.name.as_ref(),
            "foreign key",
            idents(&f.columns),
            Some(qname(&f.foreign_table)),
        ),
        TableConstraint::Check(k) => def(k.name.as_ref(), "check", expr_words(&k.expr), None),
        TableConstraint::Index(i) => Con::Index {
            name: i.name.as_ref().map(fold),
            columns: index_columns(&i.columns),
        },
        TableConstraint::FulltextOrSpatial(f) => Con::Index {
            name: f.opt_index_name.as_ref().map(fold),
            columns: index_columns(&f.columns),
        },
        #[allow(unreachable_patterns)]
        _ => def(None, "constraint", Vec::new(), None),
    }
}

/// Returns the constraint a column option makes (`REFERENCES`, `UNIQUE`, `PRIMARY KEY`,
/// `CHECK`, or any option given a `CONSTRAINT name`), if any.
fn column_constraint(
    column: &str,
    name: Option<&Ident>,
    opt: &ColumnOption,
) -> Option<ConstraintDef> {
    let (kind, references, extra) = match opt {
        ColumnOption::PrimaryKey(_) => ("primary key", None, Vec::new()),
        ColumnOption::Unique(_) => ("unique", None, Vec::new()),
        ColumnOption::ForeignKey(f) => ("foreign key", Some(qname(&f.foreign_table)), Vec::new()),
        ColumnOption::Check(k) => ("check", None, expr_words(&k.expr)),
        ColumnOption::NotNull | ColumnOption::Null | ColumnOption::Default(_) => return None,
        _ if name.is_some() => ("column", None, Vec::new()),
        _ => return None,
    };
    let mut columns = vec![column.to_string()];
    columns.extend(extra.into_iter().filter(|w| w != column));
    Some(ConstraintDef {
        name: name.map(fold),
        kind: kind.into(),
        columns,
        references,
    })
}

fn cascade(b: &Option<DropBehavior>) -> bool {
    matches!(b, Some(DropBehavior::Cascade))
}

pub(super) fn effects_of(stmt: &Statement) -> Result<Vec<SchemaEffect>, String> {
    let mut out = Vec::new();
    match stmt {
        // A temporary table lives for one session: it never reaches the schema.
        Statement::CreateTable(ct) if ct.temporary => {}
        Statement::CreateTable(ct) => {
            let table = qname(&ct.name);
            let mut constraints = Vec::new();
            let mut indexes = Vec::new();
            for col in &ct.columns {
                let column = fold(&col.name);
                for opt in &col.options {
                    if let Some(c) = column_constraint(&column, opt.name.as_ref(), &opt.option) {
                        constraints.push(c);
                    }
                }
            }
            for c in &ct.constraints {
                match constraint_of(c) {
                    Con::Constraint(def) => constraints.push(def),
                    Con::Index {
                        name: Some(name),
                        columns,
                    } => indexes.push((name, columns)),
                    Con::Index { name: None, .. } => {}
                }
            }
            out.push(SchemaEffect::CreateTable {
                table: table.clone(),
                columns: ct.columns.iter().map(|c| fold(&c.name)).collect(),
                constraints,
                if_not_exists: ct.if_not_exists,
            });
            for (name, columns) in indexes {
                out.push(SchemaEffect::CreateIndex {
                    index: QName::new(name),
                    table: table.clone(),
                    unique: false,
                    columns,
                    if_not_exists: ct.if_not_exists,
                });
            }
        }
        Statement::AlterTable(at) => {
            let table = qname(&at.name);
            if at.if_exists {
                out.push(SchemaEffect::IfTableExists {
                    table: table.clone(),
                });
            }
            for op in &at.operations {
                alter_op(&table, op, &mut out)?;
            }
        }
        Statement::CreateIndex(ci) => {
            if let Some(name) = &ci.name {
                let table = qname(&ci.table_name);
                let mut index = qname(name);
                if index.schema.is_none() {
                    index.schema.clone_from(&table.schema);
                }
                out.push(SchemaEffect::CreateIndex {
                    index,
                    table,
                    unique: ci.unique,
                    columns: index_columns(&ci.columns),
                    if_not_exists: ci.if_not_exists,
                });
            }
        }
        Statement::Drop {
            object_type,
            names,
            table,
            if_exists,
            cascade,
            ..
        } => {
            let (if_exists, cascade) = (*if_exists, *cascade);
            for n in names {
                let q = qname(n);
                let other = |kind: &str| SchemaEffect::DropObject {
                    kind: kind.into(),
                    name: q.clone(),
                    if_exists,
                    cascade,
                };
                out.push(match object_type {
                    ObjectType::Table => SchemaEffect::DropTable {
                        table: q,
                        if_exists,
                        cascade,
                    },
                    ObjectType::Index => {
                        let on = table.as_ref().map(qname);
                        let mut index = q;
                        if index.schema.is_none() {
                            index.schema = on.as_ref().and_then(|t| t.schema.clone());
                        }
                        SchemaEffect::DropIndex {
                            index,
                            table: on,
                            if_exists,
                        }
                    }
                    ObjectType::View | ObjectType::MaterializedView => other("view"),
                    ObjectType::Sequence => other("sequence"),
                    ObjectType::Type => other("type"),
                    ObjectType::Schema => other("schema"),
                    other => return Err(format!("DROP {other} is not understood")),
                });
            }
        }
        Statement::DropFunction(df) => {
            for f in &df.func_desc {
                out.push(SchemaEffect::DropObject {
                    kind: "function".into(),
                    name: qname(&f.name),
                    if_exists: df.if_exists,
                    cascade: false,
                });
            }
        }
        Statement::CreateView(cv) => out.push(SchemaEffect::CreateView {
            view: qname(&cv.name),
        }),
        Statement::CreateSchema { schema_name, .. } => out.push(SchemaEffect::CreateSchema {
            name: match schema_name {
                SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => qname(n).name,
                SchemaName::UnnamedAuthorization(id) => fold(id),
            },
        }),
        Statement::CreateType { name, .. } => {
            out.push(SchemaEffect::CreateType { name: qname(name) })
        }
        Statement::CreateDomain(d) => out.push(SchemaEffect::CreateType {
            name: qname(&d.name),
        }),
        Statement::CreateSequence { name, owned_by, .. } => {
            out.push(SchemaEffect::CreateSequence {
                name: qname(name),
                owned_by: owned_by.as_ref().and_then(owner_table),
            })
        }
        Statement::CreateFunction(cf) => out.push(SchemaEffect::CreateFunction {
            name: qname(&cf.name),
        }),
        Statement::RenameTable(renames) => {
            for r in renames {
                out.push(SchemaEffect::RenameTable {
                    from: qname(&r.old_name),
                    to: qname(&r.new_name),
                });
            }
        }
        Statement::AlterIndex { name, operation } => match operation {
            AlterIndexOperation::RenameIndex { index_name } => {
                let from = qname(name);
                let mut to = qname(index_name);
                if to.schema.is_none() {
                    to.schema.clone_from(&from.schema);
                }
                out.push(SchemaEffect::RenameIndex {
                    from,
                    to,
                    table: None,
                });
            }
        },
        // Understood, and nothing migdoctor checks by name.
        Statement::CreateExtension(_)
        | Statement::AlterType(_)
        | Statement::CreateTrigger(_)
        | Statement::DropTrigger(_)
        | Statement::CreateRole(_)
        | Statement::Comment { .. } => {}
        other => {
            let text = other.to_string();
            let words: Vec<&str> = text.split_whitespace().take(3).collect();
            return Err(format!("{} is not understood", words.join(" ")));
        }
    }
    Ok(out)
}

/// Returns the table of an `OWNED BY [schema.]table.column` name (`NONE` owns nothing).
fn owner_table(name: &ObjectName) -> Option<QName> {
    match parts(name).as_slice() {
        [table, _column] => Some(QName::new(table.clone())),
        [schema, table, _column] => Some(QName {
            schema: Some(schema.clone()),
            name: table.clone(),
        }),
        _ => None,
    }
}

fn alter_op(
    table: &QName,
    op: &AlterTableOperation,
    out: &mut Vec<SchemaEffect>,
) -> Result<(), String> {
    match op {
        AlterTableOperation::AddColumn {
            column_def,
            if_not_exists,
            ..
        } => {
            let column = fold(&column_def.name);
            out.push(SchemaEffect::AddColumn {
                table: table.clone(),
                column: column.clone(),
                if_not_exists: *if_not_exists,
            });
            for opt in &column_def.options {
                if let Some(c) = column_constraint(&column, opt.name.as_ref(), &opt.option) {
                    out.push(SchemaEffect::AddConstraint {
                        table: table.clone(),
                        name: c.name,
                        kind: c.kind,
                        columns: c.columns,
                        references: c.references,
                    });
                }
            }
        }
        AlterTableOperation::DropColumn {
            column_names,
            if_exists,
            drop_behavior,
            ..
        } => {
            for c in column_names {
                out.push(SchemaEffect::DropColumn {
                    table: table.clone(),
                    column: fold(c),
                    if_exists: *if_exists,
                    cascade: cascade(drop_behavior),
                });
            }
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => out.push(SchemaEffect::RenameColumn {
            table: table.clone(),
            from: fold(old_column_name),
            to: fold(new_column_name),
        }),
        AlterTableOperation::RenameTable { table_name } => {
            let to = match table_name {
                RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => qname(n),
            };
            out.push(SchemaEffect::RenameTable {
                from: table.clone(),
                to,
            });
        }
        AlterTableOperation::AlterColumn { column_name, .. }
        | AlterTableOperation::ModifyColumn {
            col_name: column_name,
            ..
        } => out.push(SchemaEffect::AlterColumn {
            table: table.clone(),
            column: fold(column_name),
        }),
        AlterTableOperation::ChangeColumn {
            old_name, new_name, ..
        } => {
            if fold(old_name) != fold(new_name) {
                out.push(SchemaEffect::RenameColumn {
                    table: table.clone(),
                    from: fold(old_name),
                    to: fold(new_name),
                });
            }
            out.push(SchemaEffect::AlterColumn {
                table: table.clone(),
                column: fold(new_name),
            });
        }
        AlterTableOperation::AddConstraint { constraint, .. } => match constraint_of(constraint) {
            Con::Index { name, columns } => {
                if let Some(name) = name {
                    out.push(SchemaEffect::CreateIndex {
                        index: QName {
                            schema: table.schema.clone(),
                            name,
                        },
                        table: table.clone(),
                        unique: false,
                        columns,
                        if_not_exists: false,
                    })
                }
            }
            Con::Constraint(c) => out.push(SchemaEffect::AddConstraint {
                table: table.clone(),
                name: c.name,
                kind: c.kind,
                columns: c.columns,
                references: c.references,
            }),
        },
        AlterTableOperation::DropConstraint {
            name, if_exists, ..
        } => out.push(SchemaEffect::DropConstraint {
            table: table.clone(),
            name: fold(name),
            if_exists: *if_exists,
        }),
        AlterTableOperation::DropForeignKey { name, .. } => {
            out.push(SchemaEffect::DropConstraint {
                table: table.clone(),
                name: fold(name),
                if_exists: false,
            })
        }
        AlterTableOperation::RenameConstraint { old_name, new_name } => {
            out.push(SchemaEffect::RenameConstraint {
                table: table.clone(),
                from: fold(old_name),
                to: fold(new_name),
            })
        }
        AlterTableOperation::DropIndex { name } => out.push(SchemaEffect::DropIndex {
            index: QName {
                schema: table.schema.clone(),
                name: fold(name),
            },
            table: Some(table.clone()),
            if_exists: false,
        }),
        AlterTableOperation::DropPrimaryKey { .. } => out.push(SchemaEffect::AlterColumn {
            table: table.clone(),
            column: String::new(),
        }),
        // Settings of the table that no catalog check depends on.
        AlterTableOperation::EnableRowLevelSecurity
        | AlterTableOperation::DisableRowLevelSecurity
        | AlterTableOperation::ForceRowLevelSecurity
        | AlterTableOperation::NoForceRowLevelSecurity
        | AlterTableOperation::EnableTrigger { .. }
        | AlterTableOperation::DisableTrigger { .. }
        | AlterTableOperation::OwnerTo { .. }
        | AlterTableOperation::SetLogged
        | AlterTableOperation::SetUnlogged
        | AlterTableOperation::ReplicaIdentity { .. }
        | AlterTableOperation::ValidateConstraint { .. }
        | AlterTableOperation::AutoIncrement { .. }
        | AlterTableOperation::Algorithm { .. }
        | AlterTableOperation::Lock { .. } => {}
        other => {
            return Err(format!(
                "ALTER TABLE {} is not understood",
                other
                    .to_string()
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            ))
        }
    }
    Ok(())
}
