//! A seeded generator of random migration histories that are valid when run in order: tables
//! created, dropped, renamed, dropped and recreated and rebuilt SQLite-style; columns added,
//! dropped and renamed; indexes and unique, check and foreign-key constraints added and dropped;
//! `DO` blocks on PostgreSQL; data; and, for graph frameworks, branches and merges.

use super::model::*;
use migdoctor_tests::Dialect;

mod ops;

/// splitmix64: small, seedable, and enough for choosing operations.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Returns a number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Returns true with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Returns `k` distinct items of `items` in random order.
    pub fn sample<T: Clone>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut pool: Vec<T> = items.to_vec();
        let mut out = Vec::new();
        while out.len() < k && !pool.is_empty() {
            out.push(pool.swap_remove(self.below(pool.len())));
        }
        out
    }
}

/// What a framework can express on a dialect.
#[derive(Clone, Debug)]
pub struct Features {
    pub dialect: Dialect,
    /// `ALTER TABLE … ADD/DROP CONSTRAINT` (SQLite cannot, except through Alembic's batch mode).
    pub alter_constraints: bool,
    /// SQLite-style table rebuilds written out in SQL.
    pub rebuild: bool,
    /// PostgreSQL `DO` blocks.
    pub do_blocks: bool,
    /// PostgreSQL `DROP TABLE … CASCADE` of a referenced table.
    pub cascade: bool,
    /// Branches and merge migrations (Alembic).
    pub branches: bool,
}

/// One migration: what it does and the migrations it follows.
#[derive(Clone, Debug)]
pub struct Migration {
    pub parents: Vec<usize>,
    pub ops: Vec<Op>,
    pub slug: String,
}

/// A generated history and the schema it leaves behind.
pub struct History {
    pub migrations: Vec<Migration>,
    pub schema: Schema,
}

impl History {
    /// Returns `k` and every migration it descends from.
    pub fn ancestors(&self, k: usize) -> Vec<bool> {
        let mut seen = vec![false; self.migrations.len()];
        let mut stack = vec![k];
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut seen[i], true) {
                stack.extend(&self.migrations[i].parents);
            }
        }
        seen
    }
}

/// Returns a history of about `size` migrations for `features`, the same for the same seed.
pub fn generate(seed: u64, size: usize, features: &Features) -> History {
    let mut g = Gen {
        rng: Rng::new(seed),
        f: features.clone(),
        s: Schema::default(),
        counter: 0,
        next_table: 0,
        mig: 0,
        scope: None,
    };
    let mut migrations: Vec<Migration> = Vec::new();
    while migrations.len() < size {
        let remaining = size - migrations.len();
        if g.f.branches && migrations.len() > 4 && remaining > 8 && g.rng.chance(10) {
            g.fork(&mut migrations, remaining);
            continue;
        }
        let parents = migrations.len().checked_sub(1).into_iter().collect();
        let m = g.migration(migrations.len(), parents, false);
        migrations.push(m);
    }
    History {
        migrations,
        schema: g.s,
    }
}

struct Gen {
    rng: Rng,
    f: Features,
    s: Schema,
    counter: u64,
    next_table: TableId,
    /// The migration being generated.
    mig: usize,
    /// While forked: the branch whose tables may be touched.
    scope: Option<usize>,
}

#[derive(Clone, Copy)]
enum Kind {
    CreateTable,
    DropTable,
    RenameTable,
    AddColumn,
    DropColumn,
    RenameColumn,
    CreateIndex,
    DropIndex,
    AddConstraint,
    DropConstraint,
    Recreate,
    Rebuild,
    Do,
    Insert,
}

