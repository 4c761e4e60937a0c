//! Reading a Django settings module without running it: top-level assignments of literals,
//! list arithmetic (`+`, `+=`, `append`, `extend`, `insert`), star imports of sibling settings
//! modules, `os.environ` / `env()` / `config()` lookups (kept as the variable they read),
//! `dj_database_url` and `env.db()` URLs, and `BASE_DIR / "x"` paths. Anything else is
//! `Unknown`; the adapter says so instead of guessing.

use migdoctor_model::{join_path, parent_dir, SourceTree};
use migdoctor_pyast::{attr_name, kwarg, str_value};
use rustpython_parser::ast::{self, Constant, Expr, Stmt};
use std::collections::BTreeMap;

/// Returns nothing; a settings value as far as migdoctor can tell without running Python.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// A string literal.
    Str(String),
    /// A list or tuple.
    List(Vec<Val>),
    /// A dict with string keys.
    Dict(BTreeMap<String, Val>),
    /// `None`.
    None,
    /// A boolean or number (kept as text).
    Scalar(String),
    /// A path relative to the project root (`BASE_DIR / "db.sqlite3"`).
    Path(String),
    /// An environment variable, with its default when the code gives one.
    Env {
        /// The variable.
        var: String,
        /// Its default.
        default: Option<Box<Val>>,
    },
    /// A database URL read from an environment variable (`dj_database_url.config()`,
    /// `env.db()`), with its default.
    EnvUrl {
        /// The variable.
        var: String,
        /// The default URL.
        default: Option<String>,
    },
    /// Something only running Python would tell.
    Unknown(String),
}

impl Val {
    /// Returns the string, when the value is one (an environment lookup gives its default).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) | Val::Path(s) => Some(s),
            Val::Env {
                default: Some(d), ..
            } => d.as_str(),
            _ => None,
        }
    }

    /// Returns the entry `key` of a dict.
    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Dict(d) => d.get(key),
            _ => None,
        }
    }
}

/// Returns nothing; the settings read, with the files they came from and what could not be read.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Top-level names.
    pub vars: BTreeMap<String, Val>,
    /// Files read, in order.
    pub files: Vec<String>,
    /// Problems (a file that does not parse, an import that is not in the tree).
    pub problems: Vec<String>,
}

/// Returns the file of dotted module `module` under `root` (`a/b.py` or `a/b/__init__.py`).
pub fn module_file(tree: &SourceTree, root: &str, module: &str) -> Option<String> {
    let rel = module.replace('.', "/");
    let file = join_path(root, &format!("{rel}.py"));
    if tree.contains(&file) {
        return Some(file);
    }
    let init = join_path(root, &format!("{rel}/__init__.py"));
    tree.contains(&init).then_some(init)
}

/// Returns the settings read from `file` (and the modules it star-imports), with `root` the
/// project folder (where `manage.py` is) against which absolute imports resolve.
pub fn read_settings(tree: &SourceTree, root: &str, file: &str) -> Settings {
    let mut s = Settings::default();
    read_into(tree, root, file, &mut s, 0);
    s
}

fn read_into(tree: &SourceTree, root: &str, file: &str, s: &mut Settings, depth: usize) {
    if depth > 8 || s.files.iter().any(|f| f == file) {
        return;
    }
    let Some(bytes) = tree.bytes(file) else {
        s.problems.push(format!("{file}: not in the project tree"));
        return;
    };
    s.files.push(file.to_string());
    let text = String::from_utf8_lossy(bytes);
    let body = match rustpython_parser::parse(&text, rustpython_parser::Mode::Module, file) {
        Ok(ast::Mod::Module(m)) => m.body,
        Ok(_) => return,
        Err(e) => {
            s.problems.push(format!("{file}: not valid Python: {e}"));
            return;
        }
    };
    let ctx = Ctx { tree, root, file };
    ctx.stmts(&body, s, depth);
}

