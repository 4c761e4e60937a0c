//! The operations after CreateModel: each changes the generator's model state as Django's
//! state would change and returns the operation as `makemigrations` writes it, with a slug for
//! the migration name; `None` when the chosen model has nothing it applies to.

use super::*;

impl Gen {
    pub(super) fn add_field(&mut self, m: usize) -> Option<(String, String)> {
        let f = self.new_field(m, true);
        let app = self.models[m].app;
        self.deps_of(f.kind, app);
        let text = format!(
            "        migrations.AddField(\n            model_name='{}',\n            name='{}',\n            field={},\n        ),\n",
            self.lower(m),
            f.name,
            self.field_py(&f)
        );
        let slug = format!("{}_{}", self.lower(m), f.name);
        self.models[m].fields.push(f);
        Some((text, slug))
    }

    pub(super) fn pick_field(&mut self, m: usize, ok: impl Fn(&Field) -> bool) -> Option<usize> {
        let cands: Vec<usize> = (0..self.models[m].fields.len())
            .filter(|&i| {
                let f = &self.models[m].fields[i];
                ok(f) && !self.used(m, &f.name)
            })
            .collect();
        (!cands.is_empty()).then(|| *self.rng.pick(&cands))
    }

    pub(super) fn remove_field(&mut self, m: usize) -> Option<(String, String)> {
        let i = self.pick_field(m, |_| true)?;
        let f = self.models[m].fields.remove(i);
        Some((
            format!(
                "        migrations.RemoveField(\n            model_name='{}',\n            name='{}',\n        ),\n",
                self.lower(m),
                f.name
            ),
            format!("remove_{}_{}", self.lower(m), f.name),
        ))
    }

    pub(super) fn rename_field(&mut self, m: usize) -> Option<(String, String)> {
        // KNOWN BUGS (reported): RenameField of a ManyToManyField renames its table, and on
        // MySQL RenameField of a foreign key makes Django add the constraint again under a
        // name from the new column; migdoctor expects the old names in both cases.
        let (all, d) = (known_bugs(), self.d);
        let i = self.pick_field(m, |f| match f.kind {
            Kind::M2m(_) => all,
            Kind::Fk(_) | Kind::O2o(_) => all || d != Dialect::Mysql,
            _ => true,
        })?;
        let base = *self.rng.pick(&FIELDS);
        let to = self.fresh(&format!("{base}_"));
        let here = self.here();
        let f = &mut self.models[m].fields[i];
        let from = std::mem::replace(&mut f.name, to.clone());
        f.origin = here;
        Some((
            format!(
                "        migrations.RenameField(\n            model_name='{}',\n            old_name='{from}',\n            new_name='{to}',\n        ),\n",
                self.lower(m)
            ),
            format!("rename_{from}_{}_{to}", self.lower(m)),
        ))
    }

    pub(super) fn alter_field(&mut self, m: usize) -> Option<(String, String)> {
        let i = self.pick_field(m, |f| {
            !f.pinned && !matches!(f.kind, Kind::M2m(_) | Kind::Text)
        })?;
        let r = self.rng.below(3);
        let f = &mut self.models[m].fields[i];
        match (f.kind, r) {
            (Kind::Char(n), 0) => f.kind = Kind::Char(if n == 255 { 100 } else { 255 }),
            (Kind::Char(_) | Kind::Int | Kind::Slug, 1) => f.db_index = !f.db_index,
            (Kind::Char(_) | Kind::Int | Kind::Slug, _) => f.unique = !f.unique,
            (Kind::Fk(_) | Kind::O2o(_), _) => f.null = !f.null,
            _ => return None,
        }
        let (kind, app) = (self.models[m].fields[i].kind, self.models[m].app);
        self.deps_of(kind, app);
        let f = &self.models[m].fields[i];
        Some((
            format!(
                "        migrations.AlterField(\n            model_name='{}',\n            name='{}',\n            field={},\n        ),\n",
                self.lower(m),
                f.name,
                self.field_py(f)
            ),
            format!("alter_{}_{}", self.lower(m), f.name),
        ))
    }

    pub(super) fn rename_model(&mut self, m: usize) -> Option<(String, String)> {
        self.deps_on_referrers(m);
        let word = *self.rng.pick(&WORDS);
        let to = self.fresh(word);
        let from = std::mem::replace(&mut self.models[m].name, to.clone());
        let here = self.here();
        self.models[m].origin = here;
        Some((
            format!(
                "        migrations.RenameModel(\n            old_name='{from}',\n            new_name='{to}',\n        ),\n"
            ),
            format!("rename_{}_{}", from.to_lowercase(), to.to_lowercase()),
        ))
    }

