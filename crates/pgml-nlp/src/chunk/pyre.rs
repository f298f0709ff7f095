//! Python `re` patterns in `fancy_regex`'s dialect.
//!
//! With `is_separator_regex`, LangChain hands the separators to Python's `re`; users wrote them
//! for Python, and the markdown / LaTeX separator lists rely on Python's reading of `{` and
//! `$`. `fancy_regex` (the `regex` crate plus look-around and back-references) agrees with
//! Python on most syntax; this rewrites the constructs where the two disagree:
//!
//! - `{` that does not start a valid repeat (`x{`, `chapter{`, `a{}`) is a literal in Python and
//!   an error in Rust: escaped. `{,n}` becomes `{0,n}`. A lone `}` is escaped too.
//! - `$` (without an inline `m` flag) also matches before a final newline in Python:
//!   `(?=\n?\z)`. `\Z` is Rust's `\z`.
//! - `\s` / `\S`: Python's whitespace (`str.isspace`) also has U+001C..U+001F.
//! - `\` before ASCII punctuation or space is that character; Rust rejects some of those
//!   escapes, so they become the literal (escaped only where Rust needs it).
//! - In a class, `[` is a literal in Python but opens a nested class in Rust; `&&`, `~~` are
//!   set operators in Rust: escaped.
//!
//! What remains different (documented, not rewritten): `\w`/`\b` use Unicode's word definition
//! in Rust and `str.isalnum` in Python (they differ on a few characters such as `²`); octal
//! escapes and `\N{...}` are not supported.

/// Python's whitespace that Rust's `\s` lacks (information separators).
const EXTRA_SPACE: &str = r"\x1C-\x1F";

