//! The contrib migrations (identical in Django 3.2 – 6.0), as read from the migration files.

use super::{ContribField, ContribM2m, ContribMigration, ContribOp};
use ContribOp::{AlterField, AlterUniqueTogether, CreateModel, NoSchema, RemoveField, RunPython};

const fn col(column: &'static str, internal_type: &'static str) -> ContribField {
    ContribField {
        column,
        internal_type,
        primary_key: false,
        unique: false,
        db_index: false,
        references: None,
    }
}

const fn id() -> ContribField {
    ContribField {
        primary_key: true,
        ..col("id", "AutoField")
    }
}

const fn unique(column: &'static str, internal_type: &'static str) -> ContribField {
    ContribField {
        unique: true,
        ..col(column, internal_type)
    }
}

const fn indexed(column: &'static str, internal_type: &'static str) -> ContribField {
    ContribField {
        db_index: true,
        ..col(column, internal_type)
    }
}

const fn fk(column: &'static str, table: &'static str) -> ContribField {
    ContribField {
        db_index: true,
        references: Some(table),
        ..col(column, "ForeignKey")
    }
}

const fn m2m(field: &'static str, to_model: &'static str, to_table: &'static str) -> ContribM2m {
    ContribM2m {
        field,
        to_model,
        to_table,
    }
}

const CT: &str = "django_content_type";

const ADMIN_0001: &[ContribOp] = &[CreateModel {
    model: "LogEntry",
    table: "django_admin_log",
    fields: &[
        id(),
        col("action_time", "DateTimeField"),
        col("object_id", "TextField"),
        col("object_repr", "CharField"),
        col("action_flag", "PositiveSmallIntegerField"),
        col("change_message", "TextField"),
        fk("content_type_id", CT),
        fk("user_id", "auth_user"),
    ],
    unique_together: &[],
    m2m: &[],
}];

/// Admin 0002 turns `auto_now` into a default: Django issues no statement that changes the
/// column (defaults stay in Python).
const ADMIN_0002: &[ContribOp] = &[AlterField {
    table: "django_admin_log",
    old: col("action_time", "DateTimeField"),
    new: col("action_time", "DateTimeField"),
}];

const AUTH_0001: &[ContribOp] = &[
    CreateModel {
        model: "Permission",
        table: "auth_permission",
        fields: &[
            id(),
            col("name", "CharField"),
            fk("content_type_id", CT),
            col("codename", "CharField"),
        ],
        unique_together: &[&["content_type_id", "codename"]],
        m2m: &[],
    },
    CreateModel {
        model: "Group",
        table: "auth_group",
        fields: &[id(), unique("name", "CharField")],
        unique_together: &[],
        m2m: &[m2m("permissions", "Permission", "auth_permission")],
    },
    CreateModel {
        model: "User",
        table: "auth_user",
        fields: &[
            id(),
            col("password", "CharField"),
            col("last_login", "DateTimeField"),
            col("is_superuser", "BooleanField"),
            unique("username", "CharField"),
            col("first_name", "CharField"),
            col("last_name", "CharField"),
            col("email", "EmailField"),
            col("is_staff", "BooleanField"),
            col("is_active", "BooleanField"),
            col("date_joined", "DateTimeField"),
        ],
        unique_together: &[],
        m2m: &[
            m2m("groups", "Group", "auth_group"),
            m2m("user_permissions", "Permission", "auth_permission"),
        ],
    },
];

/// An `AlterField` of a plain column (length or nullability).
const fn alter(table: &'static str, f: ContribField) -> ContribOp {
    AlterField {
        table,
        old: f,
        new: f,
    }
}

const AUTH_0002: &[ContribOp] = &[alter("auth_permission", col("name", "CharField"))];
const AUTH_0003: &[ContribOp] = &[alter("auth_user", col("email", "EmailField"))];
const AUTH_0005: &[ContribOp] = &[alter("auth_user", col("last_login", "DateTimeField"))];
const AUTH_0008: &[ContribOp] = &[alter("auth_user", unique("username", "CharField"))];
const AUTH_0009: &[ContribOp] = &[alter("auth_user", col("last_name", "CharField"))];
const AUTH_0010: &[ContribOp] = &[alter("auth_group", unique("name", "CharField"))];
const AUTH_0012: &[ContribOp] = &[alter("auth_user", col("first_name", "CharField"))];

const CONTENTTYPES_0001: &[ContribOp] = &[
    CreateModel {
        model: "ContentType",
        table: CT,
        fields: &[
            id(),
            col("name", "CharField"),
            col("app_label", "CharField"),
            col("model", "CharField"),
        ],
        unique_together: &[],
        m2m: &[],
    },
    AlterUniqueTogether {
        table: CT,
        columns: &["app_label", "model"],
    },
];

const CONTENTTYPES_0002: &[ContribOp] = &[
    NoSchema,
    alter(CT, col("name", "CharField")),
    RunPython,
    RemoveField {
        table: CT,
        column: "name",
    },
];

const FLATPAGES_0001: &[ContribOp] = &[CreateModel {
    model: "FlatPage",
    table: "django_flatpage",
    fields: &[
        id(),
        indexed("url", "CharField"),
        col("title", "CharField"),
        col("content", "TextField"),
        col("enable_comments", "BooleanField"),
        col("template_name", "CharField"),
        col("registration_required", "BooleanField"),
    ],
    unique_together: &[],
    m2m: &[m2m("sites", "Site", "django_site")],
}];

