use super::*;
use crate::{
    Column, Framework, Migration, Rows, Site, TableShape, TrackedEntry, TrackingLocation, Value,
};
use crate::{
    Finding, History, HistoryProblem, MigrationId, Recognition, TrackingKind, TrackingState,
};

fn history(versions: &[(&str, bool)]) -> History {
    let mut h = History::new(Site::new(Framework::GolangMigrate, "db/migrations"));
    for (v, down) in versions {
        let mut m = Migration::new(*v, format!("m{v}"));
        m.files.push(format!("db/migrations/{v}_m.up.sql"));
        m.has_down = *down;
        h.migrations.push(m);
    }
    h
}

fn tracking(rows: &[(i64, bool)]) -> TrackingState {
    let mut t = TrackingState::absent(
        Framework::GolangMigrate,
        TrackingLocation::table("schema_migrations"),
        TrackingKind::Version {
            version: rows.first().map(|r| MigrationId(r.0.to_string())),
            dirty: rows.first().is_some_and(|r| r.1),
        },
    );
    t.present = true;
    t.shape = Some(TableShape {
        columns: vec![
            Column {
                name: "version".into(),
                data_type: "bigint".into(),
                nullable: false,
            },
            Column {
                name: "dirty".into(),
                data_type: "boolean".into(),
                nullable: false,
            },
        ],
        primary_key: vec!["version".into()],
        unique_indexes: vec![],
    });
    t.raw = Rows {
        columns: vec!["version".into(), "dirty".into()],
        rows: rows
            .iter()
            .map(|r| vec![Value::Int(r.0), Value::Bool(r.1)])
            .collect(),
    };
    t.entries = rows
        .iter()
        .enumerate()
        .map(|(i, r)| TrackedEntry {
            id: MigrationId(r.0.to_string()),
            dirty: r.1,
            row: i,
        })
        .collect();
    t
}

/// golang-migrate's table, not there.
fn absent_table() -> TrackingState {
    TrackingState::absent(
        Framework::GolangMigrate,
        TrackingLocation::table("schema_migrations"),
        TrackingKind::Version {
            version: None,
            dirty: false,
        },
    )
}