/// Rewrites a Python `re` pattern for `fancy_regex` (see the module documentation).
pub(crate) fn translate(pattern: &str) -> String {
    let multiline = has_multiline_flag(pattern);
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    // Index just past the `[` (and `^`) that opened the current class: a `]` there is literal.
    let mut class_start = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else {
                    // A trailing backslash: an error in both; let the regex compiler say so.
                    out.push('\\');
                    break;
                };
                translate_escape(next, in_class, &mut out);
                i += 2;
                continue;
            }
            _ if in_class => {
                match c {
                    ']' if i != class_start => in_class = false,
                    '[' => {
                        out.push('\\');
                    }
                    '&' | '~' if chars.get(i + 1) == Some(&c) => {
                        out.push('\\');
                    }
                    _ => {}
                }
                out.push(c);
            }
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                class_start = i;
                continue;
            }
            '{' => {
                if let Some((repeat, used)) = python_repeat(&chars[i..]) {
                    out.push_str(&repeat);
                    i += used;
                    continue;
                }
                out.push_str(r"\{");
            }
            '}' => out.push_str(r"\}"),
            '$' if !multiline => out.push_str(r"(?=\n?\z)"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Whether an inline flag group (`(?m)`, `(?im)`, `(?m:...)`) turns on MULTILINE, under which
/// Python's `$` is Rust's `$`.
fn has_multiline_flag(pattern: &str) -> bool {
    pattern.match_indices("(?").any(|(at, _)| {
        pattern[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .any(|c| c == 'm')
    })
}

/// `\x` at `next`: Python's meaning in Rust's spelling.
fn translate_escape(next: char, in_class: bool, out: &mut String) {
    match next {
        's' if in_class => {
            out.push_str(r"\s");
            out.push_str(EXTRA_SPACE);
        }
        's' => {
            out.push_str(r"[\s");
            out.push_str(EXTRA_SPACE);
            out.push(']');
        }
        // In a class, "not whitespace" must be written as an intersection.
        'S' if in_class => {
            out.push_str(r"[\S&&[^");
            out.push_str(EXTRA_SPACE);
            out.push_str("]]");
        }
        'S' => {
            out.push_str(r"[^\s");
            out.push_str(EXTRA_SPACE);
            out.push(']');
        }
        'Z' => out.push_str(r"\z"),
        c if c.is_ascii_alphanumeric() || !c.is_ascii() => {
            out.push('\\');
            out.push(c);
        }
        c => {
            if is_rust_meta(c) {
                out.push('\\');
            }
            out.push(c);
        }
    }
}

/// Characters Rust's regex syntax needs escaped to be literal (`regex_syntax::is_meta_character`,
/// plus the class set operators).
fn is_rust_meta(c: char) -> bool {
    matches!(
        c,
        '\\' | '.'
            | '+'
            | '*'
            | '?'
            | '('
            | ')'
            | '|'
            | '['
            | ']'
            | '{'
            | '}'
            | '^'
            | '$'
            | '#'
            | '&'
            | '-'
            | '~'
    )
}

/// A Python repeat `{m}`, `{m,}`, `{,n}`, `{m,n}` at the start of `chars` (which begins with
/// `{`): its Rust spelling and how many characters it used. `None` where Python reads the `{`
/// as a literal (no digits and no comma, or no closing `}` right after the digits).
fn python_repeat(chars: &[char]) -> Option<(String, usize)> {
    let mut i = 1;
    let lo: String = chars[i..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    i += lo.len();
    let mut hi: Option<String> = None;
    if chars.get(i) == Some(&',') {
        i += 1;
        let digits: String = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        i += digits.len();
        hi = Some(digits);
    }
    if chars.get(i) != Some(&'}') || (lo.is_empty() && hi.is_none()) {
        return None;
    }
    let lo = if lo.is_empty() { "0".to_string() } else { lo };
    let repeat = match hi {
        None => format!("{{{lo}}}"),
        Some(hi) => format!("{{{lo},{hi}}}"),
    };
    Some((repeat, i + 1))
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn braces_that_python_reads_as_literals_are_escaped() {
        assert_eq!(translate(r"\n\\chapter{"), r"\n\\chapter\{");
        assert_eq!(translate("a{}"), r"a\{\}");
        assert_eq!(translate("x{a}"), r"x\{a\}");
        assert_eq!(translate("x{1"), r"x\{1");
        assert_eq!(translate("a{1, 2}"), r"a\{1, 2\}");
    }

    #[test]
    fn python_repeats_keep_their_meaning() {
        assert_eq!(translate("a{2}"), "a{2}");
        assert_eq!(translate("a{2,}"), "a{2,}");
        assert_eq!(translate("a{,3}"), "a{0,3}");
        assert_eq!(translate("a{,}"), "a{0,}");
        assert_eq!(translate("\n#{1,6} "), "\n#{1,6} ");
    }

    #[test]
    fn dollar_also_matches_before_a_final_newline() {
        assert_eq!(translate("$$"), r"(?=\n?\z)(?=\n?\z)");
        assert_eq!(translate("(?m)x$"), "(?m)x$");
        assert_eq!(translate(r"\$"), r"\$");
        assert_eq!(translate("[$]"), "[$]");
        assert_eq!(translate(r"a\Z"), r"a\z");
    }

    #[test]
    fn whitespace_classes_include_information_separators() {
        assert_eq!(translate(r"\s+"), r"[\s\x1C-\x1F]+");
        assert_eq!(translate(r"\S"), r"[^\s\x1C-\x1F]");
        assert_eq!(translate(r"[\s,]"), r"[\s\x1C-\x1F,]");
        assert_eq!(translate(r"[^\S]"), r"[^[\S&&[^\x1C-\x1F]]]");
    }

    #[test]
    fn classes_and_escapes() {
        assert_eq!(translate("[[]"), r"[\[]");
        assert_eq!(translate("[]a]"), "[]a]");
        assert_eq!(translate("[^]a]"), "[^]a]");
        assert_eq!(translate("[a&&b]"), r"[a\&&b]");
        assert_eq!(translate(r"\ \:\."), r" :\.");
        assert_eq!(translate(r"\d\w\n\t"), r"\d\w\n\t");
        assert_eq!(translate(r"(?<=\. )"), r"(?<=\. )");
    }
}