/// Returns the number of `.parent` / `os.path.dirname(...)` steps above `__file__` in `e`, when
/// `e` is such a path (`Path(__file__).resolve().parent.parent` is 2).
fn parents_of_file(e: &Expr) -> Option<usize> {
    match e {
        Expr::Name(n) if n.id.as_str() == "__file__" => Some(0),
        Expr::Attribute(a) => {
            let inner = parents_of_file(&a.value)?;
            Some(inner + usize::from(a.attr.as_str() == "parent"))
        }
        Expr::Call(c) => {
            let func = attr_name(&c.func).unwrap_or_default();
            let inner = match c.func.as_ref() {
                Expr::Attribute(a) if func != "dirname" => parents_of_file(&a.value),
                _ => None,
            }
            .or_else(|| c.args.first().and_then(parents_of_file))?;
            Some(inner + usize::from(func == "dirname"))
        }
        _ => None,
    }
}

struct Ctx<'a> {
    tree: &'a SourceTree,
    root: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    fn stmts(&self, body: &[Stmt], s: &mut Settings, depth: usize) {
        for st in body {
            match st {
                Stmt::ImportFrom(i) if i.names.iter().any(|n| n.name.as_str() == "*") => {
                    let module = i.module.as_deref().unwrap_or("");
                    let level = i.level.map(|l| l.to_u32()).unwrap_or(0) as usize;
                    let target = if level > 0 {
                        let mut dir = parent_dir(self.file).to_string();
                        for _ in 1..level {
                            dir = parent_dir(&dir).to_string();
                        }
                        module_file(self.tree, &dir, module)
                    } else {
                        module_file(self.tree, self.root, module)
                    };
                    match target {
                        Some(f) => read_into(self.tree, self.root, &f, s, depth + 1),
                        None => s.problems.push(format!(
                            "{}: `from {}{module} import *` names a module not in the project",
                            self.file,
                            ".".repeat(level)
                        )),
                    }
                }
                Stmt::Assign(a) => {
                    let v = self.eval(&a.value, s);
                    for t in &a.targets {
                        self.assign(t, v.clone(), s);
                    }
                }
                Stmt::AnnAssign(a) => {
                    if let Some(value) = &a.value {
                        let v = self.eval(value, s);
                        self.assign(&a.target, v, s);
                    }
                }
                Stmt::AugAssign(a) => {
                    if let Expr::Name(n) = a.target.as_ref() {
                        let add = self.eval(&a.value, s);
                        let cur = s
                            .vars
                            .get(n.id.as_str())
                            .cloned()
                            .unwrap_or(Val::List(vec![]));
                        s.vars.insert(n.id.to_string(), concat(cur, add));
                    }
                }
                Stmt::Expr(e) => self.mutate(&e.value, s),
                // Both branches: later assignments win, as most settings files put the
                // production value last; what depends on the branch stays visible in `files`.
                Stmt::If(i) => {
                    self.stmts(&i.body, s, depth);
                    self.stmts(&i.orelse, s, depth);
                }
                Stmt::Try(t) => {
                    self.stmts(&t.body, s, depth);
                    self.stmts(&t.orelse, s, depth);
                }
                _ => {}
            }
        }
    }

    fn assign(&self, target: &Expr, v: Val, s: &mut Settings) {
        match target {
            Expr::Name(n) => {
                s.vars.insert(n.id.to_string(), v);
            }
            // DATABASES["default"] = {...}
            Expr::Subscript(sub) => {
                if let (Expr::Name(n), Some(key)) = (sub.value.as_ref(), str_value(&sub.slice)) {
                    if let Some(Val::Dict(d)) = s.vars.get_mut(n.id.as_str()) {
                        d.insert(key, v);
                    }
                }
            }
            _ => {}
        }
    }

    /// `INSTALLED_APPS.append("x")`, `.extend([...])`, `.insert(0, "x")`, `.remove("x")`.
    fn mutate(&self, e: &Expr, s: &mut Settings) {
        let Expr::Call(c) = e else { return };
        let Expr::Attribute(a) = c.func.as_ref() else {
            return;
        };
        let Expr::Name(n) = a.value.as_ref() else {
            return;
        };
        let args: Vec<Val> = c.args.iter().map(|x| self.eval(x, s)).collect();
        let Some(Val::List(list)) = s.vars.get_mut(n.id.as_str()) else {
            return;
        };
        match (a.attr.as_str(), args.as_slice()) {
            ("append", [v]) => list.push(v.clone()),
            ("extend", [Val::List(vs)]) => list.extend(vs.iter().cloned()),
            ("insert", [Val::Scalar(i), v]) => {
                let i = i.parse::<usize>().unwrap_or(0).min(list.len());
                list.insert(i, v.clone());
            }
            ("remove", [v]) => list.retain(|x| x != v),
            _ => {}
        }
    }

    fn eval(&self, e: &Expr, s: &Settings) -> Val {
        if let Some(n) = parents_of_file(e) {
            // The file itself is one step: its folder is the first parent.
            let mut dir = self.file.to_string();
            for _ in 0..n {
                dir = parent_dir(&dir).to_string();
            }
            return Val::Path(dir);
        }
        match e {
            Expr::Constant(c) => match &c.value {
                Constant::Str(v) => Val::Str(v.clone()),
                Constant::None => Val::None,
                Constant::Bool(b) => Val::Scalar(if *b { "True" } else { "False" }.into()),
                Constant::Int(i) => Val::Scalar(i.to_string()),
                _ => Val::Unknown("a constant".into()),
            },
            Expr::List(l) => Val::List(l.elts.iter().map(|x| self.eval(x, s)).collect()),
            Expr::Tuple(t) => Val::List(t.elts.iter().map(|x| self.eval(x, s)).collect()),
            Expr::Dict(d) => {
                let mut out = BTreeMap::new();
                for (k, v) in d.keys.iter().zip(&d.values) {
                    match k.as_ref().and_then(str_value) {
                        Some(k) => {
                            out.insert(k, self.eval(v, s));
                        }
                        // `**OTHER`: merge a dict defined earlier.
                        None if k.is_none() => {
                            if let Val::Dict(other) = self.eval(v, s) {
                                out.extend(other);
                            }
                        }
                        None => {}
                    }
                }
                Val::Dict(out)
            }
            Expr::Name(n) => s
                .vars
                .get(n.id.as_str())
                .cloned()
                .unwrap_or_else(|| Val::Unknown(format!("name {}", n.id))),
            Expr::BinOp(b) => {
                let (l, r) = (self.eval(&b.left, s), self.eval(&b.right, s));
                match (b.op, &l) {
                    (ast::Operator::Add, Val::List(_)) => concat(l, r),
                    (ast::Operator::Div, Val::Path(base)) => match r.as_str() {
                        Some(p) => Val::Path(join_path(base, p)),
                        None => Val::Unknown("a path".into()),
                    },
                    _ => Val::Unknown("an expression".into()),
                }
            }
            Expr::Call(c) => self.call(c, s),
            Expr::JoinedStr(_) => Val::Unknown("an f-string".into()),
            _ => Val::Unknown("an expression".into()),
        }
    }

    fn call(&self, c: &ast::ExprCall, s: &Settings) -> Val {
        let func = attr_name(&c.func).unwrap_or_default();
        let recv = match c.func.as_ref() {
            Expr::Attribute(a) => attr_name(&a.value).unwrap_or_default(),
            _ => String::new(),
        };
        let first = c.args.first().and_then(str_value);
        let default = |pos: usize| {
            c.args
                .get(pos)
                .or_else(|| kwarg(c, "default"))
                .map(|d| Box::new(self.eval(d, s)))
        };
        match (recv.as_str(), func.as_str()) {
            // os.environ.get("X", "d"), os.getenv("X", "d")
            ("environ", "get") | ("os", "getenv") => match first {
                Some(var) => Val::Env {
                    var,
                    default: default(1),
                },
                None => Val::Unknown("an environment lookup".into()),
            },
            // dj_database_url.config(default=..., env="X")
            ("dj_database_url", "config") => Val::EnvUrl {
                var: kwarg(c, "env")
                    .and_then(str_value)
                    .unwrap_or_else(|| "DATABASE_URL".into()),
                default: kwarg(c, "default")
                    .map(|d| self.eval(d, s))
                    .and_then(|v| v.as_str().map(str::to_string)),
            },
            ("dj_database_url", "parse") => match c.args.first().map(|a| self.eval(a, s)) {
                Some(Val::Str(url)) => Val::EnvUrl {
                    var: String::new(),
                    default: Some(url),
                },
                Some(Val::Env { var, default }) => Val::EnvUrl {
                    var,
                    default: default.and_then(|d| d.as_str().map(str::to_string)),
                },
                _ => Val::Unknown("dj_database_url.parse of an expression".into()),
            },
            // environ.Env: env.db("X", default=...), env.db_url(...)
            (_, "db" | "db_url") => Val::EnvUrl {
                var: first.unwrap_or_else(|| "DATABASE_URL".into()),
                default: kwarg(c, "default")
                    .or_else(|| c.args.get(1))
                    .map(|d| self.eval(d, s))
                    .and_then(|v| v.as_str().map(str::to_string)),
            },
            // env("X", default=...), env.str("X"), config("X", default=...) (decouple)
            ("" | "env", "env" | "config" | "str" | "int" | "bool") if first.is_some() => {
                Val::Env {
                    var: first.unwrap_or_default(),
                    default: default(1),
                }
            }
            ("path", "join") => {
                let parts: Vec<Val> = c.args.iter().map(|a| self.eval(a, s)).collect();
                let mut base = match parts.first() {
                    Some(Val::Path(p)) => p.clone(),
                    _ => return Val::Unknown("os.path.join of an expression".into()),
                };
                for p in &parts[1..] {
                    match p.as_str() {
                        Some(p) => base = join_path(&base, p),
                        None => return Val::Unknown("os.path.join of an expression".into()),
                    }
                }
                Val::Path(base)
            }
            ("", "str") => c
                .args
                .first()
                .map(|a| self.eval(a, s))
                .unwrap_or(Val::Unknown("str()".into())),
            _ => Val::Unknown(format!("a call of {func}()")),
        }
    }
}

