//! The declared history of a Django project: every app's migrations package read with a real
//! Python parser, one graph across apps (dependencies, `__first__` / `__latest__`, the
//! swappable user model, `run_before`), contrib apps from [`crate::contrib`], and squashes
//! resolved as Django's loader does when nothing is recorded (the squash is used; the
//! migrations it replaces are kept aside for `settle`).

use crate::detect::{apps_of, App};
use crate::ops::{effects_in_order, State};
use crate::parse::{parse_migration, Dep, Parsed};
use crate::quick::quick_facts;
use migdoctor_model::{
    join_path, par_map, AdapterError, Dialect, History, HistoryProblem, Migration, MigrationId,
    Site, SourceTree,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Returns nothing; one migration node before effects are computed.
pub(crate) struct Node {
    /// `app.name`, the migration's id.
    pub key: String,
    pub app: String,
    pub name: String,
    pub file: Option<String>,
    pub parsed: Parsed,
    /// Contrib migrations carry their effects ready-made.
    pub contrib: Option<crate::contrib::ContribMigration>,
}

impl Node {
    fn id(&self) -> String {
        self.key.clone()
    }
}

/// Returns the Django version to assume for contrib apps: the pinned one, else the newest
/// migdoctor knows.
fn django_version(site: &Site) -> (u32, u32) {
    site.config
        .get("django_version")
        .and_then(|v| {
            let (a, b) = v.split_once('.')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        })
        // Contrib migrations are the same from 3.2 on; newer releases than migdoctor knows
        // are read as the newest it knows.
        .map(|v| {
            if v > crate::contrib::latest_known() {
                crate::contrib::latest_known()
            } else {
                v
            }
        })
        .unwrap_or_else(crate::contrib::latest_known)
}

/// Returns the dialect effects are named for: the site's database, else PostgreSQL.
pub(crate) fn dialect(site: &Site) -> Dialect {
    site.dialect_hint().unwrap_or(Dialect::Postgres)
}

pub fn load_history(tree: &SourceTree, site: &Site) -> Result<History, AdapterError> {
    let mut history = History::new(site.clone());
    let apps = apps_of(site);
    let mut nodes: Vec<Node> = Vec::new();
    // Only the graph is wanted (status, scan): the line reader answers for files written as
    // makemigrations writes them.
    let skip_effects = site.config.get("effects").is_some_and(|v| v == "skip");
    for app in &apps {
        match app.kind.as_str() {
            "project" => read_app(tree, app, skip_effects, &mut nodes, &mut history.problems),
            "contrib" => {}
            _ => {}
        }
    }
    let version = django_version(site);
    if let Some(contrib) = crate::contrib::contrib_migrations(version) {
        for c in contrib {
            if apps.iter().any(|a| a.kind == "contrib" && a.label == c.app) {
                nodes.push(Node {
                    key: format!("{}.{}", c.app, c.name),
                    app: c.app.to_string(),
                    name: c.name.to_string(),
                    file: None,
                    parsed: Parsed {
                        // admin's `swappable_dependency(AUTH_USER_MODEL)` is written down
                        // for the default user model.
                        dependencies: c
                            .dependencies
                            .iter()
                            .map(|(a, n)| match (c.app, *a, *n) {
                                ("admin", "auth", "__first__") => Dep::SwappableUser,
                                _ => Dep::Key(a.to_string(), n.to_string()),
                            })
                            .collect(),
                        atomic: true,
                        ..Parsed::default()
                    },
                    contrib: Some(c),
                });
            }
        }
    }
    let user_app = site
        .config
        .get("auth_user_model")
        .and_then(|m| m.split('.').next())
        .unwrap_or("auth")
        .to_string();
    for n in &nodes {
        if n.parsed
            .replaces
            .iter()
            .any(|(a, m)| *a == n.app && *m == n.name)
        {
            history.problems.push(HistoryProblem::InvalidFile {
                file: n.file.clone().unwrap_or_else(|| n.id()),
                reason: format!(
                    "{} lists itself in `replaces`: Django's loader would remove it from its own graph; migdoctor ignores that entry",
                    n.id()
                ),
            });
        }
    }
    let graph = Graph::build(&nodes, &apps, &user_app);
    let d = dialect(site);
    // Squashes used, replaced migrations aside — what Django does when nothing is recorded.
    let (used, aside) = graph.squash_split(&nodes);
    let user_model = site
        .config
        .get("auth_user_model")
        .cloned()
        .unwrap_or_else(|| "auth.User".into());
    let fx = Effects {
        dialect: d,
        user_model: &user_model,
        skip: skip_effects,
    };
    history.migrations = graph.migrations(&nodes, &used, &fx);
    if !aside.is_empty() {
        let aside_ids: std::collections::HashSet<&str> =
            aside.iter().map(|&i| nodes[i].key.as_str()).collect();
        let replaced_view: BTreeSet<usize> = (0..nodes.len())
            .filter(|i| !graph.squashes.contains_key(i))
            .collect();
        history.replaced = graph
            .migrations(&nodes, &replaced_view, &fx)
            .into_iter()
            .filter(|m| aside_ids.contains(m.id.as_str()))
            .collect();
    }
    Ok(history)
}

fn read_app(
    tree: &SourceTree,
    app: &App,
    quick: bool,
    nodes: &mut Vec<Node>,
    problems: &mut Vec<HistoryProblem>,
) {
    let Some(dir) = &app.migrations else { return };
    let files: Vec<&str> = tree
        .files_in(dir)
        .into_iter()
        .filter(|f| f.ends_with(".py"))
        .collect();
    let modules: Vec<&str> = files
        .iter()
        .copied()
        .filter(|f| {
            let name = f.rsplit('/').next().unwrap_or(f);
            !name.starts_with('_') && !name.starts_with('~')
        })
        .collect();
    if modules.is_empty() {
        return;
    }
    if !tree.contains(&join_path(dir, "__init__.py")) {
        problems.push(HistoryProblem::InvalidFile {
            file: dir.clone(),
            reason: format!(
                "the migrations folder of app {} has no __init__.py: Django treats it as a namespace package and the app as unmigrated, so its {} migration file(s) never run",
                app.label,
                modules.len()
            ),
        });
        return;
    }
    tree.prefetch(&modules);
    let parsed = par_map(&modules, |f| {
        let module = f.rsplit('/').next().unwrap_or(f).trim_end_matches(".py");
        let text = tree.bytes(f).map(String::from_utf8_lossy);
        match text {
            None => Err(format!("{f}: cannot be read")),
            Some(t) => match quick.then(|| quick_facts(&t)).flatten() {
                Some(p) => Ok(p),
                None => parse_migration(&t, f, module, &app.label),
            },
        }
    });
    for (f, p) in modules.iter().zip(parsed) {
        let module = f.rsplit('/').next().unwrap_or(f).trim_end_matches(".py");
        match p {
            Ok(parsed) => nodes.push(Node {
                key: format!("{}.{module}", app.label),
                app: app.label.clone(),
                name: module.to_string(),
                file: Some(f.to_string()),
                parsed,
                contrib: None,
            }),
            Err(reason) => problems.push(HistoryProblem::InvalidFile {
                file: f.to_string(),
                reason: format!("{reason}; `manage.py migrate` stops on it"),
            }),
        }
    }
}

/// Returns nothing; how effects are computed.
struct Effects<'a> {
    dialect: Dialect,
    user_model: &'a str,
    skip: bool,
}

