//! Pure helpers for the URLs a project writes down: password redaction and percent-decoding.

/// Returns a URL-ish string with the password of its userinfo replaced by `***`.
pub fn redact(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return raw.to_string();
    };
    // The userinfo ends at the last '@' before the query (a password may contain '/').
    let end = rest.find('?').unwrap_or(rest.len());
    let Some(at) = rest[..end].rfind('@') else {
        return raw.to_string();
    };
    match rest[..at].split_once(':') {
        Some((user, pw)) if !pw.is_empty() => format!("{scheme}://{user}:***{}", &rest[at..]),
        _ => raw.to_string(),
    }
}

/// Returns `s` with `%XX` escapes decoded (invalid escapes kept as written, invalid UTF-8
/// replaced).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_and_decodes() {
        assert_eq!(redact("postgres://a:b%40c@h/d"), "postgres://a:***@h/d");
        assert_eq!(redact("postgres://a@h/d"), "postgres://a@h/d");
        assert_eq!(percent_decode("my%5Fversions%zz"), "my_versions%zz");
    }
}
