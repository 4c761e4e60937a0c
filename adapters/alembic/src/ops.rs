//! Schema effects of an Alembic revision's `upgrade()`: the `op.*` calls, `batch_alter_table`
//! blocks and `op.execute("SQL")` (through the SQL effect extractor). Anything else — loops,
//! conditions, helper functions, data migrations — is `Opaque`, never guessed.

use migdoctor_model::{
    ConstraintDef, Dialect, MigrationStatement, QName, SchemaEffect, StatementKind,
};
use migdoctor_pyast::{arg, attr_name, kwarg, line_of, receiver, source_of, str_list, str_value};
use rustpython_parser::ast::{self, Expr, Ranged, Stmt};
use std::collections::BTreeMap;

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    dialect: Option<Dialect>,
    /// `with op.batch_alter_table("t", schema=…) as batch_op:` → batch_op → table
    batches: BTreeMap<String, QName>,
    out: Vec<MigrationStatement>,
}

fn qname(name: String, schema: Option<String>) -> QName {
    QName { schema, name }
}

fn schema_kw(call: &ast::ExprCall) -> Option<String> {
    kwarg(call, "schema").and_then(str_value)
}

/// Returns the column name of `sa.Column("name", …)`.
fn column_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Call(c) if attr_name(&c.func).as_deref() == Some("Column") => c
            .args
            .first()
            .and_then(str_value)
            .or_else(|| kwarg(c, "name").and_then(str_value)),
        _ => None,
    }
}

fn is_true(e: Option<&Expr>) -> bool {
    e.is_some_and(|e| matches!(e, Expr::Constant(c) if c.value == ast::Constant::Bool(true)))
}

/// Returns the strings of a literal string, list or tuple (empty when it is not one).
fn strings(e: Option<&Expr>) -> Vec<String> {
    e.and_then(str_list).flatten().unwrap_or_default()
}

/// Returns the table of a `"table.column"` / `"schema.table.column"` reference.
fn referenced_table(target: &str) -> Option<QName> {
    let mut parts: Vec<&str> = target.split('.').collect();
    parts.pop()?;
    let name = parts.pop()?.to_string();
    Some(QName {
        schema: parts.pop().map(str::to_string),
        name,
    })
}

