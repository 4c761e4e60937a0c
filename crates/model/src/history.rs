use crate::{Framework, MigrationStatement, SchemaEffect, Site};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// Returns nothing; a framework's own key for one migration (golang-migrate version, Alembic
/// revision, Django `app.name`, Drizzle tag, …).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MigrationId(pub String);

impl MigrationId {
    /// Returns the id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for MigrationId {
    fn from(s: &str) -> Self {
        MigrationId(s.to_string())
    }
}

impl From<String> for MigrationId {
    fn from(s: String) -> Self {
        MigrationId(s)
    }
}

impl fmt::Display for MigrationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Returns nothing; one migration as the files declare it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    /// The framework's key.
    pub id: MigrationId,
    /// Human name (title, slug).
    pub name: String,
    /// Source files, relative to the project root.
    pub files: Vec<String>,
    /// Dependency edges: migrations that must run before this one.
    pub parents: Vec<MigrationId>,
    /// Migrations this one replaces (squashes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<MigrationId>,
    /// Extra dependencies that must run first but are not graph parents (Alembic
    /// `depends_on`; may name a branch label).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<MigrationId>,
    /// Branch labels (Alembic `branch_labels`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Checksum as the framework computes it, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// The time the framework stores for it where the files fix it (Drizzle's journal
    /// `when`, milliseconds since the epoch, which its tracking row repeats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    /// Whether a down / rollback exists.
    pub has_down: bool,
    /// Statements of the up direction with their schema effects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<MigrationStatement>,
}

impl Migration {
    /// Returns a migration with no files, parents or effects.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Migration {
        Migration {
            id: MigrationId(id.into()),
            name: name.into(),
            files: Vec::new(),
            parents: Vec::new(),
            replaces: Vec::new(),
            depends_on: Vec::new(),
            labels: Vec::new(),
            checksum: None,
            timestamp: None,
            has_down: false,
            statements: Vec::new(),
        }
    }

    /// Returns every effect of every statement, in order.
    pub fn effects(&self) -> impl Iterator<Item = &SchemaEffect> {
        self.statements.iter().flat_map(|s| s.effects.iter())
    }

    /// Returns the migration with the given parents.
    pub fn with_parents<I, S>(mut self, parents: I) -> Migration
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.parents = parents.into_iter().map(|p| MigrationId(p.into())).collect();
        self
    }
}

/// Returns nothing; a problem found while reading the files of one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum HistoryProblem {
    /// Two or more files claim the same migration id and direction.
    Collision {
        /// The id.
        id: MigrationId,
        /// Every file claiming it.
        files: Vec<String>,
    },
    /// A file looks like a migration but its name or content does not parse.
    InvalidFile {
        /// The file.
        file: String,
        /// Why it does not parse.
        reason: String,
    },
}

/// Returns nothing; the declared migration graph of one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Which framework and folder.
    pub site: Site,
    /// Migrations in the order the framework would declare them (for linear frameworks, the run
    /// order).
    pub migrations: Vec<Migration>,
    /// Problems found while reading the files.
    pub problems: Vec<HistoryProblem>,
    /// Migrations a squash replaces, kept aside: the framework uses either the squash or them,
    /// depending on what is recorded (Django); the adapter's `settle` swaps them in when the
    /// tracking table says so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced: Vec<Migration>,
}

impl History {
    /// Returns an empty history for `site`.
    pub fn new(site: Site) -> History {
        History {
            site,
            migrations: Vec::new(),
            problems: Vec::new(),
            replaced: Vec::new(),
        }
    }

    /// Returns the framework of this history.
    pub fn framework(&self) -> Framework {
        self.site.framework
    }

    /// Returns the migration with id `id`.
    pub fn get(&self, id: &MigrationId) -> Option<&Migration> {
        self.migrations.iter().find(|m| &m.id == id)
    }

    fn index(&self) -> HashMap<&MigrationId, usize> {
        self.migrations
            .iter()
            .enumerate()
            .map(|(i, m)| (&m.id, i))
            .collect()
    }

    /// Returns the migrations without parents, in declared order.
    pub fn roots(&self) -> Vec<MigrationId> {
        self.migrations
            .iter()
            .filter(|m| m.parents.is_empty())
            .map(|m| m.id.clone())
            .collect()
    }

