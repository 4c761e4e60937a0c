//! The generator alone, without a database.

use super::*;

fn features(branches: bool) -> Features {
    Features {
        dialect: Dialect::Postgres,
        alter_constraints: true,
        rebuild: true,
        do_blocks: true,
        cascade: true,
        branches,
    }
}

#[test]
fn the_same_seed_gives_the_same_history() {
    let a = generate(7, 120, &features(true));
    let b = generate(7, 120, &features(true));
    let ops =
        |h: &History| -> Vec<Vec<Op>> { h.migrations.iter().map(|m| m.ops.clone()).collect() };
    assert_eq!(ops(&a), ops(&b));
    assert_ne!(ops(&a), ops(&generate(8, 120, &features(true))));
}

#[test]
fn forks_merge_back_into_one_head() {
    let h = generate(3, 150, &features(true));
    let merges = h.migrations.iter().filter(|m| m.parents.len() > 1).count();
    assert!(merges >= 2, "{merges} merges");
    let mut is_parent = vec![false; h.migrations.len()];
    for m in &h.migrations {
        for p in &m.parents {
            is_parent[*p] = true;
        }
    }
    let heads = is_parent.iter().filter(|p| !**p).count();
    assert_eq!(heads, 1);
    assert!(h.ancestors(h.migrations.len() - 1).iter().all(|a| *a));
}

#[test]
fn linear_histories_use_every_kind_of_operation() {
    let h = generate(11, 300, &features(false));
    assert!(h.migrations.iter().all(|m| m.parents.len() <= 1));
    let slugs: Vec<String> = h
        .migrations
        .iter()
        .flat_map(|m| m.ops.iter().map(Op::slug))
        .collect();
    for kind in [
        "create_",
        "drop_t",
        "rename_t",
        "add_",
        "drop_c",
        "index_",
        "drop_ix_",
        "constrain_",
        "unconstrain_",
        "recreate_",
        "rebuild_",
        "do_",
        "seed_",
    ] {
        assert!(
            slugs.iter().any(|s| s.starts_with(kind)),
            "no {kind} in 300 migrations"
        );
    }
}
