//! Separators and LangChain's `_split_text_with_regex`: cutting a text at a separator, keeping
//! the separator at the start or end of the pieces or dropping it, and dropping empty pieces.
//!
//! Literal separators (the default) are found with `str::match_indices`, which finds the same
//! non-overlapping, leftmost matches as Python's `re.split(re.escape(sep), text)`. Regex
//! separators go through `fancy_regex` after [`super::pyre::translate`], and the split
//! reproduces Python's `re.split`, capture groups included.

use std::borrow::Cow;

use fancy_regex::Regex;
use pgml_core::{Error, Result, SqlState};

use super::pyre;
use super::KeepSeparator;

/// One separator, compiled once per call.
#[derive(Debug)]
pub(crate) enum Pattern {
    /// Literal text.
    Literal(String),
    /// A Python regular expression.
    Regex {
        /// As the user wrote it: LangChain puts this string (not a match) between merged
        /// pieces when separators are not kept.
        source: String,
        /// The translated pattern, for `re.search` and `re.split(sep, text)`.
        plain: Regex,
        /// `(sep)`, for `re.split(f"({sep})", text)` when separators are kept.
        grouped: Regex,
    },
}

impl Pattern {
    /// Compiles `source`; a regex that does not compile is a 2201B error naming it.
    pub(crate) fn new(source: &str, is_regex: bool) -> Result<Pattern> {
        if !is_regex {
            return Ok(Pattern::Literal(source.to_string()));
        }
        let translated = pyre::translate(source);
        let compile = |pattern: &str| {
            Regex::new(pattern).map_err(|err| {
                Error::sql(
                    SqlState::InvalidRegularExpression,
                    format!("invalid separator regular expression {source:?}: {err}"),
                    "separators are Python regular expressions when is_separator_regex is \
                     true; escape special characters or set is_separator_regex to false",
                )
            })
        };
        Ok(Pattern::Regex {
            source: source.to_string(),
            plain: compile(&translated)?,
            grouped: compile(&format!("({translated})"))?,
        })
    }

    /// The separator as given.
    pub(crate) fn source(&self) -> &str {
        match self {
            Pattern::Literal(s) => s,
            Pattern::Regex { source, .. } => source,
        }
    }

    /// Python's `re.search(sep, text)`.
    pub(crate) fn found_in(&self, text: &str) -> Result<bool> {
        match self {
            Pattern::Literal(s) => Ok(text.contains(s.as_str())),
            Pattern::Regex { plain, source, .. } => {
                plain.is_match(text).map_err(|err| runtime(source, err))
            }
        }
    }

    /// LangChain's `_split_text_with_regex(text, sep, keep_separator)`: the non-empty pieces.
    /// An empty separator splits into characters (code points), as `list(text)` does.
    pub(crate) fn split<'a>(
        &self,
        text: &'a str,
        keep: KeepSeparator,
    ) -> Result<Vec<Cow<'a, str>>> {
        if self.source().is_empty() {
            return Ok(text
                .char_indices()
                .map(|(at, c)| Cow::Borrowed(&text[at..at + c.len_utf8()]))
                .collect());
        }
        let parts = match self {
            Pattern::Literal(sep) => literal_split(text, sep, keep.keeps()),
            Pattern::Regex {
                plain,
                grouped,
                source,
            } => {
                let regex = if keep.keeps() { grouped } else { plain };
                regex_split(text, regex).map_err(|err| runtime(source, err))?
            }
        };
        let splits = if keep.keeps() {
            attach_separators(text, &parts, keep)?
        } else {
            parts.into_iter().flatten().map(Cow::Borrowed).collect()
        };
        Ok(splits.into_iter().filter(|s| !s.is_empty()).collect())
    }
}

fn runtime(source: &str, err: fancy_regex::Error) -> Error {
    Error::sql(
        SqlState::InvalidRegularExpression,
        format!("separator regular expression {source:?} failed: {err}"),
        "simplify the regular expression (avoid nested repetition with back-references or \
         look-around)",
    )
}

