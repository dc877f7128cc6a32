//! Untrusted text made visible: characters that could disguise what a reader sees.

use std::borrow::Cow;

/// Bidirectional controls (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F, U+061C) can make
/// `evil.py\u{202E}yp.doog` read as another file name; they are shown as `<U+202E>`. Line and
/// paragraph separators (U+2028, U+2029, U+0085) become spaces, so text never seems to start a
/// new line where the runner sees none.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_bidi(c) || is_separator(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_bidi(c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else if is_separator(c) {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

fn is_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// `s` cut to at most `max` characters, ending in `…` when cut.
pub fn cap(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max.saturating_sub(1)) {
        Some((i, _)) if s[i..].chars().count() > 1 => Cow::Owned(format!("{}…", &s[..i])),
        _ => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_override_in_a_file_name_is_shown_not_obeyed() {
        assert_eq!(visible("a\u{202e}yp.b"), "a<U+202E>yp.b");
        assert_eq!(visible("a\u{2028}b\u{85}c"), "a b c");
        assert!(matches!(visible("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn cap_cuts_at_a_character_boundary() {
        assert_eq!(cap("ééééé", 3), "éé…");
        assert_eq!(cap("ééé", 3), "ééé");
        assert_eq!(cap("", 3), "");
    }
}
