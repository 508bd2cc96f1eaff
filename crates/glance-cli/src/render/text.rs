//! Text measuring and wrapping as Python's `textwrap` (used by argparse) and wcwidth's
//! `wrap` (used by prettytable) do it.
//!
//! Both split the text into the same chunks (words, whitespace runs, hyphenated word parts)
//! and fill lines greedily. They differ in how they measure (code points for `textwrap`,
//! terminal cells for wcwidth, where CJK characters take two) and in a few details that
//! [`Measure`] selects.
//!
//! Not modelled: terminal escape sequences, backspace and carriage-return cursor movement, and
//! full grapheme clustering (a combining mark stays with the character before it).

use unicode_width::UnicodeWidthStr;

use super::value::py_isspace;

/// How a wrapper measures text, and which library's rules it follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measure {
    /// Python's `textwrap.wrap`: one column per code point.
    Chars,
    /// wcwidth's `wrap`: terminal cells; lines are right-stripped and empty lines dropped.
    Cells,
}

/// Display width in terminal cells as wcwidth's `width()` measures it: wide (CJK) characters
/// take two cells, combining marks none, emoji sequences two; tabs advance to the next stop
/// of 8, backspace moves back one cell, carriage return back to the start (the width is the
/// furthest cell reached), other control characters take none.
pub(crate) fn display_width(s: &str) -> usize {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s.len();
    }
    let mut col = 0usize;
    let mut max = 0usize;
    let mut segment = String::new();
    for c in s.chars() {
        if !c.is_control() {
            segment.push(c);
            continue;
        }
        col += segment_width(&segment);
        segment.clear();
        max = max.max(col);
        match c {
            '\t' => col += 8 - col % 8,
            '\u{8}' => col = col.saturating_sub(1),
            '\r' => col = 0,
            _ => {}
        }
        max = max.max(col);
    }
    col += segment_width(&segment);
    max.max(col)
}

/// Width of text free of control characters, with wcwidth's answers where they differ from
/// the `unicode-width` crate's: line and paragraph separators take no cell, prepended
/// concatenation marks (such as the soft hyphen) take one, an unpaired regional indicator two.
fn segment_width(s: &str) -> usize {
    if s.is_empty() {
        return 0;
    }
    let mut extra = 0;
    let mut regional_run = 0;
    let mut visible = String::with_capacity(s.len());
    for c in s.chars() {
        let n = c as u32;
        if (0x1f1e6..=0x1f1ff).contains(&n) {
            regional_run += 1;
        } else {
            extra += regional_run % 2;
            regional_run = 0;
        }
        match n {
            0x2028 | 0x2029 => continue,
            0xad
            | 0x605
            | 0x70f
            | 0x890
            | 0x891
            | 0x8e2
            | 0xd4e
            | 0xa8fa
            | 0x111c2
            | 0x111c3
            | 0x113d1
            | 0x1193f
            | 0x11941
            | 0x11a84..=0x11a89
            | 0x11d46
            | 0x11f02 => extra += 1,
            _ => {}
        }
        visible.push(c);
    }
    extra += regional_run % 2;
    visible.width() + extra
}

fn measure(s: &str, how: Measure) -> usize {
    match how {
        Measure::Chars => s.chars().count(),
        Measure::Cells => display_width(s),
    }
}

/// Python's `str.expandtabs(8)`: tabs become spaces up to the next multiple of 8, counting
/// code points, the column restarting after `\n` and `\r`.
pub(crate) fn expand_tabs(s: &str) -> String {
    if !s.contains('\t') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut col = 0usize;
    for c in s.chars() {
        match c {
            '\t' => {
                let n = 8 - col % 8;
                out.push_str(&" ".repeat(n));
                col += n;
            }
            '\n' | '\r' => {
                out.push(c);
                col = 0;
            }
            c => {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

/// Python's `str.strip()` (Unicode whitespace).
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

/// Python's `str.rstrip()` (Unicode whitespace).
pub(crate) fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(py_isspace)
}

/// Collapse runs of ASCII whitespace into one space and strip, as argparse does to help texts.
pub(crate) fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_space = false;
    for c in s.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}' | '\u{c}') {
            in_space = true;
        } else {
            if in_space {
                out.push(' ');
                in_space = false;
            }
            out.push(c);
        }
    }
    if in_space {
        out.push(' ');
    }
    py_strip(&out).to_owned()
}

