//! Compatibility with real Django on PostgreSQL, MariaDB and SQLite: real `makemigrations` and
//! `migrate` make the state, it is broken as incidents break it, migdoctor repairs it, and
//! Django's own `migrate --check` and `showmigrations` agree afterwards.

use migdoctor_tests::{
    apply_playbook, codes, diagnose_json, dialects, django_python, Dialect, TestDb,
};
use std::path::PathBuf;
use std::process::Command;

pub(crate) struct DjangoProject {
    pub(crate) dir: tempfile::TempDir,
    python: PathBuf,
}

pub(crate) fn database_settings(db: &TestDb) -> String {
    match db.dialect {
        Dialect::Sqlite => format!(
            "{{'ENGINE': 'django.db.backends.sqlite3', 'NAME': {:?}}}",
            db.name
        ),
        Dialect::Postgres => format!(
            "{{'ENGINE': 'django.db.backends.postgresql', 'NAME': {:?}, 'USER': 'postgres', 'HOST': '127.0.0.1', 'PORT': '5432'}}",
            db.name
        ),
        Dialect::Mysql => format!(
            "{{'ENGINE': 'django.db.backends.mysql', 'NAME': {:?}, 'USER': 'root', 'HOST': '127.0.0.1', 'PORT': '3306'}}",
            db.name
        ),
    }
}

const SHOP_V1: &str = "from django.db import models\n\nclass Tag(models.Model):\n    label = models.CharField(max_length=40, unique=True)\n\nclass Product(models.Model):\n    name = models.CharField(max_length=100, db_index=True)\n    sku = models.SlugField(unique=True)\n    tags = models.ManyToManyField(Tag)\n";
const SHOP_V2: &str = "from django.db import models\n\nclass Tag(models.Model):\n    label = models.CharField(max_length=40, unique=True)\n\nclass Product(models.Model):\n    name = models.CharField(max_length=100, db_index=True)\n    sku = models.SlugField(unique=True)\n    tags = models.ManyToManyField(Tag)\n    price = models.IntegerField(default=0)\n\n    class Meta:\n        unique_together = [('name', 'price')]\n";
const ACCOUNTS: &str = "from django.contrib.auth.models import AbstractUser\nfrom django.db import models\n\nclass User(AbstractUser):\n    nickname = models.CharField(max_length=30, blank=True)\n";
const BLOG_RUNSQL: &str = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('blog', '0001_initial')]\n    operations = [\n        migrations.RunSQL('CREATE INDEX blog_post_title_idx ON blog_post (title)', reverse_sql='DROP INDEX blog_post_title_idx'),\n    ]\n";
const BLOG_V1: &str = "from django.conf import settings\nfrom django.db import models\n\nclass Post(models.Model):\n    title = models.CharField(max_length=200)\n    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)\n    product = models.ForeignKey('shop.Product', on_delete=models.CASCADE, related_name='posts')\n    body = models.TextField(default='')\n";

impl DjangoProject {
    pub(crate) fn new(python: PathBuf, db: &TestDb) -> DjangoProject {
        let dir = tempfile::tempdir().unwrap();
        let w = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("manage.py", "#!/usr/bin/env python\nimport os, sys\n\nif __name__ == '__main__':\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings')\n    from django.core.management import execute_from_command_line\n    execute_from_command_line(sys.argv)\n");
        w("conf/__init__.py", "");
        w(
            "conf/settings.py",
            &format!(
                "import pymysql\npymysql.version_info = (2, 2, 1, 'final', 0)\npymysql.install_as_MySQLdb()\nSECRET_KEY = 'test'\nUSE_TZ = True\nDEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\nINSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth', 'accounts', 'shop.apps.ShopConfig', 'blog']\nAUTH_USER_MODEL = 'accounts.User'\nDATABASES = {{'default': {}}}\n",
                database_settings(db)
            ),
        );
        for app in ["shop", "blog", "accounts"] {
            w(&format!("{app}/__init__.py"), "");
        }
        w("shop/apps.py", "from django.apps import AppConfig\n\nclass ShopConfig(AppConfig):\n    name = 'shop'\n");
        let p = DjangoProject { dir, python };
        p.write("accounts/models.py", ACCOUNTS);
        p.manage(&["makemigrations", "accounts"]);
        p.write("shop/models.py", SHOP_V1);
        p.write("blog/models.py", "");
        p.manage(&["makemigrations", "shop"]);
        p.write("shop/models.py", SHOP_V2);
        p.manage(&["makemigrations", "shop"]);
        p.write("blog/models.py", BLOG_V1);
        p.manage(&["makemigrations", "blog"]);
        p.write("blog/migrations/0002_title_index.py", BLOG_RUNSQL);
        p
    }