fn concat(a: Val, b: Val) -> Val {
    match (a, b) {
        (Val::List(mut x), Val::List(y)) => {
            x.extend(y);
            Val::List(x)
        }
        (Val::List(x), _) => Val::List(x),
        (_, b) => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lists_star_imports_env_and_paths() {
        let tree = SourceTree::new()
            .with_file("manage.py", "")
            .with_file("mysite/__init__.py", "")
            .with_file("mysite/settings/__init__.py", "from .base import *\nINSTALLED_APPS += ['blog']\n")
            .with_file(
                "mysite/settings/base.py",
                "import os\nfrom pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nDJANGO_APPS = ['django.contrib.auth']\nINSTALLED_APPS = DJANGO_APPS + ['shop.apps.ShopConfig']\nINSTALLED_APPS.append('extra')\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': BASE_DIR / 'db.sqlite3'}}\nSECRET = os.environ.get('SECRET_KEY', 'x')\nif os.environ.get('PG'):\n    DATABASES['default'] = {'ENGINE': 'django.db.backends.postgresql', 'NAME': os.getenv('DB_NAME', 'shop')}\n",
            );
        let s = read_settings(&tree, "", "mysite/settings/__init__.py");
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        let Val::List(items) = &s.vars["INSTALLED_APPS"] else {
            panic!("not a list")
        };
        let apps: Vec<&str> = items.iter().filter_map(Val::as_str).collect();
        assert_eq!(
            apps,
            vec![
                "django.contrib.auth",
                "shop.apps.ShopConfig",
                "extra",
                "blog"
            ]
        );
        let db = s.vars["DATABASES"].get("default").unwrap();
        assert_eq!(db.get("NAME").and_then(Val::as_str), Some("shop"));
        assert!(matches!(db.get("NAME"), Some(Val::Env { var, .. }) if var == "DB_NAME"));
        let base = read_settings(&tree, "", "mysite/settings/base.py");
        assert_eq!(base.vars["BASE_DIR"], Val::Path("mysite".into()));
        let tree = tree.with_file(
            "mysite/settings.py",
            "import os\nBASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\nDATABASES = {'default': {'NAME': os.path.join(BASE_DIR, 'db.sqlite3')}}\n",
        );
        let flat = read_settings(&tree, "", "mysite/settings.py");
        let name = flat.vars["DATABASES"].get("default").unwrap().get("NAME");
        assert_eq!(name, Some(&Val::Path("db.sqlite3".into())));
    }
}