fn codes(f: &[Finding]) -> Vec<&str> {
    f.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn healthy_state_has_no_findings() {
    let h = history(&[("1", true), ("2", true)]);
    assert!(diagnose(&h, &tracking(&[(2, false)]), None).is_empty());
}

#[test]
fn dirty_names_version_and_both_choices() {
    let h = history(&[("1", true), ("2", true), ("3", true)]);
    let f = diagnose(&h, &tracking(&[(2, true)]), None);
    assert_eq!(codes(&f), vec!["dirty", "pending"]);
    assert_eq!(
        f[0].message,
        "Dirty database version 2. Fix and force version."
    );
    assert!(f[0]
        .evidence
        .iter()
        .any(|e| e.contains("force 2 if it fully ran, 1 if it did not")));
    assert_eq!(f[1].migrations, vec![MigrationId::from("3")]);
}

#[test]
fn dirty_first_version_offers_no_version() {
    let h = history(&[("1", true)]);
    let f = diagnose(&h, &tracking(&[(1, true)]), None);
    assert!(f[0].evidence.iter().any(|e| e.contains("-1 (no version)")));
}

#[test]
fn unknown_version_ahead_and_behind() {
    let h = history(&[("1", true), ("5", true)]);
    let f = diagnose(&h, &tracking(&[(9, false)]), None);
    assert_eq!(codes(&f), vec!["unknown-tracked"]);
    assert!(f[0].message.contains("ahead of the code"));
    let f = diagnose(&h, &tracking(&[(3, false)]), None);
    assert_eq!(codes(&f), vec!["unknown-tracked", "pending"]);
    assert!(f[0].message.contains("deleted or renamed"));
}

#[test]
fn versions_compare_numerically() {
    let h = history(&[("9", true), ("10", true)]);
    let f = diagnose(&h, &tracking(&[(100, false)]), None);
    assert!(f[0].message.contains("ahead"));
}

#[test]
fn missing_table_duplicates_and_missing_down() {
    let h = history(&[("1", false), ("2", true)]);
    let absent = absent_table();
    assert_eq!(
        codes(&diagnose(&h, &absent, None)),
        vec!["missing-down", "missing-tracking-table", "pending"]
    );
    let f = diagnose(&h, &tracking(&[(1, false), (2, false)]), None);
    assert_eq!(codes(&f), vec!["missing-down", "duplicate-rows", "pending"]);
}

#[test]
fn unrecognized_table_stops_tracking_findings() {
    let h = history(&[("1", true)]);
    let mut t = tracking(&[]);
    t.recognition = Recognition::Unrecognized {
        reason: "columns are (version varchar)".into(),
        likely_owner: Some("Rails or dbmate".into()),
    };
    let f = diagnose(&h, &t, None);
    assert_eq!(codes(&f), vec!["unrecognized-tracking-table"]);
    assert!(f[0].message.contains("Rails or dbmate"));
}

#[test]
fn history_problems_become_findings() {
    let mut h = history(&[("1", true)]);
    h.problems.push(HistoryProblem::Collision {
        id: "1".into(),
        files: vec!["a/1_x.up.sql".into(), "a/1_y.up.sql".into()],
    });
    h.problems.push(HistoryProblem::InvalidFile {
        file: "a/2_x.sql".into(),
        reason: "no .up./.down.".into(),
    });
    let f = diagnose(&h, &tracking(&[(1, false)]), None);
    assert_eq!(
        codes(&f),
        vec!["version-collision", "invalid-migration-file"]
    );
}

/// Three migrations each creating one table (t1, t2, t3), and a live schema holding `upto` of
/// them.
fn with_tables(upto: usize) -> (History, crate::LiveSchema) {
    let mut h = history(&[("1", true), ("2", true), ("3", true)]);
    for (i, m) in h.migrations.iter_mut().enumerate() {
        if i > 0 {
            m.parents.push(MigrationId::from(i.to_string().as_str()));
        }
        m.statements.push(crate::MigrationStatement {
            file: format!("{}_m.up.sql", i + 1),
            line: 1,
            sql: String::new(),
            kind: crate::StatementKind::Ddl,
            effects: vec![crate::SchemaEffect::CreateTable {
                table: crate::QName::new(format!("t{}", i + 1)),
                columns: vec![],
                constraints: vec![],
                if_not_exists: false,
            }],
        });
    }
    let mut live = crate::LiveSchema::empty(crate::Dialect::Postgres, "public");
    for i in 1..=upto {
        live.tables.push(crate::LiveTable {
            schema: "public".into(),
            name: format!("t{i}"),
            columns: vec![],
            indexes: vec![],
            constraints: vec![],
        });
    }
    (h, live)
}

#[test]
fn a_row_behind_the_schema_is_one_untracked_applied_finding() {
    let (h, live) = with_tables(3);
    let f = diagnose(&h, &tracking(&[(1, false)]), Some(&live));
    assert_eq!(codes(&f), vec!["untracked-applied"], "{f:?}");
    assert_eq!(
        f[0].migrations,
        vec![MigrationId::from("2"), MigrationId::from("3")]
    );
}

#[test]
fn a_missing_table_over_a_present_schema_is_an_error_and_never_pending() {
    let (h, live) = with_tables(2);
    let absent = absent_table();
    let f = diagnose(&h, &absent, Some(&live));
    assert_eq!(
        codes(&f),
        vec!["missing-tracking-table", "pending", "untracked-applied"],
        "{f:?}"
    );
    assert_eq!(f[0].severity, Severity::Error);
    assert!(
        f[0].evidence
            .iter()
            .any(|e| e.contains("apparent version 2")),
        "{f:?}"
    );
    // Only 3 is pending: the schema proves 1 and 2 ran.
    assert_eq!(f[1].migrations, vec![MigrationId::from("3")]);
    assert_eq!(
        f[2].migrations,
        vec![MigrationId::from("1"), MigrationId::from("2")]
    );
    // Nothing there yet: a new database, not an error.
    let (h, empty) = with_tables(0);
    let f = diagnose(&h, &absent, Some(&empty));
    assert_eq!(codes(&f), vec!["missing-tracking-table", "pending"]);
    assert_eq!(f[0].severity, Severity::Info);
}

#[test]
fn an_unknown_alembic_revision_is_one_finding_not_one_per_ancestor() {
    let mut h = History::new(Site::new(Framework::Alembic, "alembic"));
    let (linear, live) = with_tables(3);
    for (i, mut m) in linear.migrations.into_iter().enumerate() {
        m.parents = if i == 0 {
            vec![]
        } else {
            vec![MigrationId::from(i.to_string().as_str())]
        };
        h.migrations.push(m);
    }
    let mut t = TrackingState::absent(
        Framework::Alembic,
        TrackingLocation::table("alembic_version"),
        TrackingKind::Heads,
    );
    t.present = true;
    t.entries.push(TrackedEntry {
        id: MigrationId::from("30a419ca143e"),
        dirty: false,
        row: 0,
    });
    let f = diagnose(&h, &t, Some(&live));
    assert_eq!(codes(&f), vec!["unknown-tracked"], "{f:?}");
    assert!(f[0]
        .evidence
        .iter()
        .any(|e| e.contains("apparent version 3")));
}

fn ledger(ids: &[&str]) -> TrackingState {
    let mut t = TrackingState::absent(
        Framework::Django,
        TrackingLocation::table("django_migrations"),
        TrackingKind::Ledger,
    );
    t.present = true;
    t.entries = ids
        .iter()
        .enumerate()
        .map(|(i, id)| TrackedEntry {
            id: MigrationId::from(*id),
            dirty: false,
            row: i,
        })
        .collect();
    t
}

#[test]
fn ledger_reports_duplicates_unknown_rows_inconsistency_and_pending() {
    let mut h = History::new(Site::new(Framework::Django, "."));
    h.migrations
        .push(Migration::new("shop.0001_initial", "0001_initial"));
    h.migrations
        .push(Migration::new("shop.0002_price", "0002_price").with_parents(["shop.0001_initial"]));
    h.migrations
        .push(Migration::new("shop.0003_tax", "0003_tax").with_parents(["shop.0002_price"]));
    let t = ledger(&[
        "shop.0001_initial",
        "shop.0003_tax",
        "shop.0001_initial",
        "old.0001_gone",
    ]);
    let f = diagnose(&h, &t, None);
    let codes: Vec<FindingCode> = f.iter().map(|f| f.code).collect();
    assert_eq!(
        codes,
        vec![
            FindingCode::DuplicateRows,
            FindingCode::UnknownTracked,
            FindingCode::InconsistentHistory,
            FindingCode::Pending
        ],
        "{f:#?}"
    );
    assert_eq!(f[0].evidence, vec!["django_migrations rows 1, 3"]);
    assert_eq!(f[1].severity, Severity::Info);
    assert_eq!(
        f[2].message,
        "Migration shop.0003_tax is applied before its dependency shop.0002_price on database 'default'"
    );
    assert_eq!(f[3].migrations, vec![MigrationId::from("shop.0002_price")]);
}
