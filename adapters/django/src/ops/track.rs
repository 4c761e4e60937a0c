//! What the names of foreign keys and contrib objects become as Django changes them: the
//! constraint names tracked through renames and made again, and contrib effects for a swapped
//! user model.

use super::*;

/// Returns contrib effects for a project whose `AUTH_USER_MODEL` is its own: Django skips the
/// swapped `auth.User` (no `auth_user` tables), and admin's log points at the project's user
/// table, which changes its foreign key's name.
pub(super) fn swap_user_model(
    effects: Vec<SchemaEffect>,
    d: Dialect,
    user_table: &str,
) -> Vec<SchemaEffect> {
    const SWAPPED: &[&str] = &[
        "auth_user",
        "auth_user_groups",
        "auth_user_user_permissions",
    ];
    let swapped = |t: &QName| SWAPPED.contains(&t.name.as_str());
    let old_fk = names::fk_constraint_name(d, "django_admin_log", "user_id", "auth_user", "id");
    let new_fk = names::fk_constraint_name(d, "django_admin_log", "user_id", user_table, "id");
    effects
        .into_iter()
        .filter(|e| match e {
            SchemaEffect::CreateTable { table, .. }
            | SchemaEffect::AlterColumn { table, .. }
            | SchemaEffect::AddColumn { table, .. }
            | SchemaEffect::DropColumn { table, .. }
            | SchemaEffect::CreateIndex { table, .. }
            | SchemaEffect::AddConstraint { table, .. }
            | SchemaEffect::DropConstraint { table, .. } => !swapped(table),
            SchemaEffect::DropIndex { table: Some(t), .. } => !swapped(t),
            SchemaEffect::CreateSequence {
                owned_by: Some(t), ..
            } => !swapped(t),
            _ => true,
        })
        .map(|mut e| {
            match &mut e {
                SchemaEffect::AddConstraint {
                    name: Some(n),
                    references,
                    ..
                } if *n == old_fk => {
                    *n = new_fk.clone();
                    *references = Some(q(user_table));
                }
                SchemaEffect::CreateIndex { index, .. } if index.name == old_fk => {
                    index.name = new_fk.clone();
                }
                _ => {}
            }
            e
        })
        .collect()
}

/// Returns nothing; keeps [`State::fk_names`] up to date with the constraints `effects` add,
/// drop and carry along.
pub(super) fn record_fks(state: &mut State, effects: &[SchemaEffect]) {
    for e in effects {
        match e {
            SchemaEffect::CreateIndex {
                index,
                table,
                unique: false,
                columns,
                ..
            } if columns.len() == 1 => {
                let names = state
                    .idx_names
                    .entry((table.name.clone(), columns[0].clone()))
                    .or_default();
                if !names.contains(&index.name) {
                    names.push(index.name.clone());
                }
            }
            SchemaEffect::DropIndex { index, .. } => {
                for names in state.idx_names.values_mut() {
                    names.retain(|n| *n != index.name);
                }
            }
            SchemaEffect::DropColumn { table, column, .. } => {
                state
                    .idx_names
                    .remove(&(table.name.clone(), column.clone()));
                state.fk_names.remove(&(table.name.clone(), column.clone()));
            }
            SchemaEffect::AddConstraint {
                table,
                name: Some(name),
                kind,
                columns,
                ..
            } if kind == "foreign key" && columns.len() == 1 => {
                state
                    .fk_names
                    .insert((table.name.clone(), columns[0].clone()), name.clone());
            }
            SchemaEffect::DropConstraint { table, name, .. } => {
                state
                    .fk_names
                    .retain(|(t, _), n| !(t == &table.name && n == name));
            }
            SchemaEffect::RenameTable { from, to } => {
                let moved_idx: Vec<((String, String), Vec<String>)> = state
                    .idx_names
                    .iter()
                    .filter(|((t, _), _)| *t == from.name)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for ((_, c), n) in moved_idx {
                    state.idx_names.remove(&(from.name.clone(), c.clone()));
                    state.idx_names.insert((to.name.clone(), c), n);
                }
                let moved: Vec<((String, String), String)> = state
                    .fk_names
                    .iter()
                    .filter(|((t, _), _)| *t == from.name)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for ((_, c), n) in moved {
                    state.fk_names.remove(&(from.name.clone(), c.clone()));
                    state.fk_names.insert((to.name.clone(), c), n);
                }
            }
            SchemaEffect::RenameColumn { table, from, to } => {
                if let Some(n) = state.idx_names.remove(&(table.name.clone(), from.clone())) {
                    state.idx_names.insert((table.name.clone(), to.clone()), n);
                }
                if let Some(n) = state.fk_names.remove(&(table.name.clone(), from.clone())) {
                    state.fk_names.insert((table.name.clone(), to.clone()), n);
                }
            }
            SchemaEffect::DropTable { table, .. } => {
                state.idx_names.retain(|(t, _), _| *t != table.name);
                state.fk_names.retain(|(t, _), _| *t != table.name);
            }
            _ => {}
        }
    }
}

/// Returns the effects of Django making a foreign key again under the name its table, column
/// and target give now (PostgreSQL; see `RenameField` and `RenameModel`).
pub(super) fn remake_fk(
    state: &State,
    table: &str,
    column: &str,
    to_table: &str,
    to_col: &str,
) -> Vec<SchemaEffect> {
    let d = state.dialect;
    let new_fk = names::fk_constraint_name(d, table, column, to_table, to_col);
    let mut out = Vec::new();
    match state.fk_names.get(&(table.to_string(), column.to_string())) {
        Some(old) if *old == new_fk => return out,
        Some(old) => out.push(SchemaEffect::DropConstraint {
            table: q(table),
            name: old.clone(),
            if_exists: false,
        }),
        None => {}
    }
    out.push(SchemaEffect::AddConstraint {
        table: q(table),
        name: Some(new_fk),
        kind: "foreign key".into(),
        columns: vec![column.to_string()],
        references: Some(q(to_table)),
    });
    out
}
