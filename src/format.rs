//! Human text for times, sizes and untrusted names, shared by the TUI and the CLI tables.

use humansize::{BINARY, format_size};
use jiff::{Timestamp, tz::TimeZone};

/// Compact age like k9s and docker ps: `45s`, `12m`, `5h`, `3d`, `2y`.
pub fn age(now: Timestamp, then: Option<Timestamp>) -> String {
    let Some(then) = then else {
        return "-".into();
    };
    let secs = now.as_second().saturating_sub(then.as_second()).max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s if s < 365 * 86_400 => format!("{}d", s / 86_400),
        s => format!("{}y", s / (365 * 86_400)),
    }
}

/// `2026-11-23 10:00` in UTC: the same on every operator's screen and in every snapshot.
pub fn datetime(ts: Option<Timestamp>) -> String {
    match ts {
        Some(ts) => ts
            .to_zoned(TimeZone::UTC)
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        None => "-".into(),
    }
}

pub fn bytes(n: u64) -> String {
    format_size(n, BINARY)
}

/// Unicode's format characters (general category Cf) and the line and paragraph separators:
/// invisible, yet they reorder (bidi overrides and isolates), join or hide the text around
/// them, so a name holding one can look like another name.
const INVISIBLE: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{06DD}', '\u{06DD}'),
    ('\u{070F}', '\u{070F}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08E2}', '\u{08E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{2028}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
    ('\u{E0020}', '\u{E007F}'),
];

/// Whether `c` must not reach the screen as itself: a control character (it moves the cursor
/// or talks to the terminal) or an invisible format character (it changes how the rest reads).
pub fn needs_escape(c: char) -> bool {
    c.is_control() || INVISIBLE.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// A name from a workspace or the engine as it can be shown: invalid UTF-8 replaced, control
/// characters escaped (`\n`, `\u{1b}`), format characters escaped as `\u{202e}`; the rest
/// as it is (`ünï`, `✓`).
pub fn escape_name(name: &[u8]) -> String {
    let mut out = String::with_capacity(name.len());
    for c in String::from_utf8_lossy(name).chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else if needs_escape(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// A host file name for a name chosen inside a sandbox: control and format characters become
/// `_`, and a leading `.` gets a visible `_` in front, so that `.bash_profile` never lands as
/// a hidden file, nor a look-alike name as the name it imitates.
pub fn host_file_name(name: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(name)
        .chars()
        .map(|c| if needs_escape(c) { '_' } else { c })
        .collect();
    if text.starts_with('.') {
        format!("_{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_other_format_characters_in_names_are_escaped() {
        // "exe.txt" written right to left: shows as "txt.exe" when not escaped.
        assert_eq!(
            escape_name("a\u{202e}txt.exe".as_bytes()),
            "a\\u{202e}txt.exe"
        );
        for c in [
            '\u{202a}',
            '\u{202b}',
            '\u{202c}',
            '\u{202d}',
            '\u{202e}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200e}',
            '\u{200f}',
            '\u{061c}',
            '\u{feff}',
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{2060}',
            '\u{00ad}',
            '\u{2028}',
            '\u{e0041}',
        ] {
            let shown = escape_name(format!("x{c}y").as_bytes());
            assert_eq!(shown, format!("x{}y", c.escape_unicode()), "{c:?}");
            assert!(!shown.contains(c));
        }
        assert_eq!(escape_name(b"line\nbreak\x1b[2J"), "line\\nbreak\\u{1b}[2J");
        assert_eq!(escape_name("ünï ✓ 日本 é".as_bytes()), "ünï ✓ 日本 é");
        assert_eq!(escape_name(&[b'x', 0xff]), "x\u{fffd}");
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn ages_pick_the_largest_whole_unit() {
        let now = ts("2026-11-23T12:00:00Z");
        assert_eq!(age(now, Some(ts("2026-11-23T11:59:15Z"))), "45s");
        assert_eq!(age(now, Some(ts("2026-11-23T11:48:00Z"))), "12m");
        assert_eq!(age(now, Some(ts("2026-11-23T07:00:00Z"))), "5h");
        assert_eq!(age(now, Some(ts("2026-11-20T12:00:00Z"))), "3d");
        assert_eq!(age(now, Some(ts("2024-11-20T12:00:00Z"))), "2y");
        assert_eq!(
            age(now, Some(ts("2026-11-24T12:00:00Z"))),
            "0s",
            "clock skew"
        );
        assert_eq!(age(now, None), "-");
    }

    #[test]
    fn datetimes_are_utc_and_sizes_binary() {
        assert_eq!(
            datetime(Some(ts("2026-11-23T11:00:00+01:00"))),
            "2026-11-23 10:00"
        );
        assert_eq!(bytes(10 * 1024 * 1024 * 1024), "10 GiB");
        assert_eq!(bytes(1536), "1.50 KiB");
    }
}