    /// Returns the migrations no other migration depends on, in declared order.
    pub fn heads(&self) -> Vec<MigrationId> {
        let referenced: BTreeSet<&MigrationId> = self
            .migrations
            .iter()
            .flat_map(|m| m.parents.iter())
            .collect();
        self.migrations
            .iter()
            .filter(|m| !referenced.contains(&m.id))
            .map(|m| m.id.clone())
            .collect()
    }

    /// Returns (child, missing parent) pairs for parents and dependencies that name no
    /// migration (a dependency may also name a branch label).
    pub fn dangling_parents(&self) -> Vec<(MigrationId, MigrationId)> {
        let idx = self.index();
        let labels: BTreeSet<&str> = self
            .migrations
            .iter()
            .flat_map(|m| m.labels.iter().map(String::as_str))
            .collect();
        let mut out = Vec::new();
        for m in &self.migrations {
            for p in &m.parents {
                if !idx.contains_key(p) {
                    out.push((m.id.clone(), p.clone()));
                }
            }
            for d in &m.depends_on {
                if !idx.contains_key(d) && !labels.contains(d.as_str()) {
                    out.push((m.id.clone(), d.clone()));
                }
            }
        }
        out
    }

    /// Returns `ids` and everything they depend on (parents and dependencies, transitively).
    pub fn ancestors_inclusive(&self, ids: &[MigrationId]) -> BTreeSet<MigrationId> {
        let idx = self.index();
        let label_of: BTreeMap<&str, &MigrationId> = self
            .migrations
            .iter()
            .flat_map(|m| m.labels.iter().map(move |l| (l.as_str(), &m.id)))
            .collect();
        let mut seen: BTreeSet<MigrationId> = BTreeSet::new();
        let mut stack: Vec<MigrationId> = ids.to_vec();
        while let Some(id) = stack.pop() {
            let id = match idx.get(&id) {
                Some(_) => id,
                None => match label_of.get(id.as_str()) {
                    Some(real) => (*real).clone(),
                    None => continue,
                },
            };
            if !seen.insert(id.clone()) {
                continue;
            }
            if let Some(&i) = idx.get(&id) {
                let m = &self.migrations[i];
                stack.extend(m.parents.iter().cloned());
                stack.extend(m.depends_on.iter().cloned());
            }
        }
        seen
    }

    /// Returns ids declared by more than one migration entry.
    pub fn collisions(&self) -> Vec<MigrationId> {
        let mut seen: BTreeMap<&MigrationId, usize> = BTreeMap::new();
        for m in &self.migrations {
            *seen.entry(&m.id).or_default() += 1;
        }
        let mut ids: Vec<MigrationId> = seen
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(id, _)| id.clone())
            .collect();
        for p in &self.problems {
            if let HistoryProblem::Collision { id, .. } = p {
                if !ids.contains(id) {
                    ids.push(id.clone());
                }
            }
        }
        ids
    }

    /// Returns every cycle in the graph as the ids of one strongly connected component (a
    /// self-loop counts), each sorted in declared order.
    pub fn cycles(&self) -> Vec<Vec<MigrationId>> {
        let idx = self.index();
        let n = self.migrations.len();
        // Edges parent -> child expressed as child -> parent is enough for SCCs.
        let edges: Vec<Vec<usize>> = self
            .migrations
            .iter()
            .map(|m| {
                m.parents
                    .iter()
                    .filter_map(|p| idx.get(p).copied())
                    .collect()
            })
            .collect();
        let sccs = tarjan(n, &edges);
        let mut out = Vec::new();
        for mut comp in sccs {
            let self_loop = comp.len() == 1 && edges[comp[0]].contains(&comp[0]);
            if comp.len() > 1 || self_loop {
                comp.sort_unstable();
                out.push(
                    comp.into_iter()
                        .map(|i| self.migrations[i].id.clone())
                        .collect(),
                );
            }
        }
        out.sort();
        out
    }

    /// Returns the heads joined by spaces (`None` for an empty history), as reports show them.
    pub fn heads_label(&self) -> Option<String> {
        let heads: Vec<String> = self.heads().iter().map(|h| h.to_string()).collect();
        (!heads.is_empty()).then(|| heads.join(" "))
    }

    /// Returns a topological order (parents before children), stable with respect to declared
    /// order; migrations caught in cycles are left out (see [`History::cycles`]).
    pub fn order(&self) -> Vec<MigrationId> {
        let idx = self.index();
        let n = self.migrations.len();
        let mut indegree = vec![0usize; n];
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, m) in self.migrations.iter().enumerate() {
            for p in &m.parents {
                if let Some(&j) = idx.get(p) {
                    indegree[i] += 1;
                    children[j].push(i);
                }
            }
        }
        let mut ready: BTreeSet<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut out = Vec::with_capacity(n);
        while let Some(i) = ready.pop_first() {
            out.push(self.migrations[i].id.clone());
            for &c in &children[i] {
                indegree[c] -= 1;
                if indegree[c] == 0 {
                    ready.insert(c);
                }
            }
        }
        out
    }
}