    pub(crate) fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.dir.path().join(rel), text).unwrap();
    }

    pub(crate) fn path(&self) -> String {
        self.dir.path().display().to_string()
    }

    pub(crate) fn run(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new(&self.python)
            .arg("manage.py")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("python runs");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    pub(crate) fn manage(&self, args: &[&str]) -> String {
        let (ok, text) = self.run(args);
        assert!(ok, "manage.py {args:?}: {text}");
        text
    }

    /// Returns whether `migrate --check` says nothing is left to do.
    pub(crate) fn check(&self) -> (bool, String) {
        self.run(&["migrate", "--check"])
    }

    /// Returns `showmigrations --list` lines that are applied.
    pub(crate) fn applied(&self) -> Vec<String> {
        let text = self.manage(&["showmigrations", "--list"]);
        let mut app = String::new();
        let mut out = Vec::new();
        for line in text.lines() {
            if !line.starts_with(' ') {
                app = line.trim().to_string();
            } else if let Some(name) = line.trim().strip_prefix("[X] ") {
                out.push(format!("{app}.{name}"));
            }
        }
        out
    }
}

pub(crate) fn setup(dialect: Dialect) -> Option<(TestDb, DjangoProject)> {
    let python = django_python()?;
    let db = TestDb::create(dialect)?;
    let p = DjangoProject::new(python, &db);
    p.manage(&["migrate"]);
    Some((db, p))
}

pub(crate) fn serious(v: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for f in v["sites"][0]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(v["database_findings"].as_array().into_iter().flatten())
    {
        if f["severity"] != "info" {
            out.push(format!("{}: {}", f["code"], f["message"]));
        }
    }
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn a_healthy_django_database_has_no_findings_and_every_repair_satisfies_migrate_check() {
    for dialect in dialects() {
        let Some((db, p)) = setup(dialect) else {
            return;
        };
        let path = p.path();
        let (code, v) = diagnose_json(&path, &db.url);
        assert!(
            serious(&v).is_empty(),
            "{dialect}: healthy after a real migrate: {v}"
        );
        assert_eq!(code, 0, "{dialect}: {v}");
        let healthy = sorted(p.applied());
        assert!(
            healthy.contains(&"accounts.0001_initial".to_string())
                && healthy.contains(&"auth.0012_alter_user_first_name_max_length".to_string()),
            "{healthy:?}"
        );

        // django_migrations lost in a restore.
        db.exec("DROP TABLE django_migrations");
        let (_, v) = diagnose_json(&path, &db.url);
        assert!(
            codes(&v).contains(&"missing-tracking-table".to_string()),
            "{dialect}: {v}"
        );
        apply_playbook(&path, &db.url, "django/rebuild-tracking");
        let (ok, text) = p.check();
        assert!(ok, "{dialect}: migrate --check after rebuild: {text}");
        assert_eq!(sorted(p.applied()), healthy, "{dialect}");

        // A dependency's row deleted: InconsistentMigrationHistory.
        db.exec("DELETE FROM django_migrations WHERE app = 'shop' AND name LIKE '0002%'");
        let (ok, text) = p.run(&["migrate"]);
        assert!(
            !ok && text.contains("InconsistentMigrationHistory"),
            "{dialect}: {text}"
        );
        let (_, v) = diagnose_json(&path, &db.url);
        assert!(
            codes(&v).contains(&"inconsistent-history".to_string()),
            "{dialect}: {v}"
        );
        apply_playbook(&path, &db.url, "django/fix-inconsistent");
        let (ok, text) = p.check();
        assert!(
            ok,
            "{dialect}: migrate --check after fix-inconsistent: {text}"
        );

        // Duplicate rows after a restore.
        db.exec("INSERT INTO django_migrations (app, name, applied) SELECT app, name, applied FROM django_migrations WHERE app = 'blog'");
        let (_, v) = diagnose_json(&path, &db.url);
        assert!(
            codes(&v).contains(&"duplicate-rows".to_string()),
            "{dialect}: {v}"
        );
        apply_playbook(&path, &db.url, "django/dedupe");
        assert_eq!(
            db.text(if dialect == Dialect::Mysql {
                "SELECT CAST(COUNT(*) AS CHAR) FROM django_migrations"
            } else {
                "SELECT CAST(COUNT(*) AS TEXT) FROM django_migrations"
            })
            .as_deref(),
            Some(healthy.len().to_string().as_str()),
            "{dialect}"
        );

        // Rows lost while the schema stayed: the next migrate would fail with "already exists".
        db.exec("DELETE FROM django_migrations WHERE app = 'blog'");
        let (_, v) = diagnose_json(&path, &db.url);
        assert!(
            codes(&v).contains(&"untracked-applied".to_string()),
            "{dialect}: {v}"
        );
        apply_playbook(&path, &db.url, "django/fake");
        let (ok, text) = p.check();
        assert!(ok, "{dialect}: migrate --check after fake: {text}");
        assert_eq!(sorted(p.applied()), healthy, "{dialect}");
        let (code, v) = diagnose_json(&path, &db.url);
        assert!(serious(&v).is_empty(), "{dialect}: {v}");
        assert_eq!(code, 0);
    }
}