/// Returns nothing; the resolved graph: parents of every node by index.
pub(crate) struct Graph {
    pub parents: Vec<Vec<String>>,
    /// Squash node → indexes of the nodes it replaces.
    pub squashes: BTreeMap<usize, Vec<usize>>,
}

impl Graph {
    fn build(nodes: &[Node], apps: &[App], user_app: &str) -> Graph {
        let index: HashMap<String, usize> =
            nodes.iter().enumerate().map(|(i, n)| (n.id(), i)).collect();
        let mut by_app: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, n) in nodes.iter().enumerate() {
            by_app.entry(n.app.as_str()).or_default().push(i);
        }
        let in_app_parents = |i: usize| -> Vec<&str> {
            nodes[i]
                .parsed
                .dependencies
                .iter()
                .filter_map(|d| match d {
                    Dep::Key(a, n) if *a == nodes[i].app => Some(n.as_str()),
                    _ => None,
                })
                .collect()
        };
        // Roots and leaves within one app, sorted by name as Django's graph returns them.
        let first_of = |app: &str| -> Option<String> {
            let mut roots: Vec<&Node> = by_app
                .get(app)?
                .iter()
                .filter(|&&i| in_app_parents(i).is_empty() && nodes[i].parsed.replaces.is_empty())
                .map(|&i| &nodes[i])
                .collect();
            roots.sort_by(|a, b| a.name.cmp(&b.name));
            roots.first().map(|n| n.id())
        };
        let latest_of = |app: &str| -> Option<String> {
            let members = by_app.get(app)?;
            let referenced: BTreeSet<&str> =
                members.iter().flat_map(|&i| in_app_parents(i)).collect();
            let mut leaves: Vec<&Node> = members
                .iter()
                .map(|&i| &nodes[i])
                .filter(|n| !referenced.contains(n.name.as_str()) && n.parsed.replaces.is_empty())
                .collect();
            leaves.sort_by(|a, b| a.name.cmp(&b.name));
            leaves.first().map(|n| n.id())
        };
        let unmigrated = |app: &str| {
            apps.iter()
                .any(|a| a.label == app && a.kind != "project" && a.kind != "contrib")
                || (apps.iter().any(|a| a.label == app) && !by_app.contains_key(app))
        };
        let mut parents: Vec<Vec<String>> = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            for d in &n.parsed.dependencies {
                let (app, name) = match d {
                    Dep::Key(a, n) => (a.as_str(), n.as_str()),
                    Dep::SwappableUser => (user_app, "__first__"),
                };
                if unmigrated(app) {
                    // Django: "This app isn't migrated, but something depends on it."
                    continue;
                }
                let resolved = match name {
                    "__first__" => first_of(app),
                    "__latest__" => latest_of(app),
                    _ => Some(format!("{app}.{name}")),
                };
                parents[i].push(resolved.unwrap_or_else(|| format!("{app}.{name}")));
            }
        }
        for n in nodes {
            for (a, name) in &n.parsed.run_before {
                if let Some(&j) = index.get(&format!("{a}.{name}")) {
                    parents[j].push(n.id());
                }
            }
        }
        let mut squashes = BTreeMap::new();
        for (i, n) in nodes.iter().enumerate() {
            if n.parsed.replaces.is_empty() {
                continue;
            }
            let replaced: Vec<usize> = n
                .parsed
                .replaces
                .iter()
                .filter_map(|(a, m)| index.get(&format!("{a}.{m}")).copied())
                .filter(|&j| j != i)
                .collect();
            squashes.insert(i, replaced);
        }
        Graph { parents, squashes }
    }

    /// Returns (nodes used, nodes set aside) when every squash is used.
    fn squash_split(&self, nodes: &[Node]) -> (BTreeSet<usize>, Vec<usize>) {
        let aside: BTreeSet<usize> = self.squashes.values().flatten().copied().collect();
        let used = (0..nodes.len()).filter(|i| !aside.contains(i)).collect();
        (used, aside.into_iter().collect())
    }

    /// Returns the migrations of the nodes in `used`, parents remapped through squashes, in run
    /// order, with their effects.
    fn migrations(
        &self,
        nodes: &[Node],
        used: &BTreeSet<usize>,
        fx: &Effects<'_>,
    ) -> Vec<Migration> {
        // A dependency on a replaced node points at the squash that replaces it, when used.
        let mut remap: HashMap<String, String> = HashMap::new();
        for (&s, replaced) in &self.squashes {
            if used.contains(&s) {
                for &r in replaced {
                    remap.insert(nodes[r].id(), nodes[s].id());
                }
            }
        }
        let mut out: Vec<Migration> = Vec::new();
        for &i in used {
            let n = &nodes[i];
            let mut m = Migration::new(n.id(), n.name.clone());
            m.files.extend(n.file.iter().cloned());
            let mut parents: Vec<MigrationId> = Vec::new();
            for p in &self.parents[i] {
                let p = remap.get(p).cloned().unwrap_or_else(|| p.clone());
                if p != n.key && !parents.iter().any(|x| x.as_str() == p) {
                    parents.push(MigrationId(p));
                }
            }
            m.parents = parents;
            m.replaces = n
                .parsed
                .replaces
                .iter()
                .map(|(a, r)| MigrationId(format!("{a}.{r}")))
                .collect();
            m.has_down = true;
            if n.parsed.initial == Some(true) {
                m.labels.push("initial".into());
            }
            out.push(m);
        }
        let mut h = History::new(migdoctor_model::Site::new(
            migdoctor_model::Framework::Django,
            "",
        ));
        h.migrations = out;
        let order = h.order();
        let pos: HashMap<&str, usize> = order
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        // Cycles stay at the end in declared order (the cycle finding names them).
        h.migrations
            .sort_by_key(|m| pos.get(m.id.as_str()).copied().unwrap_or(usize::MAX));
        if !fx.skip {
            let by_id: HashMap<String, &Node> =
                used.iter().map(|&i| (nodes[i].id(), &nodes[i])).collect();
            let mut state = State::new(fx.dialect).with_user_model(fx.user_model);
            effects_in_order(&mut state, &mut h.migrations, &by_id);
        }
        h.migrations
    }
}
