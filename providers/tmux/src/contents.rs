//! Pane contents: captured for all panes in one tmux invocation, and shown again in a
//! restored pane by a file the pane's first command prints and deletes.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use crate::item::shell_quote;
use crate::server::{Tmux, TmuxError};

/// Starts the marker line printed before each pane's contents.
const MARK: &str = "\x1echauffeur-pane ";

/// The last `lines` non-trailing-blank lines of every pane in `pane_ids`, by pane id, read
/// with one `capture-pane` per pane chained in a single tmux invocation.
pub fn capture(
    tmux: &Tmux,
    pane_ids: &[String],
    lines: u32,
) -> Result<HashMap<String, String>, TmuxError> {
    if pane_ids.is_empty() || lines == 0 {
        return Ok(HashMap::new());
    }
    let start = format!("-{lines}");
    let mut commands = Vec::with_capacity(pane_ids.len() * 2);
    for id in pane_ids {
        commands.push(vec![
            "display-message".into(),
            "-p".into(),
            "-t".into(),
            id.clone(),
            format!("{MARK}{id}\x1e"),
        ]);
        commands.push(vec![
            "capture-pane".into(),
            "-p".into(),
            "-J".into(),
            "-S".into(),
            start.clone(),
            "-t".into(),
            id.clone(),
        ]);
    }
    let output = tmux.run_chain(&commands)?;
    Ok(split(&output, lines as usize))
}

/// Splits chained `capture-pane` output at the markers, keeping the last `lines` lines of
/// each pane after dropping trailing blank lines.
pub fn split(output: &str, lines: usize) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    let mut finish = |current: Option<(String, Vec<&str>)>| {
        if let Some((id, mut body)) = current {
            while body.last().is_some_and(|l| l.trim().is_empty()) {
                body.pop();
            }
            let keep = body.len().saturating_sub(lines);
            out.insert(id, body[keep..].join("\n"));
        }
    };
    for line in output.lines() {
        if let Some(id) = line
            .strip_prefix(MARK)
            .and_then(|rest| rest.strip_suffix('\x1e'))
        {
            finish(current.take());
            current = Some((id.to_owned(), Vec::new()));
        } else if let Some((_, body)) = current.as_mut() {
            body.push(line);
        }
    }
    finish(current);
    out
}

/// Writes contents to a private temporary file (mode 0600) that the restored pane prints
/// and deletes.
pub fn write_file(contents: &str) -> std::io::Result<PathBuf> {
    let mut file = tempfile::Builder::new()
        .prefix("chauffeur-tmux-")
        .suffix(".txt")
        .tempfile()?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")?;
    let (_, path) = file.keep().map_err(|e| e.error)?;
    Ok(path)
}

/// The pane's first command: print the file, delete it, then become the user's shell.
pub fn show_then_shell(file: &std::path::Path, shell: &str) -> String {
    let file = shell_quote(&file.to_string_lossy());
    format!(
        "cat {file}; rm -f {file}; exec {} -l",
        shell_quote(if shell.is_empty() { "/bin/sh" } else { shell })
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_markers() {
        let out = format!(
            "{MARK}%1\x1e\nline 1\nline 2\nline 3\n\n\n{MARK}%2\x1e\n\n{MARK}%3\x1e\nonly\n"
        );
        let map = split(&out, 2);
        assert_eq!(map["%1"], "line 2\nline 3");
        assert_eq!(map["%2"], "");
        assert_eq!(map["%3"], "only");
    }

    #[test]
    fn file_and_command() {
        let path = write_file("hello").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
        let cmd = show_then_shell(&path, "/bin/bash");
        assert!(
            cmd.starts_with("cat /") && cmd.ends_with("exec /bin/bash -l"),
            "{cmd}"
        );
        std::fs::remove_file(path).unwrap();
    }
}