/// `re.split(re.escape(sep), text)`, or `re.split(f"({re.escape(sep)})", text)` with
/// `grouped`: pieces, each followed (when grouped) by the separator it was cut at.
fn literal_split<'a>(text: &'a str, sep: &str, grouped: bool) -> Vec<Option<&'a str>> {
    let mut parts = Vec::new();
    let mut last = 0;
    for (at, matched) in text.match_indices(sep) {
        parts.push(Some(&text[last..at]));
        if grouped {
            parts.push(Some(matched));
        }
        last = at + matched.len();
    }
    parts.push(Some(&text[last..]));
    parts
}

/// Python's `re.split(regex, text)`: the pieces between matches, each match followed by its
/// capture groups (`None` for a group that did not take part).
fn regex_split<'a>(
    text: &'a str,
    regex: &Regex,
) -> std::result::Result<Vec<Option<&'a str>>, fancy_regex::Error> {
    let mut parts = Vec::new();
    let mut last = 0;
    for captures in regex.captures_iter(text) {
        let captures = captures?;
        let Some(whole) = captures.get(0) else {
            continue;
        };
        parts.push(Some(&text[last..whole.start()]));
        for group in 1..captures.len() {
            parts.push(captures.get(group).map(|m| m.as_str()));
        }
        last = whole.end();
    }
    parts.push(Some(&text[last..]));
    Ok(parts)
}

/// LangChain's pairing of `re.split(f"({sep})", text)`'s output `[p0, s0, p1, s1, ..., pn]`:
/// `"start"` gives `[p0, s0+p1, s1+p2, ...]`, `"end"` gives `[p0+s0, p1+s1, ..., pn]`. Done by
/// index, as Python does, so a separator regex with its own groups pairs the same (odd) way;
/// a pair with a group that did not match is a Python TypeError, here an error.
fn attach_separators<'a>(
    text: &'a str,
    parts: &[Option<&'a str>],
    keep: KeepSeparator,
) -> Result<Vec<Cow<'a, str>>> {
    let n = parts.len();
    let group_error = |python: &str| {
        Error::sql(
            SqlState::InvalidRegularExpression,
            format!(
                "the capture groups of the separator regular expression cannot be kept \
                 with the text (Python raises {python} here)"
            ),
            "use non-capturing groups (?:...) in the separator, or set keep_separator to false",
        )
    };
    let pair = |i: usize| -> Result<Cow<'a, str>> {
        match (parts[i], parts.get(i + 1)) {
            (Some(a), Some(Some(b))) => Ok(concat(text, a, b)),
            (_, None) => Err(group_error("IndexError")),
            _ => Err(group_error("TypeError")),
        }
    };
    let mut out = Vec::with_capacity(n / 2 + 2);
    if keep == KeepSeparator::End {
        for i in (0..n.saturating_sub(1)).step_by(2) {
            out.push(pair(i)?);
        }
        if n.is_multiple_of(2) {
            push_part(&mut out, parts[n - 1]);
        }
        push_part(&mut out, parts[n - 1]);
    } else {
        push_part(&mut out, parts[0]);
        // With an even count the last index has no partner: Python's IndexError.
        for i in (1..n).step_by(2) {
            out.push(pair(i)?);
        }
    }
    Ok(out)
}

/// Appends a part; `None` (a group that did not match) is dropped, as Python's final filter
/// `[s for s in splits if s]` drops it.
fn push_part<'a>(out: &mut Vec<Cow<'a, str>>, part: Option<&'a str>) {
    if let Some(part) = part {
        out.push(Cow::Borrowed(part));
    }
}

