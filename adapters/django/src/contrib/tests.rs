use super::*;

fn names(d: Dialect) -> Vec<String> {
    let ms = contrib_migrations((5, 2)).unwrap();
    ms.iter()
        .flat_map(|m| effects(m, d))
        .filter_map(|e| match e {
            SchemaEffect::CreateIndex { index, .. } => Some(index.name),
            SchemaEffect::AddConstraint { name, .. } => name,
            _ => None,
        })
        .collect()
}

#[test]
fn versions_and_dependencies() {
    assert!(contrib_migrations((3, 1)).is_none());
    assert!(contrib_migrations((9, 9)).is_none());
    assert_eq!(latest_known(), (6, 0));
    let ms = contrib_migrations(latest_known()).unwrap();
    assert_eq!(ms.len(), 23);
    assert_eq!(ms, contrib_migrations((3, 2)).unwrap());
    for m in &ms {
        assert!(contrib_apps().contains(&m.app));
        for (app, name) in &m.dependencies {
            assert!(
                *name == "__first__" || ms.iter().any(|x| x.app == *app && x.name == *name),
                "{}.{} depends on unknown {app}.{name}",
                m.app,
                m.name
            );
        }
    }
}

#[test]
fn postgres_names_of_well_known_objects() {
    let n = names(Dialect::Postgres);
    for want in [
        "auth_user_username_key",
        "auth_user_username_6821ab7c_like",
        "auth_group_name_key",
        "auth_group_name_a6ea08ec_like",
        "django_session_session_key_c0390e0f_like",
        "django_session_expire_date_a5c62663",
        "django_site_domain_a2e37b91_uniq",
        "django_site_domain_a2e37b91_like",
        "django_admin_log_action_flag_check",
        "django_admin_log_user_id_c564eba6_fk_auth_user_id",
        "django_content_type_app_label_model_76bd3d3b_uniq",
        "auth_user_groups_user_id_group_id_94350c0c_uniq",
    ] {
        assert!(n.iter().any(|x| x == want), "{want} missing from {n:?}");
    }
}

#[test]
fn mysql_names_innodb_foreign_key_indexes() {
    let n = names(Dialect::Mysql);
    // auth_permission's unique key starts with content_type_id: no index of its own.
    assert_eq!(
        n.iter()
            .filter(|x| *x == "auth_permission_content_type_id_2f476e4b_fk_django_co")
            .count(),
        1
    );
    assert!(n.iter().any(|x| x == "username"));
}
