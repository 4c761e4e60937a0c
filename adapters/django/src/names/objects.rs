//! The indexes and constraints Django's schema editor leaves for a field, a model and an
//! auto-created many-to-many table, with the names the live schema shows.

use super::{
    add_constraint, create_index, fk_constraint_name, index_name, index_together_name,
    split_identifier, sqlite_autoindex_name, unique_together_name, Taken,
};
use migdoctor_model::{Dialect, QName, SchemaEffect};

/// Returns nothing; what Django's schema editor needs to know about one concrete field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldFacts<'a> {
    /// The model's table.
    pub table: &'a str,
    /// The column.
    pub column: &'a str,
    /// Django field class: "CharField", "TextField", "SlugField", "ForeignKey",
    /// "OneToOneField", "IntegerField", "BigAutoField", … (the class name or its
    /// `get_internal_type()`).
    pub internal_type: &'a str,
    /// `primary_key=True`.
    pub primary_key: bool,
    /// `unique=True` as declared (a OneToOneField is unique; a primary key counts as unique).
    pub unique: bool,
    /// `db_index` as declared (the caller passes ForeignKey's default `True`).
    pub db_index: bool,
    /// (target table, target column) of a relation with `db_constraint=True`.
    pub foreign_key: Option<(&'a str, &'a str)>,
}

/// Returns whether the field is a ForeignKey or OneToOneField.
fn is_relation(f: &FieldFacts) -> bool {
    f.foreign_key.is_some() || matches!(f.internal_type, "ForeignKey" | "OneToOneField")
}

/// Returns the field type that decides the column's database type: a relation's column has
/// its target's type (an integer `id` when not told).
fn column_type<'a>(f: &FieldFacts<'a>, target: Option<&'a str>) -> &'a str {
    if is_relation(f) {
        match target.unwrap_or("AutoField") {
            // A relation to an auto field is a plain integer of that size.
            "AutoField" => "IntegerField",
            "BigAutoField" => "BigIntegerField",
            "SmallAutoField" => "SmallIntegerField",
            t => t,
        }
    } else {
        f.internal_type
    }
}

/// PostgreSQL: types whose column is varchar or text.
fn pg_text(t: &str) -> bool {
    matches!(
        t,
        "CharField"
            | "SlugField"
            | "TextField"
            | "FileField"
            | "FilePathField"
            | "ImageField"
            | "EmailField"
            | "URLField"
    )
}

/// MySQL: TEXT, BLOB and JSON columns, which Django never indexes.
fn mysql_limited(t: &str) -> bool {
    matches!(t, "TextField" | "JSONField" | "BinaryField")
}

fn is_auto(t: &str) -> bool {
    matches!(t, "AutoField" | "BigAutoField" | "SmallAutoField")
}

/// Returns whether the column carries an inline CHECK on this backend.
fn has_check(d: Dialect, t: &str) -> bool {
    matches!(
        t,
        "PositiveIntegerField" | "PositiveSmallIntegerField" | "PositiveBigIntegerField"
    ) || (d == Dialect::Sqlite && t == "JSONField")
}

/// Returns whether SQLite's column is `integer PRIMARY KEY`, the rowid, which needs no index.
fn sqlite_rowid(f: &FieldFacts, target: Option<&str>) -> bool {
    let t = column_type(f, target);
    f.primary_key && (matches!(t, "IntegerField") || (!is_relation(f) && is_auto(f.internal_type)))
}

/// What one field leaves: inline in the column definition, and deferred to the end of the
/// migration.
struct Parts {
    inline: Vec<SchemaEffect>,
    fk: Option<SchemaEffect>,
    indexes: Vec<SchemaEffect>,
}