/// Returns the strongly connected components of a graph given as adjacency lists (iterative
/// Tarjan, so deep linear histories cannot overflow the stack).
fn tarjan(n: usize, edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0usize;
    let mut out = Vec::new();
    for start in 0..n {
        if index[start] != UNSEEN {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(start, 0)];
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (v, ref mut ei)) = call.last_mut() {
            if *ei < edges[v].len() {
                let w = edges[v][*ei];
                *ei += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    out.push(comp);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(edges: &[(&str, &[&str])]) -> History {
        let mut h = History::new(Site::new(Framework::Alembic, "versions"));
        for (id, parents) in edges {
            h.migrations
                .push(Migration::new(*id, *id).with_parents(parents.iter().copied()));
        }
        h
    }

    fn ids(v: &[&str]) -> Vec<MigrationId> {
        v.iter().map(|s| MigrationId::from(*s)).collect()
    }

    #[test]
    fn linear_history_has_one_root_and_head() {
        let h = hist(&[("a", &[]), ("b", &["a"]), ("c", &["b"])]);
        assert_eq!(h.roots(), ids(&["a"]));
        assert_eq!(h.heads(), ids(&["c"]));
        assert_eq!(h.order(), ids(&["a", "b", "c"]));
        assert!(h.cycles().is_empty());
        assert!(h.dangling_parents().is_empty());
    }

    #[test]
    fn branch_and_merge() {
        let h = hist(&[
            ("a", &[]),
            ("b", &["a"]),
            ("c", &["a"]),
            ("m", &["b", "c"]),
            ("d", &["b"]),
        ]);
        assert_eq!(h.heads(), ids(&["m", "d"]));
        let order = h.order();
        let pos = |x: &str| order.iter().position(|i| i.as_str() == x).unwrap();
        assert!(pos("a") < pos("b") && pos("b") < pos("m") && pos("c") < pos("m"));
    }

    #[test]
    fn order_is_topological_even_when_declared_backwards() {
        let h = hist(&[("c", &["b"]), ("b", &["a"]), ("a", &[])]);
        assert_eq!(h.order(), ids(&["a", "b", "c"]));
    }

    #[test]
    fn cycles_and_self_loops_are_found_and_left_out_of_order() {
        let h = hist(&[("a", &[]), ("b", &["c"]), ("c", &["b"]), ("s", &["s"])]);
        assert_eq!(h.cycles(), vec![ids(&["b", "c"]), ids(&["s"])]);
        assert_eq!(h.order(), ids(&["a"]));
    }

    #[test]
    fn dangling_parents_and_collisions() {
        let h = hist(&[("a", &["zz"]), ("a", &[])]);
        assert_eq!(
            h.dangling_parents(),
            vec![(MigrationId::from("a"), MigrationId::from("zz"))]
        );
        assert_eq!(h.collisions(), ids(&["a"]));
    }

    #[test]
    fn deep_history_does_not_overflow() {
        let mut h = History::new(Site::new(Framework::Alembic, "v"));
        for i in 0..100_000 {
            let m = Migration::new(i.to_string(), "m");
            h.migrations.push(if i == 0 {
                m
            } else {
                m.with_parents([(i - 1).to_string()])
            });
        }
        assert!(h.cycles().is_empty());
        assert_eq!(h.heads(), ids(&["99999"]));
    }
}
