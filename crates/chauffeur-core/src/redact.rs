//! Secrets redaction at capture (DESIGN 6): passwords and tokens in command lines,
//! credentials in URLs. Providers call these before anything reaches the store.

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Name fragments that mark an option, variable or query parameter as secret.
const SECRET_NAMES: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api-key",
    "api_key",
    "auth",
    "credential",
    "private-key",
    "private_key",
    "access-key",
    "access_key",
    "session-key",
    "cookie",
];

/// Programs whose `-pVALUE` / `-p VALUE` is a password.
const DASH_P_PASSWORD: &[&str] = &["mysql", "mysqldump", "mariadb", "mysqladmin", "sshpass"];

fn is_secret_name(name: &str) -> bool {
    let name = name.trim_start_matches('-').to_ascii_lowercase();
    !name.is_empty() && SECRET_NAMES.iter().any(|s| name.contains(s))
}

/// Redacts secrets in an argument vector; `argv[0]` is the program.
pub fn redact_argv(argv: &[String]) -> Vec<String> {
    let program = argv
        .first()
        .map(|p| p.rsplit('/').next().unwrap_or(p).to_owned())
        .unwrap_or_default();
    let dash_p = DASH_P_PASSWORD.contains(&program.as_str());
    let mut out = Vec::with_capacity(argv.len());
    let mut redact_next = false;
    for (i, arg) in argv.iter().enumerate() {
        if redact_next {
            redact_next = false;
            if !arg.starts_with('-') {
                out.push(REDACTED.to_owned());
                continue;
            }
        }
        if i == 0 {
            out.push(redact_urls(arg));
            continue;
        }
        if dash_p && arg.starts_with("-p") && !arg.starts_with("--") {
            if arg.len() > 2 {
                out.push(format!("-p{REDACTED}"));
            } else {
                out.push(arg.clone());
                redact_next = true;
            }
            continue;
        }
        if let Some((name, _)) = arg.split_once('=')
            && !name.contains(char::is_whitespace)
            && is_secret_name(name)
        {
            out.push(format!("{name}={REDACTED}"));
            continue;
        }
        if let Some((name, _)) = arg.split_once(':')
            && name.eq_ignore_ascii_case("authorization")
        {
            out.push(format!("{name}: {REDACTED}"));
            continue;
        }
        if arg.starts_with('-') && is_secret_name(arg) {
            out.push(arg.clone());
            redact_next = true;
            continue;
        }
        out.push(redact_urls(arg));
    }
    out
}

/// Removes credentials (`user:password@`) from every URL in a string and redacts the
/// values of secret-looking query parameters.
pub fn redact_urls(text: &str) -> String {
    if !text.contains("://") {
        return text.to_owned();
    }
    text.split_inclusive(char::is_whitespace)
        .map(redact_url_word)
        .collect()
}

fn redact_url_word(word: &str) -> String {
    let Some(scheme_end) = word.find("://") else {
        return word.to_owned();
    };
    let (head, rest) = word.split_at(scheme_end + 3);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host = match authority.rfind('@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    format!("{head}{host}{}", redact_query(tail))
}

fn redact_query(tail: &str) -> String {
    let Some(q) = tail.find('?') else {
        return tail.to_owned();
    };
    let (path, query) = tail.split_at(q + 1);
    let (query, fragment) = match query.find('#') {
        Some(h) => query.split_at(h),
        None => (query, ""),
    };
    let params: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(name) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}{}{fragment}", params.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn redacts_option_values() {
        assert_eq!(
            redact_argv(&argv(&["psql", "--password=hunter2", "-U", "me"])),
            argv(&["psql", "--password=[REDACTED]", "-U", "me"])
        );
        assert_eq!(
            redact_argv(&argv(&["tool", "--api-token", "abc", "--verbose"])),
            argv(&["tool", "--api-token", "[REDACTED]", "--verbose"])
        );
        assert_eq!(
            redact_argv(&argv(&["env", "GITHUB_TOKEN=ghp_x", "make"])),
            argv(&["env", "GITHUB_TOKEN=[REDACTED]", "make"])
        );
        assert_eq!(
            redact_argv(&argv(&["mysql", "-psecret", "db"])),
            argv(&["mysql", "-p[REDACTED]", "db"])
        );
        assert_eq!(
            redact_argv(&argv(&[
                "curl",
                "-H",
                "Authorization: Bearer xyz",
                "http://h/"
            ])),
            argv(&["curl", "-H", "Authorization: [REDACTED]", "http://h/"])
        );
    }

    #[test]
    fn leaves_ordinary_arguments_alone() {
        let plain = argv(&["vim", "-p", "notes.md", "--cmd=set nu", "ls -p"]);
        assert_eq!(redact_argv(&plain), plain);
        let tail = argv(&["tail", "-f", "/var/log/auth.log"]);
        assert_eq!(redact_argv(&tail), tail);
    }

    #[test]
    fn strips_url_credentials_and_secret_params() {
        assert_eq!(
            redact_urls("https://bob:pw@example.com/x?a=1&access_token=zzz#top"),
            "https://example.com/x?a=1&access_token=[REDACTED]#top"
        );
        assert_eq!(
            redact_argv(&argv(&["git", "clone", "https://u:p@host/r.git"])),
            argv(&["git", "clone", "https://host/r.git"])
        );
        assert_eq!(redact_urls("no url here"), "no url here");
    }
}