fn parts(d: Dialect, taken: &mut Taken, f: &FieldFacts, target: Option<&str>) -> Parts {
    let (t, c) = (f.table, f.column);
    let bare = split_identifier(t).1;
    let unique = f.unique || f.primary_key;
    let ctype = column_type(f, target);
    let mut inline = Vec::new();
    if f.primary_key {
        if d == Dialect::Postgres && is_auto(f.internal_type) && !is_relation(f) {
            // PostgreSQL names the identity sequence while reading the column, before the key.
            let seq = taken.choose_pg(&bare, Some(c), "seq");
            let pk = taken.choose_pg(&bare, None, "pkey");
            inline.push(add_constraint(t, Some(pk), "primary key", &[c], None));
            inline.push(SchemaEffect::CreateSequence {
                name: QName::new(seq),
                owned_by: Some(QName::new(t)),
            });
        } else {
            let name = match d {
                Dialect::Postgres => Some(taken.choose_pg(&bare, None, "pkey")),
                Dialect::Mysql => Some("PRIMARY".to_string()),
                Dialect::Sqlite => None,
            };
            inline.push(add_constraint(t, name, "primary key", &[c], None));
        }
    } else if f.unique {
        let name = match d {
            Dialect::Postgres => Some(taken.choose_pg(&bare, Some(c), "key")),
            Dialect::Mysql => Some(c.to_string()),
            Dialect::Sqlite => None,
        };
        inline.push(add_constraint(t, name, "unique", &[c], None));
    }
    if has_check(d, f.internal_type) {
        let name = (d == Dialect::Postgres).then(|| taken.choose_pg(&bare, Some(c), "check"));
        inline.push(add_constraint(t, name, "check", &[c], None));
    }
    let fk = f.foreign_key.map(|(to, to_col)| {
        let name =
            (d != Dialect::Sqlite).then(|| taken.add(fk_constraint_name(d, t, c, to, to_col)));
        add_constraint(t, name, "foreign key", &[c], Some(to))
    });
    let mut indexes = Vec::new();
    let mysql_skips = d == Dialect::Mysql
        && ((f.internal_type == "ForeignKey" && f.foreign_key.is_some()) || mysql_limited(ctype));
    if f.db_index && !unique && !mysql_skips {
        indexes.push(create_index(t, index_name(d, t, &[c], ""), &[c], false));
    }
    if d == Dialect::Postgres && (f.db_index || unique) && pg_text(ctype) {
        indexes.push(create_index(
            t,
            index_name(d, t, &[c], "_like"),
            &[c],
            false,
        ));
    }
    Parts {
        inline,
        fk,
        indexes,
    }
}

/// Returns the index InnoDB makes for a foreign key with no index starting with its column:
/// named after the constraint.
fn mysql_fk_index(fk: &SchemaEffect) -> Option<SchemaEffect> {
    match fk {
        SchemaEffect::AddConstraint {
            table,
            name: Some(name),
            columns,
            ..
        } => Some(SchemaEffect::CreateIndex {
            index: QName::new(name.clone()),
            table: table.clone(),
            unique: false,
            columns: columns.clone(),
            if_not_exists: false,
        }),
        _ => None,
    }
}

/// Returns the indexes and constraints (with the database's names) that Django's schema editor
/// leaves for field `f` when its table is created (`on_create_model`, `CreateModel`) or the
/// field is added (`AddField`): primary key, inline unique and check constraints, the
/// PostgreSQL identity sequence of an auto field, the foreign key (and on MySQL the index InnoDB
/// names after it), the field's index and PostgreSQL's `_like` index. Names are the same either
/// way; on MySQL a `CreateModel` with a `unique_together` or `index_together` starting with a
/// foreign-key column makes no index for that key (see [`model_objects`]). A relation's target
/// is taken to be an integer key; see [`field_objects_to`].
pub fn field_objects(d: Dialect, f: &FieldFacts, on_create_model: bool) -> Vec<SchemaEffect> {
    field_objects_to(d, f, on_create_model, None)
}

/// Returns [`field_objects`] for a relation whose target field is of type
/// `target_internal_type` (a ForeignKey to a CharField key gets PostgreSQL's `_like` index; to
/// a BigAutoField it is a bigint).
pub fn field_objects_to(
    d: Dialect,
    f: &FieldFacts,
    on_create_model: bool,
    target_internal_type: Option<&str>,
) -> Vec<SchemaEffect> {
    field_objects_in(
        d,
        &mut Taken::default(),
        f,
        on_create_model,
        target_internal_type,
    )
}

/// Returns [`field_objects_to`], choosing PostgreSQL's implicit names around those already
/// `taken` in the schema (and adding the new ones).
pub fn field_objects_in(
    d: Dialect,
    taken: &mut Taken,
    f: &FieldFacts,
    _on_create_model: bool,
    target_internal_type: Option<&str>,
) -> Vec<SchemaEffect> {
    let p = parts(d, taken, f, target_internal_type);
    let mut out = p.inline;
    if let Some(fk) = p.fk {
        let covered = f.primary_key || f.unique;
        if d == Dialect::Mysql && !covered {
            out.extend(mysql_fk_index(&fk));
        }
        out.push(fk);
    }
    out.extend(p.indexes);
    out
}

