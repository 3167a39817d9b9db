//! The one `list-panes -a -F` format that carries everything capture needs, and its parsing.
//!
//! Fields are separated by `\x1f` and every record ends with `\x1e` before tmux's newline.
//! tmux never lets those bytes into the fields that come before the last one: session and
//! window names are stored escaped (`\t`, `\\`, `\NNN`; see [`unvis`]), pane titles with
//! control characters are refused, and the rest are numbers or layouts. Only the working
//! directory (a path may hold any byte but NUL) can contain them, so it is the last field
//! and a record ends only at `\x1e\n`; capture prefers `/proc/PID/cwd` anyway.

/// Field separator.
const SEP: char = '\x1f';
/// Record terminator (followed by tmux's `\n`).
const END: &str = "\x1e\n";

/// The format string, fields in [`Row`] order.
pub const FORMAT: &str = concat!(
    "#{session_id}\x1f#{session_name}\x1f#{session_attached}\x1f",
    "#{window_id}\x1f#{window_index}\x1f#{window_name}\x1f#{window_active}\x1f",
    "#{automatic-rename}\x1f#{window_layout}\x1f#{window_zoomed_flag}\x1f",
    "#{pane_id}\x1f#{pane_index}\x1f#{pane_active}\x1f#{pane_pid}\x1f#{pane_title}\x1f",
    "#{pane_current_path}\x1e"
);

/// Number of fields in [`FORMAT`].
const FIELDS: usize = 16;

/// One pane as tmux lists it, with its window and session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    /// `$N`.
    pub session_id: String,
    /// As tmux stores it (escaped; see [`unvis`]).
    pub session_name: String,
    /// Number of clients attached.
    pub session_attached: u32,
    /// `@N`.
    pub window_id: String,
    /// Index in the session.
    pub window_index: u32,
    /// As tmux stores it (escaped; see [`unvis`]).
    pub window_name: String,
    /// The session's current window.
    pub window_active: bool,
    /// The `automatic-rename` option; off means the window was named by hand.
    pub automatic_rename: bool,
    /// The layout string (the unzoomed one when zoomed).
    pub window_layout: String,
    /// A pane is zoomed.
    pub window_zoomed: bool,
    /// `%N`.
    pub pane_id: String,
    /// Index in the window.
    pub pane_index: u32,
    /// The window's current pane.
    pub pane_active: bool,
    /// The pane's first process (usually the shell).
    pub pane_pid: u32,
    /// The pane title.
    pub pane_title: String,
    /// tmux's idea of the working directory.
    pub pane_current_path: String,
}

/// Parses `list-panes -a -F FORMAT` output; records that do not parse are skipped.
pub fn parse(output: &str) -> Vec<Row> {
    output.split(END).filter_map(parse_row).collect()
}

fn parse_row(record: &str) -> Option<Row> {
    let record = record.strip_prefix('\n').unwrap_or(record);
    if record.is_empty() {
        return None;
    }
    let f: Vec<&str> = record.splitn(FIELDS, SEP).collect();
    if f.len() != FIELDS {
        return None;
    }
    let flag = |s: &str| s == "1" || s == "on";
    Some(Row {
        session_id: f[0].to_owned(),
        session_name: f[1].to_owned(),
        session_attached: f[2].parse().unwrap_or(0),
        window_id: f[3].to_owned(),
        window_index: f[4].parse().ok()?,
        window_name: f[5].to_owned(),
        window_active: flag(f[6]),
        automatic_rename: flag(f[7]),
        window_layout: f[8].to_owned(),
        window_zoomed: flag(f[9]),
        pane_id: f[10].to_owned(),
        pane_index: f[11].parse().ok()?,
        pane_active: flag(f[12]),
        pane_pid: f[13].parse().unwrap_or(0),
        pane_title: f[14].to_owned(),
        pane_current_path: f[15].to_owned(),
    })
}

/// Undoes the escaping tmux applies to session and window names (`vis(3)` with C-style
/// and octal escapes): `\\`, `\t`, `\n`, `\r`, `\a`, `\b`, `\f`, `\v`, `\0`, `\s`, `\E`,
/// `\NNN`. Passing the result to tmux makes it store the same escaped name again.
pub fn unvis(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'\\' || i + 1 >= bytes.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let next = bytes[i + 1];
        let simple = match next {
            b'\\' => Some(b'\\'),
            b't' => Some(b'\t'),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b'a' => Some(7),
            b'b' => Some(8),
            b'f' => Some(12),
            b'v' => Some(11),
            b's' => Some(b' '),
            b'E' | b'e' => Some(27),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            i += 2;
            continue;
        }
        let digits = bytes[i + 1..]
            .iter()
            .take(3)
            .take_while(|d| (b'0'..=b'7').contains(d))
            .count();
        if digits > 0 {
            let value = bytes[i + 1..i + 1 + digits]
                .iter()
                .fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
            out.push((value & 0xff) as u8);
            i += 1 + digits;
            continue;
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_has_every_field() {
        assert_eq!(FORMAT.matches(SEP).count(), FIELDS - 1);
        assert!(FORMAT.ends_with('\x1e'));
    }

    #[test]
    fn parses_records_with_odd_paths() {
        let out = "$1\x1fmy s\"e'ssion é\x1f1\x1f@2\x1f3\x1fw:a.b\x1f1\x1f0\x1fb25e,80x24,0,0,1\x1f1\x1f%4\x1f0\x1f1\x1f999\x1ftitle\x1f/tmp/a\x1fb\nc\x1e\n\
$1\x1fs\x1f0\x1f@2\x1f3\x1fw\x1f0\x1f1\x1fl\x1f0\x1f%5\x1f1\x1f0\x1f1000\x1f\x1f/\x1e\n";
        let rows = parse(out);
        assert_eq!(rows.len(), 2);
        let r = &rows[0];
        assert_eq!(r.session_name, "my s\"e'ssion é");
        assert_eq!(r.session_attached, 1);
        assert_eq!(r.window_index, 3);
        assert_eq!(r.window_name, "w:a.b");
        assert!(r.window_active && !r.automatic_rename && r.window_zoomed && r.pane_active);
        assert_eq!(r.pane_pid, 999);
        assert_eq!(r.pane_current_path, "/tmp/a\x1fb\nc");
        assert_eq!(rows[1].pane_title, "");
        assert!(parse("garbage\x1e\n").is_empty());
        assert!(parse("").is_empty());
    }

    #[test]
    fn unvis_undoes_tmux_escapes() {
        assert_eq!(unvis(r"w\tin\\x"), "w\tin\\x");
        assert_eq!(unvis(r"a\033b\001"), "a\x1bb\x01");
        assert_eq!(unvis("plain é"), "plain é");
        assert_eq!(unvis(r"end\"), "end\\");
        assert_eq!(unvis(r"\q"), "\\q");
    }
}
