//! Django incidents beyond the tracking table: two leaf nodes in one app, a squash half
//! recorded during the transition, and files Django itself rejects — each checked against
//! what real Django does.

use crate::django::{serious, setup};
use migdoctor_tests::{cli, codes, diagnose_json, dialects, finding, Dialect};

const LEAF: &str = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('shop', '0002_product_price_alter_product_unique_together')]\n    operations = [\n        migrations.AddField(model_name='product', name='{field}', field=models.IntegerField(default=0)),\n    ]\n";

#[test]
fn two_leaf_nodes_get_the_merge_migration_django_would_write() {
    let Some((db, p)) = setup(Dialect::Sqlite) else {
        return;
    };
    p.write(
        "shop/migrations/0003_stock.py",
        &LEAF.replace("{field}", "stock"),
    );
    p.write(
        "shop/migrations/0003_weight.py",
        &LEAF.replace("{field}", "weight"),
    );
    let (ok, text) = p.run(&["migrate"]);
    assert!(
        !ok && text.contains("Conflicting migrations detected"),
        "{text}"
    );
    let (code, v) = diagnose_json(&p.path(), &db.url);
    assert_eq!(code, 1, "{v}");
    let f = finding(&v, "multiple-heads");
    assert_eq!(
        f["message"],
        "Conflicting migrations detected; multiple leaf nodes in the migration graph: (0003_stock, 0003_weight in shop).",
        "the message is Django's own"
    );
    let (code, out, err) = cli(&[
        "plan",
        &p.path(),
        "django/merge",
        "--db",
        &db.url,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        plan["steps"].as_array().unwrap().is_empty(),
        "advice writes nothing"
    );
    let advice = plan["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_str())
        .find(|e| e.contains("makemigrations --merge"))
        .expect("the merge file")
        .to_string();
    assert!(
        advice.contains("/0004_merge_0003_stock_0003_weight.py"),
        "{advice}"
    );
    let file = &advice[advice.find('\n').unwrap() + 1..];
    // The same file Django writes, up to the generation time in its header.
    let (_, dry) = p.run(&[
        "makemigrations",
        "--merge",
        "--noinput",
        "--dry-run",
        "-v",
        "3",
    ]);
    let body = |t: &str| {
        t[t.find("from django.db").unwrap()..]
            .trim_end()
            .to_string()
    };
    assert_eq!(body(file), body(&dry), "{dry}");
    p.write("shop/migrations/0004_merge_0003_stock_0003_weight.py", file);
    p.manage(&["migrate"]);
    let (code, v) = diagnose_json(&p.path(), &db.url);
    assert!(serious(&v).is_empty(), "{v}");
    assert_eq!(code, 0);
}

#[test]
fn a_half_recorded_squash_uses_the_originals_as_django_does() {
    for dialect in dialects() {
        let Some((db, p)) = setup(dialect) else {
            return;
        };
        p.manage(&["squashmigrations", "shop", "0002", "--noinput"]);
        let squash = "0001_squashed_0002_product_price_alter_product_unique_together";
        let (code, v) = diagnose_json(&p.path(), &db.url);
        // Every replaced migration is recorded: Django counts the squash as applied.
        assert!(serious(&v).is_empty(), "{dialect}: {v}");
        assert_eq!(code, 0);
        // The transition interrupted: the second original's row is lost.
        db.exec("DELETE FROM django_migrations WHERE app = 'shop' AND name LIKE '0002%'");
        let (_, v) = diagnose_json(&p.path(), &db.url);
        let c = codes(&v);
        assert!(c.contains(&"partial".to_string()), "{dialect}: {v}");
        let half = v["sites"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "partial")
            .unwrap();
        assert!(
            half["message"]
                .as_str()
                .unwrap()
                .contains(&format!("shop.{squash} is half recorded")),
            "{half}"
        );
        assert!(
            c.contains(&"untracked-applied".to_string()),
            "{dialect}: {v}"
        );
        migdoctor_tests::apply_playbook(&p.path(), &db.url, "django/fake");
        let (ok, text) = p.check();
        assert!(ok, "{dialect}: {text}");
        // Django's own next migrate records the squash row (check_replacements).
        p.manage(&["migrate"]);
        let rows = db
            .text(&format!(
                "SELECT name FROM django_migrations WHERE name = '{squash}'"
            ))
            .unwrap_or_default();
        assert_eq!(rows, squash, "{dialect}");
        let (code, v) = diagnose_json(&p.path(), &db.url);
        assert!(serious(&v).is_empty(), "{dialect}: {v}");
        assert_eq!(code, 0);
    }
}

#[test]
fn files_django_rejects_are_named_and_nothing_is_written() {
    let Some((db, p)) = setup(Dialect::Sqlite) else {
        return;
    };
    let before = db.dump("django_migrations");
    p.write("shop/migrations/0003_broken.py", "class Migration(:\n");
    p.write(
        "shop/migrations/0004_elsewhere.py",
        "from django.db import migrations\nclass Migration(migrations.Migration):\n    dependencies = [('billing', '0001_initial'), ('shop', '0003_broken')]\n    operations = []\n",
    );
    std::fs::create_dir_all(p.dir.path().join("blog/migrations_extra")).unwrap();
    let (ok, text) = p.run(&["migrate"]);
    assert!(!ok, "Django refuses too: {text}");
    let (code, v) = diagnose_json(&p.path(), &db.url);
    assert_eq!(code, 1, "{v}");
    let all = v.to_string();
    assert!(all.contains("shop/migrations/0003_broken.py"), "{v}");
    assert!(all.contains("not valid Python"), "{v}");
    assert!(
        codes(&v).contains(&"dangling-dependency".to_string()),
        "{v}"
    );
    assert!(all.contains("billing.0001_initial"), "{v}");
    // A migrations folder without __init__.py: Django ignores the app's migrations.
    std::fs::remove_file(p.dir.path().join("shop/migrations/0003_broken.py")).unwrap();
    std::fs::remove_file(p.dir.path().join("shop/migrations/0004_elsewhere.py")).unwrap();
    std::fs::remove_file(p.dir.path().join("blog/migrations/__init__.py")).unwrap();
    let (_, v) = diagnose_json(&p.path(), &db.url);
    assert!(v.to_string().contains("has no __init__.py"), "{v}");
    // An empty name in django_migrations is a row no file defines, told as such.
    db.exec("INSERT INTO django_migrations (app, name, applied) VALUES ('shop', '', '2026-01-01 00:00:00')");
    let (_, v) = diagnose_json(&p.path(), &db.url);
    assert!(codes(&v).contains(&"unknown-tracked".to_string()), "{v}");
    db.exec("DELETE FROM django_migrations WHERE name = ''");
    assert_eq!(
        db.dump("django_migrations"),
        before,
        "diagnose wrote nothing"
    );
}