/// Returns the objects a `CreateModel` leaves for the table `table` with these fields (each
/// with its relation's target field type, if any), `unique_together` and `index_together`
/// (column names), in the order Django makes them: the table's inline constraints, the
/// `index_together` indexes (created at once), then at the end of the migration the
/// `unique_together` constraints, the foreign keys and the field indexes. On MySQL a foreign
/// key whose column starts an earlier index gets no index of its own; an index made by a later
/// operation of the same migration (an `AddIndex`) also counts, which this does not see.
/// Auto-created many-to-many tables are left to [`m2m_objects`].
pub fn model_objects(
    d: Dialect,
    table: &str,
    fields: &[(FieldFacts, Option<&str>)],
    unique_together: &[&[&str]],
    index_together: &[&[&str]],
) -> Vec<SchemaEffect> {
    let mut taken = Taken::default();
    model_objects_in(
        d,
        &mut taken,
        table,
        fields,
        unique_together,
        index_together,
    )
}

/// Returns [`model_objects`], choosing PostgreSQL's implicit names around those already
/// `taken` in the schema (and adding the table's and the new ones): two tables whose names
/// share their first 58 bytes get `<…>_pkey` and `<…>_pkey1`.
pub fn model_objects_in(
    d: Dialect,
    taken: &mut Taken,
    table: &str,
    fields: &[(FieldFacts, Option<&str>)],
    unique_together: &[&[&str]],
    index_together: &[&[&str]],
) -> Vec<SchemaEffect> {
    taken.add(split_identifier(table).1);
    let mut out = Vec::new();
    let mut fks = Vec::new();
    let mut indexes = Vec::new();
    // Columns that start an index (MySQL: a foreign key there needs no index of its own).
    let mut leading: Vec<&str> = Vec::new();
    for (f, target) in fields {
        let p = parts(d, taken, f, *target);
        if f.primary_key || f.unique {
            leading.push(f.column);
        }
        out.extend(p.inline);
        fks.extend(p.fk.map(|fk| (f.column, fk)));
        indexes.extend(p.indexes);
    }
    for cols in index_together {
        let name = taken.add(index_together_name(d, table, cols));
        out.push(create_index(table, name, cols, false));
        leading.extend(cols.first());
    }
    for cols in unique_together {
        let name = taken.add(unique_together_name(d, table, cols));
        out.push(if d == Dialect::Sqlite {
            // SQLite's schema editor writes CREATE UNIQUE INDEX.
            create_index(table, name, cols, true)
        } else {
            add_constraint(table, Some(name), "unique", cols, None)
        });
        leading.extend(cols.first());
    }
    for (column, fk) in fks {
        if d == Dialect::Mysql && !leading.contains(&column) {
            out.extend(mysql_fk_index(&fk));
            leading.push(column);
        }
        out.push(fk);
    }
    out.extend(indexes);
    out
}

/// Returns the indexes SQLite makes for the inline `PRIMARY KEY` (unless it is the rowid) and
/// `UNIQUE` constraints of a table with these fields in this order:
/// `sqlite_autoindex_<table>_<n>`. Django rebuilds a SQLite table for most `AddField` and
/// `AlterField` operations (`remade`), which numbers them afresh with the fields that
/// reference the table itself moved last (Django clones those for the new table).
pub fn sqlite_autoindexes(
    table: &str,
    fields: &[(FieldFacts, Option<&str>)],
    remade: bool,
) -> Vec<SchemaEffect> {
    let bare = split_identifier(table).1;
    let self_ref = |f: &FieldFacts| {
        remade
            && f.foreign_key
                .is_some_and(|(to, _)| split_identifier(to).1 == bare)
    };
    let ordered = fields
        .iter()
        .filter(|(f, _)| !self_ref(f))
        .chain(fields.iter().filter(|(f, _)| self_ref(f)));
    ordered
        .filter(|(f, target)| {
            (f.primary_key && !sqlite_rowid(f, *target)) || (!f.primary_key && f.unique)
        })
        .enumerate()
        .map(|(i, (f, _))| {
            create_index(
                table,
                sqlite_autoindex_name(table, i + 1),
                &[f.column],
                true,
            )
        })
        .collect()
}

/// Returns the objects an `AlterField` from `old` to `new` creates (not those it drops): a
/// unique constraint `<…>_uniq` when the field becomes unique, an index when it gains
/// `db_index`, PostgreSQL's `_like` index with either, a foreign key when one is added. On
/// SQLite Django rebuilds the table instead, so a new unique constraint is an unnamed inline
/// one there (its index is numbered by [`sqlite_autoindexes`]).
pub fn alter_field_objects(d: Dialect, old: &FieldFacts, new: &FieldFacts) -> Vec<SchemaEffect> {
    alter_field_objects_in(d, &mut Taken::default(), old, new)
}