impl Gen {
    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{}", self.counter)
    }

    fn value(&mut self, ty: Ty) -> Val {
        self.counter += 1;
        match ty {
            Ty::Text => Val::Text(format!("v{}", self.counter)),
            _ => Val::Int(self.counter),
        }
    }

    fn here(&self) -> Origin {
        Origin {
            mig: self.mig,
            opaque: false,
        }
    }

    fn ty(&mut self) -> Ty {
        *self
            .rng
            .pick(&[Ty::Int, Ty::Int, Ty::Big, Ty::Text, Ty::Text])
    }

    /// Returns the ids of the tables the current branch may touch.
    fn in_scope(&self) -> Vec<TableId> {
        self.s
            .tables
            .iter()
            .filter(|t| self.scope.is_none_or(|b| t.branch == b))
            .map(|t| t.id)
            .collect()
    }

    fn pick_table(&mut self, keep: impl Fn(&Schema, &Table) -> bool) -> Option<TableId> {
        let ids: Vec<TableId> = self
            .in_scope()
            .into_iter()
            .filter(|id| keep(&self.s, self.s.table(*id).unwrap()))
            .collect();
        (!ids.is_empty()).then(|| *self.rng.pick(&ids))
    }

    fn migration(&mut self, index: usize, parents: Vec<usize>, merge: bool) -> Migration {
        self.mig = index;
        let mut ops = Vec::new();
        let wanted = if merge {
            if self.rng.chance(60) {
                0
            } else {
                1 + self.rng.below(2)
            }
        } else {
            1 + self.rng.below(4)
        };
        for _ in 0..wanted {
            self.op(&mut ops);
        }
        let slug = match ops.first() {
            _ if merge => "merge".to_string(),
            Some(op) => op.slug(),
            None => "noop".into(),
        };
        Migration { parents, ops, slug }
    }

    /// Forks the history into 2–3 branches that each touch only their own tables (so any order
    /// Alembic runs them in gives the same schema), then merges them.
    fn fork(&mut self, migrations: &mut Vec<Migration>, remaining: usize) {
        let branches = if self.rng.chance(30) { 3 } else { 2 };
        // Tables linked by foreign keys stay on one branch.
        let mut group: Vec<(TableId, usize)> = self
            .s
            .tables
            .iter()
            .map(|t| (t.id, t.id as usize))
            .collect();
        loop {
            let mut changed = false;
            for t in &self.s.tables {
                for k in &t.cons {
                    if let ConKind::Fk { parent, .. } = k.kind {
                        let gp = group.iter().find(|g| g.0 == parent).unwrap().1;
                        let gc = group.iter().find(|g| g.0 == t.id).unwrap().1;
                        if gp != gc {
                            let low = gp.min(gc);
                            for g in group.iter_mut().filter(|g| g.1 == gp || g.1 == gc) {
                                g.1 = low;
                            }
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut branch_of_group = std::collections::HashMap::new();
        for (id, g) in group {
            let b = *branch_of_group
                .entry(g)
                .or_insert_with(|| self.rng.below(branches));
            self.s.table_mut(id).branch = b;
        }
        let fork = migrations.len() - 1;
        let mut heads = vec![fork; branches];
        let len = (branches + self.rng.below(8)).min(remaining - 1);
        for i in 0..len {
            let b = if i < branches {
                i
            } else {
                self.rng.below(branches)
            };
            self.scope = Some(b);
            let m = self.migration(migrations.len(), vec![heads[b]], false);
            heads[b] = migrations.len();
            migrations.push(m);
        }
        self.scope = None;
        let m = self.migration(migrations.len(), heads, true);
        migrations.push(m);
    }

    fn op(&mut self, ops: &mut Vec<Op>) {
        use Kind::*;
        let tables = self.in_scope().len();
        let create = match tables {
            0..=3 => 60,
            4..=20 => 10,
            _ => 3,
        };
        let mut weights = vec![
            (CreateTable, create),
            (DropTable, 4),
            (RenameTable, 4),
            (AddColumn, 10),
            (DropColumn, 6),
            (RenameColumn, 5),
            (CreateIndex, 10),
            (DropIndex, 5),
            (Recreate, 2),
            (Insert, 6),
        ];
        if self.f.alter_constraints {
            weights.extend([(AddConstraint, 6), (DropConstraint, 4)]);
        }
        if self.f.rebuild {
            let w = if self.f.dialect == Dialect::Sqlite {
                6
            } else {
                2
            };
            weights.push((Rebuild, w));
        }
        if self.f.do_blocks {
            weights.push((Do, 4));
        }
        let total: usize = weights.iter().map(|w| w.1).sum();
        for _ in 0..20 {
            let mut roll = self.rng.below(total);
            let kind = weights
                .iter()
                .find(|w| {
                    let hit = roll < w.1;
                    roll = roll.saturating_sub(w.1);
                    hit
                })
                .unwrap()
                .0;
            let before = ops.len();
            let done = match kind {
                CreateTable => self.create_table(ops),
                DropTable => self.drop_table(ops),
                RenameTable => self.rename_table(ops),
                AddColumn => self.add_column(ops, false),
                DropColumn => self.drop_column(ops),
                RenameColumn => self.rename_column(ops),
                CreateIndex => self.create_index(ops, false),
                DropIndex => self.drop_index(ops),
                AddConstraint => self.add_constraint(ops),
                DropConstraint => self.drop_constraint(ops),
                Recreate => self.recreate(ops),
                Rebuild => self.rebuild(ops),
                Do => self.do_block(ops),
                Insert => self.insert(ops),
            };
            if done {
                return;
            }
            assert_eq!(ops.len(), before, "a refused operation left statements");
        }
        self.create_table(ops);
    }
}

#[cfg(test)]
mod tests;