/// Returns the identifier-like words of a check condition (the replay keeps the table's
/// columns among them).
fn condition_words(e: Option<&Expr>) -> Vec<String> {
    e.and_then(str_value)
        .map(|text| {
            text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Returns the constraint a `sa.*Constraint(…)` object in `create_table(…)` declares.
fn table_constraint(e: &Expr) -> Option<ConstraintDef> {
    let Expr::Call(c) = e else { return None };
    let func = attr_name(&c.func)?;
    let name = kwarg(c, "name").and_then(str_value);
    let positional: Vec<String> = c.args.iter().filter_map(str_value).collect();
    Some(match func.as_str() {
        "PrimaryKeyConstraint" => ConstraintDef {
            name,
            kind: "primary key".into(),
            columns: positional,
            references: None,
        },
        "UniqueConstraint" => ConstraintDef {
            name,
            kind: "unique".into(),
            columns: positional,
            references: None,
        },
        "ForeignKeyConstraint" => ConstraintDef {
            name,
            kind: "foreign key".into(),
            columns: strings(c.args.first()),
            references: strings(c.args.get(1))
                .first()
                .and_then(|t| referenced_table(t)),
        },
        "CheckConstraint" => ConstraintDef {
            name,
            kind: "check".into(),
            columns: condition_words(c.args.first()),
            references: None,
        },
        _ => return None,
    })
}

/// Returns what `sa.Column("name", …)` adds besides the column: its constraints (inline
/// `sa.ForeignKey`, `unique=True`, `primary_key=True`) and whether `index=True` asks for an
/// index (SQLAlchemy names it `ix_<table>_<column>`).
fn column_extras(e: &Expr, column: &str) -> (Vec<ConstraintDef>, bool) {
    let Expr::Call(c) = e else {
        return (Vec::new(), false);
    };
    let mut out = Vec::new();
    for a in &c.args {
        if let Expr::Call(fk) = a {
            if attr_name(&fk.func).as_deref() == Some("ForeignKey") {
                out.push(ConstraintDef {
                    name: kwarg(fk, "name").and_then(str_value),
                    kind: "foreign key".into(),
                    columns: vec![column.to_string()],
                    references: fk
                        .args
                        .first()
                        .and_then(str_value)
                        .and_then(|t| referenced_table(&t)),
                });
            }
        }
    }
    if is_true(kwarg(c, "unique")) {
        out.push(ConstraintDef {
            name: None,
            kind: "unique".into(),
            columns: vec![column.to_string()],
            references: None,
        });
    }
    if is_true(kwarg(c, "primary_key")) {
        out.push(ConstraintDef {
            name: None,
            kind: "primary key".into(),
            columns: vec![column.to_string()],
            references: None,
        });
    }
    (out, is_true(kwarg(c, "index")))
}

impl Ctx<'_> {
    fn push(&mut self, node: &impl Ranged, kind: StatementKind, effects: Vec<SchemaEffect>) {
        let line = line_of(self.text, usize::from(node.range().start()));
        self.out.push(MigrationStatement {
            file: self.file.to_string(),
            line,
            sql: source_of(self.text, node).to_string(),
            kind,
            effects,
        });
    }

    fn opaque(&mut self, node: &impl Ranged, reason: String) {
        let line = line_of(self.text, usize::from(node.range().start()));
        let effect = SchemaEffect::Opaque {
            file: self.file.to_string(),
            line,
            reason,
            inner: Vec::new(),
        };
        self.push(node, StatementKind::Opaque, vec![effect]);
    }

    fn body(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            match s {
                Stmt::Pass(_) => {}
                Stmt::Expr(e) => match e.value.as_ref() {
                    Expr::Constant(_) => {} // docstring / comment string
                    Expr::Call(call) => self.call(s, call),
                    _ => self.opaque(s, "expression statement not understood".into()),
                },
                Stmt::With(w) => {
                    let mut bound = Vec::new();
                    for item in &w.items {
                        if let Expr::Call(c) = &item.context_expr {
                            if attr_name(&c.func).as_deref() == Some("batch_alter_table") {
                                if let (Some(t), Some(Expr::Name(n))) = (
                                    arg(c, 0, "table_name").and_then(str_value),
                                    item.optional_vars.as_deref(),
                                ) {
                                    self.batches
                                        .insert(n.id.to_string(), qname(t, schema_kw(c)));
                                    bound.push(n.id.to_string());
                                    continue;
                                }
                            }
                        }
                        self.opaque(s, "`with` block not understood".into());
                    }
                    if !bound.is_empty() {
                        self.body(&w.body);
                    }
                    for b in bound {
                        self.batches.remove(&b);
                    }
                }
                Stmt::Assign(a) if matches!(a.value.as_ref(), Expr::Call(c) if attr_name(&c.func).as_deref() == Some("get_bind")) =>
                    {}
                _ => {
                    let what = source_of(self.text, s)
                        .split_whitespace()
                        .next()
                        .unwrap_or("statement")
                        .to_string();
                    self.opaque(
                        s,
                        format!("`{what} …` is Python logic migdoctor does not evaluate"),
                    );
                }
            }
        }
    }

    fn call(&mut self, stmt: &Stmt, call: &ast::ExprCall) {
        let Some(method) = attr_name(&call.func) else {
            return self.opaque(stmt, "call not understood".into());
        };
        let recv = receiver(&call.func);
        if let Some(table) = recv.as_ref().and_then(|r| self.batches.get(r)).cloned() {
            return self.batch_call(stmt, call, &method, table);
        }
        if recv.as_deref() != Some("op") {
            return self.opaque(
                stmt,
                format!(
                    "call to {}(…) is not an op.* operation",
                    source_of(self.text, call.func.as_ref())
                ),
            );
        }
        let s = |i: usize, name: &str| arg(call, i, name).and_then(str_value);
        let schema = schema_kw(call);
        let mut effects = Vec::new();
        let need = |v: Option<String>, what: &str| {
            v.ok_or_else(|| format!("op.{method}: {what} is not a literal string"))
        };
        let result: Result<(), String> = (|| {
            match method.as_str() {
                "create_table" => {
                    let table = qname(need(s(0, "table_name"), "table name")?, schema.clone());
                    let mut columns = Vec::new();
                    let mut constraints = Vec::new();
                    let mut indexes = Vec::new();
                    for a in call.args.iter().skip(1) {
                        if let Some(c) = column_name(a) {
                            let (extra, index) = column_extras(a, &c);
                            constraints.extend(extra);
                            if index {
                                indexes.push(c.clone());
                            }
                            columns.push(c);
                        } else if let Some(c) = table_constraint(a) {
                            constraints.push(c);
                        }
                    }
                    let if_not_exists = is_true(kwarg(call, "if_not_exists"));
                    effects.push(SchemaEffect::CreateTable {
                        table: table.clone(),
                        columns,
                        constraints,
                        if_not_exists,
                    });
                    for c in indexes {
                        effects.push(SchemaEffect::CreateIndex {
                            index: qname(format!("ix_{}_{c}", table.name), schema.clone()),
                            table: table.clone(),
                            unique: false,
                            columns: vec![c],
                            if_not_exists,
                        });
                    }
                }
                "drop_table" => effects.push(SchemaEffect::DropTable {
                    table: qname(need(s(0, "table_name"), "table name")?, schema.clone()),
                    if_exists: is_true(kwarg(call, "if_exists")),
                    cascade: false,
                }),
                "rename_table" => effects.push(SchemaEffect::RenameTable {
                    from: qname(need(s(0, "old_table_name"), "old name")?, schema.clone()),
                    to: qname(need(s(1, "new_table_name"), "new name")?, schema.clone()),
                }),
                "add_column" => {
                    let table = qname(need(s(0, "table_name"), "table name")?, schema.clone());
                    let col = arg(call, 1, "column");
                    let column = need(col.and_then(column_name), "column")?;
                    let (extra, index) = col.map(|c| column_extras(c, &column)).unwrap_or_default();
                    effects.push(SchemaEffect::AddColumn {
                        table: table.clone(),
                        column: column.clone(),
                        if_not_exists: is_true(kwarg(call, "if_not_exists")),
                    });
                    for c in extra {
                        effects.push(SchemaEffect::AddConstraint {
                            table: table.clone(),
                            name: c.name,
                            kind: c.kind,
                            columns: c.columns,
                            references: c.references,
                        });
                    }
                    if index {
                        effects.push(SchemaEffect::CreateIndex {
                            index: qname(format!("ix_{}_{column}", table.name), schema.clone()),
                            table,
                            unique: false,
                            columns: vec![column],
                            if_not_exists: false,
                        });
                    }
                }
                "drop_column" => effects.push(SchemaEffect::DropColumn {
                    table: qname(need(s(0, "table_name"), "table name")?, schema.clone()),
                    column: need(s(1, "column_name"), "column name")?,
                    if_exists: is_true(kwarg(call, "if_exists")),
                    cascade: false,
                }),
                "alter_column" => {
                    let table = qname(need(s(0, "table_name"), "table name")?, schema.clone());
                    let column = need(s(1, "column_name"), "column name")?;
                    match kwarg(call, "new_column_name").and_then(str_value) {
                        Some(to) => effects.push(SchemaEffect::RenameColumn {
                            table,
                            from: column,
                            to,
                        }),
                        None => effects.push(SchemaEffect::AlterColumn { table, column }),
                    }
                }
                "create_index" => {
                    let table = qname(need(s(1, "table_name"), "table name")?, schema.clone());
                    effects.push(SchemaEffect::CreateIndex {
                        index: qname(need(s(0, "index_name"), "index name")?, schema.clone()),
                        table,
                        unique: is_true(kwarg(call, "unique")),
                        columns: strings(arg(call, 2, "columns")),
                        if_not_exists: is_true(kwarg(call, "if_not_exists")),
                    });
                }
                "drop_index" => effects.push(SchemaEffect::DropIndex {
                    index: qname(need(s(0, "index_name"), "index name")?, schema.clone()),
                    table: s(1, "table_name").map(|t| qname(t, schema.clone())),
                    if_exists: is_true(kwarg(call, "if_exists")),
                }),
                "create_foreign_key" => effects.push(SchemaEffect::AddConstraint {
                    table: qname(
                        need(s(1, "source_table"), "source table")?,
                        kwarg(call, "source_schema")
                            .and_then(str_value)
                            .or(schema.clone()),
                    ),
                    name: s(0, "constraint_name"),
                    kind: "foreign key".into(),
                    columns: strings(arg(call, 3, "local_cols")),
                    references: s(2, "referent_table")
                        .map(|t| qname(t, kwarg(call, "referent_schema").and_then(str_value))),
                }),
                "create_unique_constraint" | "create_check_constraint" | "create_primary_key" => {
                    let (kind, columns) = match method.as_str() {
                        "create_unique_constraint" => ("unique", strings(arg(call, 2, "columns"))),
                        "create_check_constraint" => {
                            ("check", condition_words(arg(call, 2, "condition")))
                        }
                        _ => ("primary key", strings(arg(call, 2, "columns"))),
                    };
                    effects.push(SchemaEffect::AddConstraint {
                        table: qname(need(s(1, "table_name"), "table name")?, schema.clone()),
                        name: s(0, "constraint_name"),
                        kind: kind.into(),
                        columns,
                        references: None,
                    });
                }
                "drop_constraint" => effects.push(SchemaEffect::DropConstraint {
                    table: qname(need(s(1, "table_name"), "table name")?, schema.clone()),
                    name: need(s(0, "constraint_name"), "constraint name")?,
                    if_exists: is_true(kwarg(call, "if_exists")),
                }),
                "create_table_comment" | "drop_table_comment" => {}
                "bulk_insert" => return Err(String::from("\u{0}data")),
                "execute" => return Err(String::from("\u{0}execute")),
                other => return Err(format!("op.{other}(…) is not understood")),
            }
            Ok(())
        })();
        match result {
            Ok(()) => self.push(stmt, StatementKind::Ddl, effects),
            Err(e) if e == "\u{0}data" => self.push(stmt, StatementKind::Data, Vec::new()),
            Err(e) if e == "\u{0}execute" => self.execute(stmt, call),
            Err(reason) => self.opaque(stmt, reason),
        }
    }

    /// `op.execute("SQL")`: the SQL goes through the SQL extractor, its lines shifted to where
    /// the string sits in the revision file.
    fn execute(&mut self, stmt: &Stmt, call: &ast::ExprCall) {
        let Some(sql) = arg(call, 0, "sqltext").and_then(str_value) else {
            return self.opaque(
                stmt,
                "op.execute(…) with SQL that is not a literal string".into(),
            );
        };
        let base = line_of(self.text, usize::from(stmt.range().start())) - 1;
        let mut statements = migdoctor_sql::extract(self.dialect, self.file, &sql);
        for s in &mut statements {
            s.line += base;
            for e in &mut s.effects {
                if let SchemaEffect::Opaque { line, .. } = e {
                    *line += base;
                }
            }
        }
        self.out.extend(statements);
    }

    fn batch_call(&mut self, stmt: &Stmt, call: &ast::ExprCall, method: &str, table: QName) {
        let s = |i: usize, name: &str| arg(call, i, name).and_then(str_value);
        let effect = match method {
            "add_column" => {
                arg(call, 0, "column")
                    .and_then(column_name)
                    .map(|column| SchemaEffect::AddColumn {
                        table: table.clone(),
                        column,
                        if_not_exists: false,
                    })
            }
            "drop_column" => s(0, "column_name").map(|column| SchemaEffect::DropColumn {
                table: table.clone(),
                column,
                if_exists: false,
                cascade: false,
            }),
            "alter_column" => s(0, "column_name").map(|column| {
                match kwarg(call, "new_column_name").and_then(str_value) {
                    Some(to) => SchemaEffect::RenameColumn {
                        table: table.clone(),
                        from: column,
                        to,
                    },
                    None => SchemaEffect::AlterColumn {
                        table: table.clone(),
                        column,
                    },
                }
            }),
            "create_index" => s(0, "index_name").map(|name| SchemaEffect::CreateIndex {
                index: QName {
                    schema: table.schema.clone(),
                    name,
                },
                table: table.clone(),
                unique: is_true(kwarg(call, "unique")),
                columns: strings(arg(call, 1, "columns")),
                if_not_exists: false,
            }),
            "drop_index" => s(0, "index_name").map(|name| SchemaEffect::DropIndex {
                index: QName {
                    schema: table.schema.clone(),
                    name,
                },
                table: Some(table.clone()),
                if_exists: false,
            }),
            "create_unique_constraint" | "create_primary_key" => {
                Some(SchemaEffect::AddConstraint {
                    table: table.clone(),
                    name: s(0, "constraint_name"),
                    kind: method.trim_start_matches("create_").replace('_', " "),
                    columns: strings(arg(call, 1, "columns")),
                    references: None,
                })
            }
            "create_check_constraint" => Some(SchemaEffect::AddConstraint {
                table: table.clone(),
                name: s(0, "constraint_name"),
                kind: "check".into(),
                columns: condition_words(arg(call, 1, "condition")),
                references: None,
            }),
            "create_foreign_key" => Some(SchemaEffect::AddConstraint {
                table: table.clone(),
                name: s(0, "constraint_name"),
                kind: "foreign key".into(),
                columns: strings(arg(call, 2, "local_cols")),
                references: s(1, "referent_table").map(QName::new),
            }),
            "drop_constraint" => s(0, "constraint_name").map(|name| SchemaEffect::DropConstraint {
                table: table.clone(),
                name,
                if_exists: false,
            }),
            _ => None,
        };
        match effect {
            Some(e) => self.push(stmt, StatementKind::Ddl, vec![e]),
            None => self.opaque(stmt, format!("batch operation {method}(…) not understood")),
        }
    }
}

/// Returns the statements of `upgrade()`'s body with their effects.
pub fn upgrade_statements(
    file: &str,
    text: &str,
    body: &[Stmt],
    dialect: Option<Dialect>,
) -> Vec<MigrationStatement> {
    let mut ctx = Ctx {
        file,
        text,
        dialect,
        batches: BTreeMap::new(),
        out: Vec::new(),
    };
    ctx.body(body);
    ctx.out
}
