//! LangChain's `TextSplitter._merge_splits`: pieces (each shorter than the chunk size, or
//! not) are joined with the separator into chunks of at most `chunk_size`, and each new chunk
//! starts with the last pieces of the previous one, up to `chunk_overlap`.
//!
//! Same decisions as the Python, step by step, with two changes that do not change the output:
//! each piece's length is measured once (Python measures a piece again when it drops it from
//! the window; the length function is pure), and the window is a `VecDeque` (Python's
//! `current_doc[1:]` copies the list on every drop).

use std::cell::Cell;
use std::collections::VecDeque;

use pgml_core::interrupt::Countdown;
use pgml_core::{Error, Result, SqlState};

/// What one call of a splitter may still return, and the cancel checks on the way.
///
/// Chunks overlap, so the output can be larger than the text; with `chunk_overlap` near
/// `chunk_size` every piece of the text starts a chunk of nearly `chunk_size`, and a 2 MB
/// text would become a terabyte. The chunks' total size is bounded by 64 MiB plus 16
/// times the text (overlaps up to 15/16 of the chunk size fit).
pub(crate) struct Budget {
    left: Cell<usize>,
    limit: usize,
    text: usize,
    ticks: Cell<Countdown>,
}

impl Budget {
    /// The budget for splitting `text`.
    pub(crate) fn for_text(text: &str) -> Budget {
        let limit = (64usize << 20).saturating_add(text.len().saturating_mul(16));
        Budget {
            left: Cell::new(limit),
            limit,
            text: text.len(),
            ticks: Cell::new(Countdown::new(1024)),
        }
    }

    /// One more step of the work: errors on a cancel.
    pub(crate) fn step(&self) -> Result<()> {
        let mut ticks = self.ticks.get();
        let checked = ticks.tick();
        self.ticks.set(ticks);
        checked
    }

    /// Counts a chunk against the budget.
    pub(crate) fn take(&self, chunk: &str) -> Result<()> {
        self.step()?;
        match self.left.get().checked_sub(chunk.len()) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => Err(Error::sql(
                SqlState::ProgramLimitExceeded,
                format!(
                    "pgml.chunk would return more than {} MB of chunks for a text of {} bytes",
                    self.limit >> 20,
                    self.text
                ),
                "chunk_overlap close to chunk_size repeats most of the text in every chunk; \
                 lower chunk_overlap",
            )),
        }
    }
}

/// A piece of text and its length under the splitter's length function.
pub(crate) type Piece<'a> = (&'a str, usize);

/// Merges `splits` into chunks; see the module documentation. A piece longer than `chunk_size`
/// becomes (part of) a chunk longer than `chunk_size`: LangChain logs "Created a chunk of size
/// X, which is longer than the specified Y" and keeps it, and so does this.
pub(crate) fn merge_splits<'a>(
    splits: impl IntoIterator<Item = Piece<'a>>,
    separator: &str,
    separator_len: usize,
    chunk_size: usize,
    chunk_overlap: usize,
    strip_whitespace: bool,
    budget: &Budget,
) -> Result<Vec<String>> {
    let mut docs = Vec::new();
    let mut current: VecDeque<Piece<'a>> = VecDeque::new();
    let mut total: usize = 0;
    for (piece, len) in splits {
        let joined = |current: &VecDeque<Piece<'a>>| {
            if current.is_empty() {
                0
            } else {
                separator_len
            }
        };
        budget.step()?;
        if total + len + joined(&current) > chunk_size && !current.is_empty() {
            if let Some(doc) = join_docs(&current, separator, strip_whitespace) {
                budget.take(&doc)?;
                docs.push(doc);
            }
            // Drop pieces from the front while the window is longer than the overlap, or
            // while the new piece would not fit after it.
            while total > chunk_overlap
                || (total + len + joined(&current) > chunk_size && total > 0)
            {
                let Some((_, first_len)) = current.pop_front() else {
                    break;
                };
                let sep = if current.is_empty() { 0 } else { separator_len };
                total = total.saturating_sub(first_len + sep);
            }
        }
        current.push_back((piece, len));
        total += len + if current.len() > 1 { separator_len } else { 0 };
    }
    if let Some(doc) = join_docs(&current, separator, strip_whitespace) {
        budget.take(&doc)?;
        docs.push(doc);
    }
    Ok(docs)
}

/// `separator.join(pieces)`, stripped of Python whitespace when asked; `None` when empty.
fn join_docs(pieces: &VecDeque<Piece<'_>>, separator: &str, strip: bool) -> Option<String> {
    let len: usize = pieces.iter().map(|(p, _)| p.len()).sum::<usize>()
        + separator.len() * pieces.len().saturating_sub(1);
    let mut text = String::with_capacity(len);
    for (i, (piece, _)) in pieces.iter().enumerate() {
        if i > 0 {
            text.push_str(separator);
        }
        text.push_str(piece);
    }
    if strip {
        let trimmed = text.trim_matches(is_python_whitespace);
        if trimmed.len() != text.len() {
            text = trimmed.to_string();
        }
    }
    (!text.is_empty()).then_some(text)
}

/// Python's `str.isspace()`: Unicode White_Space (Rust's `char::is_whitespace`) plus the
/// information separators U+001C..U+001F. `str.strip()` trims these.
pub(crate) fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merge(pieces: &[&str], sep: &str, size: usize, overlap: usize) -> Vec<String> {
        merge_splits(
            pieces.iter().map(|p| (*p, p.chars().count())),
            sep,
            sep.chars().count(),
            size,
            overlap,
            true,
            &Budget::for_text(""),
        )
        .unwrap()
    }

    #[test]
    fn merges_up_to_chunk_size_with_overlap() {
        // LangChain: CharacterTextSplitter(separator=" ", chunk_size=7, chunk_overlap=3)
        // .split_text("foo bar baz 123") == ["foo bar", "bar baz", "baz 123"]
        assert_eq!(
            merge(&["foo", "bar", "baz", "123"], " ", 7, 3),
            ["foo bar", "bar baz", "baz 123"]
        );
        assert_eq!(merge(&["a", "b", "c"], " ", 100, 0), ["a b c"]);
    }

    #[test]
    fn long_pieces_are_kept_whole() {
        assert_eq!(
            merge(&["short", "muchlongerthanten", "x"], " ", 10, 0),
            ["short", "muchlongerthanten", "x"]
        );
    }

    #[test]
    fn whitespace_only_chunks_vanish() {
        assert!(merge(&["  ", "\u{1c}"], "", 10, 0).is_empty());
        assert_eq!(merge(&[" a ", "b\u{3000}"], "", 10, 0), ["a b"]);
    }

    #[test]
    fn python_whitespace_matches_str_isspace() {
        // [hex(c) for c in range(0x110000) if chr(c).isspace()]
        let python: Vec<u32> = vec![
            0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000,
            0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028,
            0x2029, 0x202f, 0x205f, 0x3000,
        ];
        let ours: Vec<u32> = (0..=0x10ffffu32)
            .filter_map(char::from_u32)
            .filter(|c| is_python_whitespace(*c))
            .map(u32::from)
            .collect();
        assert_eq!(ours, python);
    }
}