    pub(super) fn delete_model(&mut self, m: usize) -> Option<(String, String)> {
        let referenced = self.models.iter().any(|x| {
            x.alive
                && x.fields.iter().any(|f| {
                    matches!(f.kind, Kind::Fk(Target::Model(t)) | Kind::O2o(Target::Model(t)) | Kind::M2m(Target::Model(t)) if t == m)
                })
        });
        if referenced {
            return None;
        }
        self.deps_on_referrers(m);
        self.models[m].alive = false;
        let name = self.models[m].name.clone();
        Some((
            format!("        migrations.DeleteModel(\n            name='{name}',\n        ),\n"),
            format!("delete_{}", name.to_lowercase()),
        ))
    }

    pub(super) fn add_index(&mut self, m: usize) -> Option<(String, String)> {
        let plain = self.plain(m);
        if plain.is_empty() {
            return None;
        }
        let k = 1 + self.rng.below(2.min(plain.len()));
        let cols = self.rng.sample(&plain, k);
        let app = self.models[m].app;
        let name = self.fresh(&format!("{}_ix", &self.apps[app][..3]));
        let text = format!(
            "        migrations.AddIndex(\n            model_name='{}',\n            index=models.Index(fields={cols:?}, name='{name}'),\n        ),\n",
            self.lower(m)
        );
        let here = self.here();
        self.models[m].indexes.push((name.clone(), cols, here));
        Some((text, format!("{}_{name}", self.lower(m))))
    }

    pub(super) fn remove_index(&mut self, m: usize) -> Option<(String, String)> {
        if self.models[m].indexes.is_empty() {
            return None;
        }
        let i = self.rng.below(self.models[m].indexes.len());
        let (name, _, _) = self.models[m].indexes.remove(i);
        Some((
            format!(
                "        migrations.RemoveIndex(\n            model_name='{}',\n            name='{name}',\n        ),\n",
                self.lower(m)
            ),
            format!("remove_{}_{name}", self.lower(m)),
        ))
    }

    pub(super) fn together(&mut self, m: usize) -> Option<(String, String)> {
        let plain = self.plain(m);
        let value = if self.models[m].together.is_some() || plain.len() < 2 {
            self.models[m].together = None;
            "set()".to_string()
        } else {
            let pair = self.rng.sample(&plain, 2);
            self.models[m].together = Some((pair[0].clone(), pair[1].clone()));
            format!("{{('{}', '{}')}}", pair[0], pair[1])
        };
        Some((
            format!(
                "        migrations.AlterUniqueTogether(\n            name='{}',\n            unique_together={value},\n        ),\n",
                self.lower(m)
            ),
            format!("alter_{}_unique_together", self.lower(m)),
        ))
    }

    pub(super) fn table(&self, m: usize) -> String {
        format!("{}_{}", self.apps[self.models[m].app], self.lower(m))
    }

    /// RunSQL: an index made by hand (not on SQLite, whose table rebuilds drop indexes Django
    /// does not know), or a data statement.
    pub(super) fn run_sql(&mut self, m: usize) -> Option<(String, String)> {
        let table = self.table(m);
        let col = self.models[m]
            .fields
            .iter()
            .position(|f| matches!(f.kind, Kind::Char(_) | Kind::Int) && !f.pinned);
        let (sql, reverse) = match col {
            Some(i) if self.d != Dialect::Sqlite && self.rng.chance(60) => {
                let name = self.fresh("hand_ix");
                let f = &mut self.models[m].fields[i];
                f.pinned = true;
                let sql = format!("CREATE INDEX {name} ON {table} ({})", f.name);
                let rev = match self.d {
                    Dialect::Mysql => format!("DROP INDEX {name} ON {table}"),
                    _ => format!("DROP INDEX {name}"),
                };
                let here = self.here();
                self.models[m].hand.push((name, here));
                (sql, format!("'{rev}'"))
            }
            _ => (
                format!("UPDATE {table} SET id = id WHERE id < 0"),
                "migrations.RunSQL.noop".into(),
            ),
        };
        Some((
            format!("        migrations.RunSQL(\n            sql='{sql}',\n            reverse_sql={reverse},\n        ),\n"),
            format!("sql_{}", self.lower(m)),
        ))
    }
}