/// Wrap one paragraph into lines of at most `width` columns (longer words are broken), like
/// `textwrap.wrap(text, width)` or `wcwidth.wrap(text, width)` depending on `how`.
pub(crate) fn wrap(text: &str, width: usize, how: Measure) -> Vec<String> {
    let munged: String = expand_tabs(text)
        .chars()
        .map(|c| if is_tw_space(c) { ' ' } else { c })
        .collect();
    let chunks = split_chunks(&munged);
    wrap_chunks(chunks, width.max(1), how)
}

/// The characters `textwrap` treats as whitespace.
fn is_tw_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// Python's `\w` (Unicode): letters, digits and the underscore.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The first code point of each run of ten decimal digits (general category Nd, Unicode 14 as
/// in Python 3.11), which is what Python's `\d` matches.
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// Python's `\d`: a decimal digit of any script.
fn is_decimal(c: char) -> bool {
    let n = c as u32;
    let i = DECIMAL_ZEROS.partition_point(|&zero| zero <= n);
    i > 0 && n - DECIMAL_ZEROS[i - 1] < 10
}

/// `textwrap`'s "letter": `[^\d\W]`.
fn is_letter(c: char) -> bool {
    is_word(c) && !is_decimal(c)
}

/// `textwrap`'s word punctuation: `[\w!"'&.,?]`.
fn is_word_punct(c: char) -> bool {
    is_word(c) || matches!(c, '!' | '"' | '\'' | '&' | '.' | ',' | '?')
}

/// `textwrap.TextWrapper._split` with `break_on_hyphens=True`: the text cut into whitespace
/// runs, em-dashes between words, and words (split after hyphens inside hyphenated words).
fn split_chunks(text: &str) -> Vec<String> {
    let c: Vec<char> = text.chars().collect();
    let n = c.len();
    let mut chunks = Vec::new();
    let mut pos = 0;
    while pos < n {
        let end = if is_tw_space(c[pos]) {
            let mut e = pos;
            while e < n && is_tw_space(c[e]) {
                e += 1;
            }
            e
        } else if let Some(e) = em_dash_end(&c, pos) {
            e
        } else {
            word_end(&c, pos)
        };
        chunks.push(c[pos..end].iter().collect());
        pos = end;
    }
    chunks
}

/// `(?<=wp) -{2,} (?=\w)` at `pos`.
fn em_dash_end(c: &[char], pos: usize) -> Option<usize> {
    if pos == 0 || !is_word_punct(c[pos - 1]) {
        return None;
    }
    let mut e = pos;
    while e < c.len() && c[e] == '-' {
        e += 1;
    }
    (e - pos >= 2 && e < c.len() && is_word(c[e])).then_some(e)
}

/// The shortest run of non-whitespace from `pos` that ends a hyphenated word part, a word, or
/// comes right before an em-dash.
fn word_end(c: &[char], pos: usize) -> usize {
    let n = c.len();
    let letter_at = |i: usize| i < n && is_letter(c[i]);
    let mut e = pos + 1;
    loop {
        if e < n && c[e] == '-' {
            let behind = (e >= 2 && letter_at(e - 2) && letter_at(e - 1))
                || (e >= 3 && letter_at(e - 3) && c[e - 2] == '-' && letter_at(e - 1));
            let ahead = letter_at(e + 1)
                && (letter_at(e + 2) || (e + 2 < n && c[e + 2] == '-' && letter_at(e + 3)));
            if behind && ahead {
                return e + 1;
            }
        }
        if e == n || is_tw_space(c[e]) {
            return e;
        }
        if is_word_punct(c[e - 1]) {
            let mut h = e;
            while h < n && c[h] == '-' {
                h += 1;
            }
            if h - e >= 2 && h < n && is_word(c[h]) {
                return e;
            }
        }
        e += 1;
    }
}

fn is_blank(s: &str) -> bool {
    s.chars().all(py_isspace)
}

/// The greedy line filling of `TextWrapper._wrap_chunks` (no indents, no `max_lines`).
fn wrap_chunks(mut chunks: Vec<String>, width: usize, how: Measure) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    chunks.reverse();
    while !chunks.is_empty() {
        let mut cur: Vec<String> = Vec::new();
        let mut cur_len = 0;
        if !lines.is_empty() && chunks.last().is_some_and(|c| is_blank(c)) {
            chunks.pop();
        }
        while let Some(chunk) = chunks.last() {
            let l = measure(chunk, how);
            if cur_len + l > width {
                break;
            }
            cur_len += l;
            cur.extend(chunks.pop());
        }
        if chunks.last().is_some_and(|c| measure(c, how) > width) {
            handle_long_word(&mut chunks, &mut cur, cur_len, width, how);
            if how == Measure::Cells {
                while chunks.last().is_some_and(|c| c.is_empty()) {
                    chunks.pop();
                }
            }
        }
        let drop_last = match (how, cur.last()) {
            (Measure::Chars, Some(last)) => is_blank(last),
            (Measure::Cells, Some(last)) => !last.is_empty() && is_blank(last),
            (_, None) => false,
        };
        if drop_last {
            cur.pop();
        }
        if !cur.is_empty() {
            let line = cur.concat();
            match how {
                Measure::Chars => lines.push(line),
                Measure::Cells => {
                    let line = py_rstrip(&line);
                    if !line.is_empty() {
                        lines.push(line.to_owned());
                    }
                }
            }
        }
    }
    lines
}