/// Returns [`alter_field_objects`], noting the new names as `taken`.
pub fn alter_field_objects_in(
    d: Dialect,
    taken: &mut Taken,
    old: &FieldFacts,
    new: &FieldFacts,
) -> Vec<SchemaEffect> {
    let (t, c) = (new.table, new.column);
    let mut out = Vec::new();
    let old_unique = old.unique || old.primary_key;
    let new_unique = new.unique || new.primary_key;
    if !new.primary_key && new.unique && (!old.unique || old.primary_key) {
        let name = (d != Dialect::Sqlite).then(|| taken.add(unique_together_name(d, t, &[c])));
        out.push(add_constraint(t, name, "unique", &[c], None));
    }
    if new.foreign_key.is_some() && old.foreign_key.is_none() {
        let p = parts(d, taken, new, None);
        if let Some(fk) = p.fk {
            if d == Dialect::Mysql && !new_unique {
                out.extend(mysql_fk_index(&fk));
            }
            out.push(fk);
        }
    }
    let indexed = |f: &FieldFacts| f.db_index && !(f.unique || f.primary_key);
    let mysql_skips = d == Dialect::Mysql
        && ((new.internal_type == "ForeignKey" && new.foreign_key.is_some())
            || mysql_limited(new.internal_type));
    if indexed(new) && !indexed(old) && !mysql_skips {
        out.push(create_index(
            t,
            taken.add(index_name(d, t, &[c], "")),
            &[c],
            false,
        ));
    }
    let gains = (!(old.db_index || old_unique) && new.db_index) || (!old_unique && new_unique);
    if d == Dialect::Postgres && gains && pg_text(column_type(new, None)) {
        out.push(create_index(
            t,
            index_name(d, t, &[c], "_like"),
            &[c],
            false,
        ));
    }
    out
}

/// Returns nothing; one side of an auto-created many-to-many table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct M2mEnd<'a> {
    /// The many-to-many table's column (see [`super::m2m_columns`]).
    pub column: &'a str,
    /// The model's table it references.
    pub table: &'a str,
    /// That model's primary-key column.
    pub target_column: &'a str,
    /// That model's primary-key field type ("AutoField", "BigAutoField", "CharField", …).
    pub target_internal_type: &'a str,
}

/// Returns the objects of an auto-created many-to-many table `m2m_table` whose column
/// `from_col` references `from_table.id` and `to_col` references `to_table.id`: its primary key
/// (and PostgreSQL sequence), the unique constraint on both columns, both foreign keys and their
/// indexes. See [`m2m_objects_with`] for other primary keys.
pub fn m2m_objects(
    d: Dialect,
    m2m_table: &str,
    from_col: &str,
    from_table: &str,
    to_col: &str,
    to_table: &str,
) -> Vec<SchemaEffect> {
    let end = |column, table| M2mEnd {
        column,
        table,
        target_column: "id",
        target_internal_type: "AutoField",
    };
    m2m_objects_with(
        d,
        m2m_table,
        end(from_col, from_table),
        end(to_col, to_table),
    )
}

/// Returns [`m2m_objects`] for ends whose primary keys are given.
pub fn m2m_objects_with<'a>(
    d: Dialect,
    m2m_table: &'a str,
    from: M2mEnd<'a>,
    to: M2mEnd<'a>,
) -> Vec<SchemaEffect> {
    m2m_objects_in(d, &mut Taken::default(), m2m_table, from, to)
}

/// Returns [`m2m_objects_with`], choosing PostgreSQL's implicit names around those already
/// `taken` (see [`model_objects_in`]). The table's `id` is an auto field.
pub fn m2m_objects_in<'a>(
    d: Dialect,
    taken: &mut Taken,
    m2m_table: &'a str,
    from: M2mEnd<'a>,
    to: M2mEnd<'a>,
) -> Vec<SchemaEffect> {
    let fk = |e: M2mEnd<'a>| {
        let f = FieldFacts {
            table: m2m_table,
            column: e.column,
            internal_type: "ForeignKey",
            primary_key: false,
            unique: false,
            db_index: true,
            foreign_key: Some((e.table, e.target_column)),
        };
        (f, Some(e.target_internal_type))
    };
    let id = FieldFacts {
        table: m2m_table,
        column: "id",
        internal_type: "AutoField",
        primary_key: true,
        unique: false,
        db_index: false,
        foreign_key: None,
    };
    let fields = [(id, None), fk(from), fk(to)];
    model_objects_in(
        d,
        taken,
        m2m_table,
        &fields,
        &[&[from.column, to.column]],
        &[],
    )
}
