//! Statements migdoctor cannot read as a whole: which earlier expectations they may
//! overturn, and which live objects they may explain.

use super::{Owner, Replay};
use crate::evidence::ObjectKey;
use crate::SchemaEffect;
use std::collections::HashMap;

/// Returns the words (identifier-like runs, lower case) of a statement's text, strings and
/// dollar-quoted bodies included: the names a statement migdoctor cannot read may touch.
fn text_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
}

impl Replay<'_> {
    /// Records a statement migdoctor could not read as a whole. When its inside could be read
    /// (`inner`: the DDL of a `DO` block), the names it may create or remove make later
    /// checks of those names uncertain; otherwise every name it mentions does. Either way
    /// they explain live objects of those names.
    pub(crate) fn opaque(&mut self, text: &str, inner: &[SchemaEffect], owner: Owner) {
        let readable = !inner.is_empty()
            && !inner
                .iter()
                .any(|e| matches!(e, SchemaEffect::Opaque { .. }));
        if !readable {
            for w in text_words(text) {
                self.opaque_words.insert(w, owner);
            }
            return;
        }
        let create = |r: &mut Self, n: &str| {
            r.may_create.insert(n.to_lowercase(), owner);
        };
        let remove = |r: &mut Self, n: &str| {
            r.may_remove.insert(n.to_lowercase(), owner);
        };
        for e in inner {
            match e {
                SchemaEffect::CreateTable {
                    table,
                    columns,
                    constraints,
                    ..
                } => {
                    create(self, &table.name);
                    for c in columns {
                        create(self, c);
                    }
                    for c in constraints.iter().filter_map(|c| c.name.as_deref()) {
                        create(self, c);
                    }
                }
                SchemaEffect::AddColumn { column, .. } => create(self, column),
                SchemaEffect::CreateIndex { index, .. } => create(self, &index.name),
                SchemaEffect::AddConstraint { name: Some(n), .. } => create(self, n),
                SchemaEffect::CreateSchema { name } => create(self, name),
                SchemaEffect::CreateType { name }
                | SchemaEffect::CreateSequence { name, .. }
                | SchemaEffect::CreateFunction { name } => create(self, &name.name),
                SchemaEffect::CreateView { view } => create(self, &view.name),
                SchemaEffect::DropTable { table, .. } => remove(self, &table.name),
                SchemaEffect::DropColumn { column, .. } => remove(self, column),
                SchemaEffect::DropIndex { index, .. } => remove(self, &index.name),
                SchemaEffect::DropConstraint { name, .. } => remove(self, name),
                SchemaEffect::DropObject { name, .. } => remove(self, &name.name),
                SchemaEffect::RenameTable { from, to } => {
                    remove(self, &from.name);
                    create(self, &to.name);
                }
                SchemaEffect::RenameIndex { from, to, .. } => {
                    remove(self, &from.name);
                    create(self, &to.name);
                }
                SchemaEffect::RenameColumn { from, to, .. }
                | SchemaEffect::RenameConstraint { from, to, .. } => {
                    remove(self, from);
                    create(self, to);
                }
                _ => {}
            }
        }
    }

    /// Returns the statement after `owner` that may have overturned the expectation that
    /// `key` is present (`want`) or absent: one whose inside may remove (or create) an object
    /// of that name, or one not understood at all that mentions it.
    pub(crate) fn overturned_by(&self, key: &ObjectKey, want: bool, owner: Owner) -> Option<Owner> {
        let later = |m: &HashMap<String, Owner>, name: &str| {
            m.get(&name.to_lowercase())
                .copied()
                .filter(|o| o.seq > owner.seq)
        };
        let table = match key {
            ObjectKey::Column { table, .. } | ObjectKey::Constraint { table, .. } => Some(table),
            ObjectKey::Index { table, .. } => table.as_ref(),
            _ => None,
        };
        let precise = if want {
            later(&self.may_remove, key.name())
                .or_else(|| table.and_then(|t| later(&self.may_remove, t)))
        } else {
            later(&self.may_create, key.name())
        };
        precise.or_else(|| later(&self.opaque_words, key.name()))
    }
}