/// Break the too-long chunk on top of `chunks`: as much as fits on the current line, or up to
/// its last hyphen that fits (when something other than hyphens precedes it).
fn handle_long_word(
    chunks: &mut [String],
    cur: &mut Vec<String>,
    cur_len: usize,
    width: usize,
    how: Measure,
) {
    let space_left = if width < 1 {
        1
    } else {
        width.saturating_sub(cur_len)
    };
    let Some(chunk) = chunks.last_mut() else {
        return;
    };
    let chars: Vec<char> = chunk.chars().collect();
    // Number of characters that fit in `space_left` columns.
    let fit = match how {
        Measure::Chars => space_left.min(chars.len()),
        Measure::Cells => {
            // Grow the prefix while it fits, so that a character joining the one before it
            // (a combining mark, an emoji modifier) costs what it adds to the cluster.
            let mut prefix = String::new();
            let mut idx = 0;
            while idx < chars.len() {
                prefix.push(chars[idx]);
                if display_width(&prefix) > space_left {
                    break;
                }
                idx += 1;
            }
            idx
        }
    };
    let mut end = fit;
    let hyphen = chars[..fit].iter().rposition(|c| *c == '-');
    let mut at_hyphen = false;
    if let Some(h) = hyphen
        && h > 0
        && chars[..h].iter().any(|c| *c != '-')
    {
        end = h + 1;
        at_hyphen = true;
    }
    if how == Measure::Cells && !at_hyphen && cur.is_empty() {
        let prefix: String = chars[..end].iter().collect();
        if end == 0 || (end < chars.len() && display_width(&prefix) == 0) {
            // Take at least one visible character (a wide one in a one-column line).
            end = first_cluster_len(&chars);
        }
    }
    cur.push(chars[..end].iter().collect());
    *chunk = chars[end..].iter().collect();
}

