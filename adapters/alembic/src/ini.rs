//! Just enough of Python's `configparser` (BasicInterpolation) to read `alembic.ini`.

use std::collections::BTreeMap;

/// Returns nothing; a parsed INI file: section → key → raw value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ini {
    /// Sections (keys lower-cased as configparser does).
    pub sections: BTreeMap<String, BTreeMap<String, String>>,
}

impl Ini {
    /// Returns the parsed text. Continuation lines (indented) join the previous value with a
    /// newline; `#` and `;` start comment lines.
    pub fn parse(text: &str) -> Ini {
        let mut ini = Ini::default();
        let mut section = String::from("DEFAULT");
        let mut last_key: Option<String> = None;
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
                if trimmed.is_empty() {
                    last_key = None;
                }
                continue;
            }
            if line.starts_with([' ', '\t']) {
                if let Some(k) = &last_key {
                    if let Some(v) = ini.sections.get_mut(&section).and_then(|s| s.get_mut(k)) {
                        if !v.is_empty() {
                            v.push('\n');
                        }
                        v.push_str(trimmed);
                    }
                }
                continue;
            }
            if trimmed.starts_with('[') && trimmed.ends_with(']') {
                section = trimmed[1..trimmed.len() - 1].trim().to_string();
                ini.sections.entry(section.clone()).or_default();
                last_key = None;
                continue;
            }
            let split = trimmed.find(['=', ':']);
            if let Some(i) = split {
                let key = trimmed[..i].trim().to_lowercase();
                let value = trimmed[i + 1..].trim().to_string();
                ini.sections
                    .entry(section.clone())
                    .or_default()
                    .insert(key.clone(), value);
                last_key = Some(key);
            }
        }
        ini
    }

    /// Returns the interpolated value of `key` in `section` (then `DEFAULT`), with `extra`
    /// values (Alembic passes `here`) available to `%(name)s`; an unknown name is an error
    /// naming it.
    pub fn get(
        &self,
        section: &str,
        key: &str,
        extra: &BTreeMap<String, String>,
    ) -> Option<Result<String, String>> {
        let raw = self.lookup(section, key)?;
        Some(self.interpolate(section, raw, extra, 0))
    }

    fn lookup(&self, section: &str, key: &str) -> Option<&String> {
        let key = key.to_lowercase();
        self.sections
            .get(section)
            .and_then(|s| s.get(&key))
            .or_else(|| self.sections.get("DEFAULT").and_then(|s| s.get(&key)))
    }

    fn interpolate(
        &self,
        section: &str,
        raw: &str,
        extra: &BTreeMap<String, String>,
        depth: usize,
    ) -> Result<String, String> {
        if depth > 10 {
            return Err(format!("interpolation nests too deeply in {raw:?}"));
        }
        let mut out = String::new();
        let mut rest = raw;
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(r) = after.strip_prefix('%') {
                out.push('%');
                rest = r;
            } else if let Some(r) = after.strip_prefix('(') {
                let Some(end) = r.find(")s") else {
                    return Err(format!("bad interpolation syntax in {raw:?}"));
                };
                let name = r[..end].to_lowercase();
                let value = match extra.get(&name) {
                    Some(v) => v.clone(),
                    None => match self.lookup(section, &name) {
                        Some(v) => self.interpolate(section, v, extra, depth + 1)?,
                        None => return Err(format!("%({name})s cannot be resolved (no option {name:?} in [{section}] or [DEFAULT])")),
                    },
                };
                out.push_str(&value);
                rest = &r[end + 2..];
            } else {
                return Err(format!("'%' must be followed by '%' or '(' in {raw:?}"));
            }
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_here_and_defaults() {
        let ini = Ini::parse("[DEFAULT]\nbase = /srv\n\n[alembic]\nscript_location = %(here)s/alembic\nversion_locations = %(base)s/a\n  %(base)s/b\nsqlalchemy.url = postgresql://u:p%%40x@h/db\nbad = %(nope)s\n");
        let extra: BTreeMap<String, String> = [("here".to_string(), "proj".to_string())].into();
        assert_eq!(
            ini.get("alembic", "script_location", &extra)
                .unwrap()
                .unwrap(),
            "proj/alembic"
        );
        assert_eq!(
            ini.get("alembic", "version_locations", &extra)
                .unwrap()
                .unwrap(),
            "/srv/a\n/srv/b"
        );
        assert_eq!(
            ini.get("alembic", "sqlalchemy.url", &extra)
                .unwrap()
                .unwrap(),
            "postgresql://u:p%40x@h/db"
        );
        assert!(ini
            .get("alembic", "bad", &extra)
            .unwrap()
            .unwrap_err()
            .contains("nope"));
        assert!(ini.get("alembic", "missing", &extra).is_none());
    }
}
