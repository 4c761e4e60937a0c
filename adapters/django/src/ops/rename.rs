//! `RenameModel`: the table, the auto-created many-to-many tables and their columns, and on
//! PostgreSQL the foreign keys pointing at the model, as Django's schema editor renames them.

use super::*;

/// Returns the effects of renaming model `old` of `app` to `new`, updating the state.
pub(super) fn rename_model(
    state: &mut State,
    app: &str,
    old: &str,
    new: &str,
) -> Vec<SchemaEffect> {
    let d = state.dialect;
    let key = |m: &str| (app.to_string(), m.to_ascii_lowercase());
    let Some(mut m) = state.models.remove(&key(old)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if !m.explicit_table {
        let table = state.default_table(app, new);
        let old_m2m = m2m_tables(state, &m);
        if !m.creates_nothing && table != m.table {
            out.push(SchemaEffect::RenameTable {
                from: q(&m.table),
                to: q(&table),
            });
        }
        m.table = table;
        for (from, to) in old_m2m.iter().zip(m2m_tables(state, &m)) {
            if *from != to {
                out.push(SchemaEffect::RenameTable {
                    from: q(from),
                    to: q(&to),
                });
            }
        }
    }
    let new_table = m.table.clone();
    let renamed = !m.creates_nothing && !m.explicit_table;
    state.models.insert(key(new), m);
    // Auto-created many-to-many tables name their columns after the models they join:
    // Django renames those columns (and on PostgreSQL remakes their foreign keys).
    let (old_l, new_l) = (old.to_ascii_lowercase(), new.to_ascii_lowercase());
    let mut m2m_renames = Vec::new();
    for (mk, other) in &state.models {
        if other.creates_nothing {
            continue;
        }
        for (n, f) in other
            .fields
            .iter()
            .filter(|(_, f)| is_m2m(f) && f.through.is_none())
        {
            let from_old = if *mk == key(new) {
                old_l.clone()
            } else {
                mk.1.clone()
            };
            let to_key = state.resolve(&mk.0, f.to.as_deref().unwrap_or(&mk.1));
            let to_is_renamed = to_key == key(old) || to_key == key(new);
            let to_old = if to_is_renamed {
                old_l.clone()
            } else {
                to_key.1.clone()
            };
            let to_new = if to_is_renamed {
                new_l.clone()
            } else {
                to_key.1.clone()
            };
            if from_old == mk.1 && to_old == to_new {
                continue;
            }
            let (a0, b0) = names::m2m_columns(&from_old, &to_old);
            let (a1, b1) = names::m2m_columns(&mk.1, &to_new);
            let through = f
                .db_table
                .clone()
                .unwrap_or_else(|| names::m2m_table_name(d, &other.table, n));
            let to_table = if to_is_renamed {
                new_table.clone()
            } else {
                state.table_of(&to_key)
            };
            m2m_renames.push((through, a0, a1, other.table.clone(), b0, b1, to_table));
        }
    }
    for (through, a0, a1, from_table, b0, b1, to_table) in m2m_renames {
        for (c0, c1, target) in [(a0, a1, from_table), (b0, b1, to_table)] {
            if c0 == c1 {
                continue;
            }
            out.push(SchemaEffect::RenameColumn {
                table: q(&through),
                from: c0.clone(),
                to: c1.clone(),
            });
            if d == Dialect::Postgres {
                if let Some(n) = state.fk_names.remove(&(through.clone(), c0)) {
                    state.fk_names.insert((through.clone(), c1.clone()), n);
                }
                out.extend(remake_fk(state, &through, &c1, &target, "id"));
            }
        }
    }
    // References to the old name now name the new one, as in Django's project state.
    let old_key = key(old);
    let new_ref = format!("{app}.{new}");
    let user = state.user_model.clone();
    let models: Vec<(String, String)> = state.models.keys().cloned().collect();
    for mk in models {
        let Some(other) = state.models.get(&mk) else {
            continue;
        };
        let fixed: Vec<(String, FieldDef)> = other
            .fields
            .iter()
            .map(|(n, f)| {
                let mut f = f.clone();
                if let Some(to) = &f.to {
                    let r = if to == "@user" {
                        user.clone()
                    } else {
                        match to.split_once('.') {
                            Some((a, m)) => (a.to_string(), m.to_ascii_lowercase()),
                            None => (mk.0.clone(), to.to_ascii_lowercase()),
                        }
                    };
                    if r == old_key && to != "@user" {
                        f.to = Some(new_ref.clone());
                    }
                }
                (n.clone(), f)
            })
            .collect();
        if let Some(other) = state.models.get_mut(&mk) {
            other.fields = fixed;
        }
    }
    // PostgreSQL: the foreign keys pointing at the renamed model are made again, named
    // after the new target table.
    if renamed && d == Dialect::Postgres {
        record_fks(state, &out);
        let target = key(new);
        let mut incoming = Vec::new();
        for ((a, _), other) in &state.models {
            if other.creates_nothing {
                continue;
            }
            for (n, f) in &other.fields {
                let points_here = is_fk(f)
                    && f.db_constraint
                    && f.to.as_ref().is_some_and(|to| {
                        let r = state.resolve(a, to);
                        r == target
                    });
                if points_here {
                    incoming.push((other.table.clone(), column(n, f), f.to_field.clone()));
                }
            }
        }
        incoming.sort();
        let to_col_of = |tf: &Option<String>| state.column_of(&target, tf.as_deref());
        for (t, c, tf) in incoming {
            let to_col = to_col_of(&tf);
            out.extend(remake_fk(state, &t, &c, &new_table, &to_col));
        }
    }
    out
}