/// Length in characters of the grapheme cluster `chars` starts with, approximately: a
/// character with the combining marks, variation selectors and emoji modifiers after it,
/// joined to the next one by a zero-width joiner, or a pair of regional indicators.
fn first_cluster_len(chars: &[char]) -> usize {
    let regional = |c: char| ('\u{1f1e6}'..='\u{1f1ff}').contains(&c);
    if chars.len() >= 2 && regional(chars[0]) && regional(chars[1]) {
        return 2;
    }
    let extends = |c: char| {
        let n = c as u32;
        let format_char = matches!(n, 0xad | 0x200b | 0x200e | 0x200f | 0x2028..=0x202e | 0x2060..=0x206f | 0xfeff);
        (0x1f3fb..=0x1f3ff).contains(&n)
            || (!c.is_control()
                && !format_char
                && unicode_width::UnicodeWidthChar::width(c) == Some(0))
    };
    let mut i = 1;
    while i < chars.len() {
        if chars[i] == '\u{200d}' {
            i = (i + 2).min(chars.len());
        } else if extends(chars[i]) {
            i += 1;
        } else {
            break;
        }
    }
    i.min(chars.len().max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(s: &str) -> Vec<String> {
        split_chunks(s)
    }

    #[test]
    fn splits_like_textwrap() {
        // Expected: python3.11 `textwrap.TextWrapper()._split(s)`.
        assert_eq!(
            chunks("Look, goof-ball -- use the -b option!"),
            [
                "Look,", " ", "goof-", "ball", " ", "--", " ", "use", " ", "the", " ", "-b", " ",
                "option!"
            ]
        );
        assert_eq!(
            chunks("Hello--world a--b"),
            ["Hello", "--", "world", " ", "a", "--", "b"]
        );
        assert_eq!(
            chunks("x-ray self-contained-thing ab-c-d 12-34 --foo-bar a-b"),
            [
                "x-ray",
                " ",
                "self-",
                "contained-",
                "thing",
                " ",
                "ab-",
                "c-d",
                " ",
                "12-34",
                " ",
                "--foo-",
                "bar",
                " ",
                "a-b"
            ]
        );
        assert_eq!(
            chunks("  lead  trail  "),
            ["  ", "lead", "  ", "trail", "  "]
        );
        assert_eq!(chunks("--- x ---y"), ["---", " ", "x", " ", "---y"]);
        assert_eq!(
            chunks("a---b foo.--bar"),
            ["a", "---", "b", " ", "foo.", "--", "bar"]
        );
    }

    #[test]
    fn wraps_like_textwrap() {
        // Expected: python3.11 `textwrap.wrap(s, w)`.
        let s = "The quick brown fox jumps over the lazy dog; supercalifragilisticexpialidocious-word \
                 and hyphen-separated-items.";
        assert_eq!(
            wrap(s, 20, Measure::Chars),
            [
                "The quick brown fox",
                "jumps over the lazy",
                "dog; supercalifragil",
                "isticexpialidocious-",
                "word and hyphen-",
                "separated-items."
            ]
        );
        assert_eq!(
            wrap(s, 11, Measure::Chars),
            [
                "The quick",
                "brown fox",
                "jumps over",
                "the lazy",
                "dog; superc",
                "alifragilis",
                "ticexpialid",
                "ocious-word",
                "and hyphen-",
                "separated-",
                "items."
            ]
        );
        assert_eq!(
            wrap("aaaa-bbbbbbbbbbbb", 8, Measure::Chars),
            ["aaaa-bbb", "bbbbbbbb", "b"]
        );
        assert_eq!(
            wrap("----------", 4, Measure::Chars),
            ["----", "----", "--"]
        );
        assert_eq!(wrap("   ", 2, Measure::Chars), Vec::<String>::new());
        assert_eq!(
            wrap("  indented text", 8, Measure::Chars),
            ["indented", "text"]
        );
    }

    #[test]
    fn wraps_like_wcwidth() {
        // Expected: wcwidth 0.9.4 `wcwidth.wrap(s, w)`.
        assert_eq!(
            wrap("中文字符 中文字符", 4, Measure::Cells),
            ["中文", "字符", "中文", "字符"]
        );
        assert_eq!(wrap("中文字符", 5, Measure::Cells), ["中文", "字符"]);
        assert_eq!(wrap("中文", 1, Measure::Cells), ["中", "文"]);
        assert_eq!(
            wrap("ab 中文字", 3, Measure::Cells),
            ["ab", "中", "文", "字"]
        );
        assert_eq!(wrap("word   ", 3, Measure::Cells), ["wor", "d"]);
        assert_eq!(wrap("x \u{a0}y", 2, Measure::Cells), ["x", "\u{a0}y"]);
        assert_eq!(wrap("   ", 2, Measure::Cells), Vec::<String>::new());
        assert_eq!(
            wrap("café naïve résumé", 6, Measure::Cells),
            ["café", "naïve", "résumé"]
        );
        assert_eq!(
            wrap("am👨\u{200d}👩\u{200d}👧k 😀é👍🏽", 1, Measure::Cells),
            ["a", "m", "👨\u{200d}👩\u{200d}👧", "k", "😀", "é", "👍🏽"]
        );
        assert_eq!(
            wrap("o文\u{2028}f", 1, Measure::Cells),
            ["o", "文", "\u{2028}f"]
        );
    }

    #[test]
    fn widths() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("日本語"), 6);
        assert_eq!(display_width("e\u{301}"), 1);
        assert_eq!(display_width("a\u{7}b"), 2);
        // Expected: wcwidth 0.9.4 `wcwidth.width(s)`.
        assert_eq!(display_width("il\rjh"), 2);
        assert_eq!(display_width("abc\u{8}\u{8}"), 3);
        assert_eq!(display_width("ab\u{2028}"), 2);
        assert_eq!(display_width("x\u{ad}y"), 3);
        assert_eq!(display_width("👍🏽"), 2);
        assert_eq!(display_width("👨\u{200d}👩\u{200d}👧"), 2);
        assert_eq!(display_width("🇺"), 2);
        assert_eq!(display_width("🇺🇸🇺"), 4);
        assert_eq!(display_width("\u{3000}"), 2);
        assert!(is_decimal('٣') && is_decimal('9') && !is_decimal('½') && !is_decimal('a'));
        assert_eq!(
            expand_tabs("a\tb\n12345678\tc"),
            "a       b\n12345678        c"
        );
        assert_eq!(collapse_whitespace("  a \n\t b  "), "a b");
    }
}