const REDIRECTS_0001: &[ContribOp] = &[CreateModel {
    model: "Redirect",
    table: "django_redirect",
    fields: &[
        id(),
        fk("site_id", "django_site"),
        indexed("old_path", "CharField"),
        col("new_path", "CharField"),
    ],
    unique_together: &[&["site_id", "old_path"]],
    m2m: &[],
}];

const SESSIONS_0001: &[ContribOp] = &[CreateModel {
    model: "Session",
    table: "django_session",
    fields: &[
        ContribField {
            primary_key: true,
            ..col("session_key", "CharField")
        },
        col("session_data", "TextField"),
        indexed("expire_date", "DateTimeField"),
    ],
    unique_together: &[],
    m2m: &[],
}];

const SITES_0001: &[ContribOp] = &[CreateModel {
    model: "Site",
    table: "django_site",
    fields: &[id(), col("domain", "CharField"), col("name", "CharField")],
    unique_together: &[],
    m2m: &[],
}];

const SITES_0002: &[ContribOp] = &[AlterField {
    table: "django_site",
    old: col("domain", "CharField"),
    new: unique("domain", "CharField"),
}];

/// (app, name, dependencies, operations).
type Row = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [ContribOp],
);

const ROWS: &[Row] = &[
    (
        "admin",
        "0001_initial",
        &[("auth", "__first__"), ("contenttypes", "__first__")],
        ADMIN_0001,
    ),
    (
        "admin",
        "0002_logentry_remove_auto_add",
        &[("admin", "0001_initial")],
        ADMIN_0002,
    ),
    (
        "admin",
        "0003_logentry_add_action_flag_choices",
        &[("admin", "0002_logentry_remove_auto_add")],
        &[NoSchema],
    ),
    (
        "auth",
        "0001_initial",
        &[("contenttypes", "__first__")],
        AUTH_0001,
    ),
    (
        "auth",
        "0002_alter_permission_name_max_length",
        &[("auth", "0001_initial")],
        AUTH_0002,
    ),
    (
        "auth",
        "0003_alter_user_email_max_length",
        &[("auth", "0002_alter_permission_name_max_length")],
        AUTH_0003,
    ),
    (
        "auth",
        "0004_alter_user_username_opts",
        &[("auth", "0003_alter_user_email_max_length")],
        &[NoSchema],
    ),
    (
        "auth",
        "0005_alter_user_last_login_null",
        &[("auth", "0004_alter_user_username_opts")],
        AUTH_0005,
    ),
    (
        "auth",
        "0006_require_contenttypes_0002",
        &[
            ("auth", "0005_alter_user_last_login_null"),
            ("contenttypes", "0002_remove_content_type_name"),
        ],
        &[],
    ),
    (
        "auth",
        "0007_alter_validators_add_error_messages",
        &[("auth", "0006_require_contenttypes_0002")],
        &[NoSchema],
    ),
    (
        "auth",
        "0008_alter_user_username_max_length",
        &[("auth", "0007_alter_validators_add_error_messages")],
        AUTH_0008,
    ),
    (
        "auth",
        "0009_alter_user_last_name_max_length",
        &[("auth", "0008_alter_user_username_max_length")],
        AUTH_0009,
    ),
    (
        "auth",
        "0010_alter_group_name_max_length",
        &[("auth", "0009_alter_user_last_name_max_length")],
        AUTH_0010,
    ),
    (
        "auth",
        "0011_update_proxy_permissions",
        &[
            ("auth", "0010_alter_group_name_max_length"),
            ("contenttypes", "0002_remove_content_type_name"),
        ],
        &[RunPython],
    ),
    (
        "auth",
        "0012_alter_user_first_name_max_length",
        &[("auth", "0011_update_proxy_permissions")],
        AUTH_0012,
    ),
    ("contenttypes", "0001_initial", &[], CONTENTTYPES_0001),
    (
        "contenttypes",
        "0002_remove_content_type_name",
        &[("contenttypes", "0001_initial")],
        CONTENTTYPES_0002,
    ),
    (
        "flatpages",
        "0001_initial",
        &[("sites", "0001_initial")],
        FLATPAGES_0001,
    ),
    (
        "redirects",
        "0001_initial",
        &[("sites", "0001_initial")],
        REDIRECTS_0001,
    ),
    (
        "redirects",
        "0002_alter_redirect_new_path_help_text",
        &[("redirects", "0001_initial")],
        &[NoSchema],
    ),
    ("sessions", "0001_initial", &[], SESSIONS_0001),
    ("sites", "0001_initial", &[], SITES_0001),
    (
        "sites",
        "0002_alter_domain_unique",
        &[("sites", "0001_initial")],
        SITES_0002,
    ),
];

/// Returns the migrations.
pub(super) fn migrations() -> Vec<ContribMigration> {
    ROWS.iter()
        .map(|&(app, name, deps, operations)| ContribMigration {
            app,
            name,
            dependencies: deps.to_vec(),
            operations,
        })
        .collect()
}