/// `a + b`, borrowed from `text` when `b` follows `a` there (always, unless the separator has
/// groups of its own).
fn concat<'a>(text: &'a str, a: &'a str, b: &'a str) -> Cow<'a, str> {
    let base = text.as_ptr() as usize;
    let (a_start, b_start) = (a.as_ptr() as usize, b.as_ptr() as usize);
    let in_text = |start: usize, len: usize| start >= base && start + len <= base + text.len();
    if in_text(a_start, a.len()) && in_text(b_start, b.len()) && a_start + a.len() == b_start {
        let start = a_start - base;
        Cow::Borrowed(&text[start..start + a.len() + b.len()])
    } else {
        Cow::Owned(format!("{a}{b}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(sep: &str, regex: bool, text: &str, keep: KeepSeparator) -> Vec<String> {
        Pattern::new(sep, regex)
            .unwrap()
            .split(text, keep)
            .unwrap()
            .into_iter()
            .map(Cow::into_owned)
            .collect()
    }

    #[test]
    fn literal_splits_like_re_split() {
        assert_eq!(
            split(",", false, "a,b,,c,", KeepSeparator::No),
            ["a", "b", "c"]
        );
        assert_eq!(
            split(",", false, "a,b,,c,", KeepSeparator::Start),
            ["a", ",b", ",", ",c", ","]
        );
        assert_eq!(
            split(",", false, "a,b,,c,", KeepSeparator::End),
            ["a,", "b,", ",", "c,"]
        );
        assert_eq!(split(",", false, ",a", KeepSeparator::Start), [",a"]);
        assert_eq!(split("ab", false, "xababy", KeepSeparator::No), ["x", "y"]);
        assert_eq!(split(".", false, "a.b", KeepSeparator::No), ["a", "b"]);
    }

    #[test]
    fn empty_separator_gives_code_points() {
        assert_eq!(
            split("", false, "aé日🙂", KeepSeparator::No),
            ["a", "é", "日", "🙂"]
        );
        assert_eq!(split("", true, "ab", KeepSeparator::Start), ["a", "b"]);
    }

    #[test]
    fn regex_groups_appear_like_in_python() {
        // re.split("(,)", "a,b") == ["a", ",", "b"]
        assert_eq!(
            split("(,)", true, "a,b", KeepSeparator::No),
            ["a", ",", "b"]
        );
        // Kept, the pattern is "((,))": two groups per match, paired by index as LangChain
        // does (its output for these inputs).
        assert_eq!(
            split("(,)", true, "a,b,c", KeepSeparator::Start),
            ["a", ",,", "b,", ",c"]
        );
        assert_eq!(
            split("(,)", true, "a,b", KeepSeparator::End),
            ["a,", ",b", "b", "b"]
        );
        assert_eq!(
            split("(,)", true, "a,b,c", KeepSeparator::End),
            ["a,", ",b", ",,", "c"]
        );
        let err = Pattern::new("(,)", true)
            .unwrap()
            .split("a,b", KeepSeparator::Start);
        assert!(err.unwrap_err().to_string().contains("IndexError"));
        assert_eq!(
            split(r"\s+", true, "a  b\tc", KeepSeparator::Start),
            ["a", "  b", "\tc"]
        );
        assert_eq!(
            split(r"(?<=\. )", true, "A. B. C", KeepSeparator::No),
            ["A. ", "B. ", "C"]
        );
    }

    #[test]
    fn unmatched_group_in_kept_separator_is_an_error() {
        let p = Pattern::new("(x)|y", true).unwrap();
        let err = p.split("ayb", KeepSeparator::End).unwrap_err();
        assert_eq!(err.sqlstate(), SqlState::InvalidRegularExpression);
        assert_eq!(split("(x)|y", true, "ayb", KeepSeparator::No), ["a", "b"]);
    }

    #[test]
    fn bad_regex_is_2201b() {
        let err = Pattern::new("(", true).unwrap_err();
        assert_eq!(err.sqlstate(), SqlState::InvalidRegularExpression);
        assert!(err.to_string().contains("\"(\""));
    }
}
