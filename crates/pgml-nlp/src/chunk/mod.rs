//! Text splitters for `pgml.chunk(splitter, text, kwargs)`.
//!
//! PostgresML 2.x ran `SPLITTERS[splitter](**kwargs).split_text(text)` with LangChain's text
//! splitters. This is a port of those splitters, decision for decision, so that text chunked by
//! PostgresML chunks the same way here: `tests/chunk_reference.rs` compares the output with
//! LangChain's (`tests/data/make_chunk_reference.py`) for every splitter and many kwargs.
//!
//! - `character`: CharacterTextSplitter, one separator (`"\n\n"`).
//! - `recursive_character`: RecursiveCharacterTextSplitter, separators tried in order
//!   (`["\n\n", "\n", " ", ""]`); a piece still too long is split with the next ones.
//! - `markdown`, `latex`, `python`: RecursiveCharacterTextSplitter with LangChain's separator
//!   list for that language. Like LangChain's MarkdownTextSplitter & co., the lists are taken
//!   literally unless `is_separator_regex` is true (so `"\n#{1,6} "` only matches itself by
//!   default: LangChain's behaviour, kept for identical chunks).
//!
//! Lengths are measured by a pluggable function (`&dyn Fn(&str) -> usize`): characters
//! (Unicode code points, Python's `len`) by default, tokens when a tokenizer is wired in.
//! Texts are never cut inside a character: pieces are `&str` slices at char boundaries.

mod merge;
mod options;
mod pattern;
mod pyre;

use std::borrow::Cow;

use pgml_core::{Error, Result};
use serde_json::Value;

pub use options::{valid_keys, KeepSeparator, Options, DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE};

use pattern::Pattern;

/// A splitter PostgresML's `pgml.chunk` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Splitter {
    /// `character`
    Character,
    /// `recursive_character`
    RecursiveCharacter,
    /// `markdown`
    Markdown,
    /// `latex`
    Latex,
    /// `python`
    Python,
}

/// The names accepted, in PostgresML's documentation order.
pub const SPLITTERS: &[&str] = &[
    "character",
    "latex",
    "markdown",
    "python",
    "recursive_character",
];

/// LangChain's `Language.MARKDOWN` separators.
const MARKDOWN: &[&str] = &[
    "\n#{1,6} ",
    "```\n",
    "\n\\*\\*\\*+\n",
    "\n---+\n",
    "\n___+\n",
    "\n\n",
    "\n",
    " ",
    "",
];

/// LangChain's `Language.LATEX` separators (the doubled backslashes are LangChain's: taken
/// literally they match `\\chapter{`, as a regex `\chapter{`).
const LATEX: &[&str] = &[
    "\n\\\\chapter{",
    "\n\\\\section{",
    "\n\\\\subsection{",
    "\n\\\\subsubsection{",
    "\n\\\\begin{enumerate}",
    "\n\\\\begin{itemize}",
    "\n\\\\begin{description}",
    "\n\\\\begin{list}",
    "\n\\\\begin{quote}",
    "\n\\\\begin{quotation}",
    "\n\\\\begin{verse}",
    "\n\\\\begin{verbatim}",
    "\n\\\\begin{align}",
    "$$",
    "$",
    " ",
    "",
];

/// LangChain's `Language.PYTHON` separators.
const PYTHON: &[&str] = &["\nclass ", "\ndef ", "\n\tdef ", "\n\n", "\n", " ", ""];

/// RecursiveCharacterTextSplitter's default separators.
const RECURSIVE: &[&str] = &["\n\n", "\n", " ", ""];

impl Splitter {
    /// Reads a splitter name. `nltk` and `spacy` (sentence splitters that need those Python
    /// libraries and their models) are 0A000; anything else is 22023. Both list the names.
    pub fn parse(name: &str) -> Result<Splitter> {
        match name {
            "character" => Ok(Splitter::Character),
            "recursive_character" => Ok(Splitter::RecursiveCharacter),
            "markdown" => Ok(Splitter::Markdown),
            "latex" => Ok(Splitter::Latex),
            "python" => Ok(Splitter::Python),
            "nltk" | "spacy" => Err(Error::not_supported(
                format!("the {name} splitter is not supported"),
                format!(
                    "supported splitters: {}; recursive_character splits on paragraphs, then \
                     lines, then words",
                    SPLITTERS.join(", ")
                ),
            )),
            _ => Err(Error::invalid(
                format!("unknown splitter {name:?}"),
                format!("supported splitters: {}", SPLITTERS.join(", ")),
            )),
        }
    }

    /// The name SQL uses.
    pub fn name(self) -> &'static str {
        match self {
            Splitter::Character => "character",
            Splitter::RecursiveCharacter => "recursive_character",
            Splitter::Markdown => "markdown",
            Splitter::Latex => "latex",
            Splitter::Python => "python",
        }
    }

    /// The separators used unless kwargs give some (only `recursive_character` takes them).
    fn default_separators(self) -> &'static [&'static str] {
        match self {
            Splitter::Character | Splitter::RecursiveCharacter => RECURSIVE,
            Splitter::Markdown => MARKDOWN,
            Splitter::Latex => LATEX,
            Splitter::Python => PYTHON,
        }
    }
}

/// A configured splitter: kwargs read and separators compiled, ready for many texts.
#[derive(Debug)]
pub struct TextSplitter {
    splitter: Splitter,
    options: Options,
    /// `character`: its one separator; the others: their separators in order.
    patterns: Vec<Pattern>,
}

impl TextSplitter {
    /// `splitter` with `kwargs` (a JSON object, as `pgml.chunk` takes it). Errors as
    /// [`Splitter::parse`] and [`Options::parse`] do, and 2201B for a separator regex that
    /// does not compile.
    pub fn new(splitter: &str, kwargs: &Value) -> Result<TextSplitter> {
        let splitter = Splitter::parse(splitter)?;
        let options = Options::parse(splitter, kwargs)?;
        let patterns = match splitter {
            Splitter::Character => vec![Pattern::new(
                &options.separator,
                options.is_separator_regex,
            )?],
            _ => options
                .separators
                .iter()
                .map(|s| Pattern::new(s, options.is_separator_regex))
                .collect::<Result<_>>()?,
        };
        Ok(TextSplitter {
            splitter,
            options,
            patterns,
        })
    }

    /// The settings in force.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The model whose tokenizer should measure lengths (kwargs `"tokenizer"`), if any; the
    /// caller builds the length function from it and passes it to [`Self::split_text`].
    pub fn tokenizer(&self) -> Option<&str> {
        self.options.tokenizer.as_deref()
    }

    /// The chunks of `text`, lengths measured by `length` (see [`chars`]). Errors only for a
    /// separator regex that fails at run time.
    pub fn split_text(&self, text: &str, length: &dyn Fn(&str) -> usize) -> Result<Vec<String>> {
        let budget = merge::Budget::for_text(text);
        match self.splitter {
            Splitter::Character => self.split_character(text, length, &budget),
            _ => self.split_recursive(text, &self.patterns, length, &budget),
        }
    }

    /// CharacterTextSplitter.split_text.
    fn split_character(
        &self,
        text: &str,
        length: &dyn Fn(&str) -> usize,
        budget: &merge::Budget,
    ) -> Result<Vec<String>> {
        let Some(pattern) = self.patterns.first() else {
            return Ok(Vec::new());
        };
        let keep = self.options.keep_separator;
        let splits = pattern.split(text, keep)?;
        // A zero-width look-around separator matched nothing to put back.
        let lookaround = self.options.is_separator_regex
            && ["(?=", "(?<!", "(?<=", "(?!"]
                .iter()
                .any(|p| pattern.source().starts_with(p));
        let separator = if keep.keeps() || lookaround {
            ""
        } else {
            pattern.source()
        };
        self.merge(
            splits.iter().map(|s| (s.as_ref(), length(s))),
            separator,
            length,
            budget,
        )
    }

    /// RecursiveCharacterTextSplitter._split_text.
    fn split_recursive(
        &self,
        text: &str,
        patterns: &[Pattern],
        length: &dyn Fn(&str) -> usize,
        budget: &merge::Budget,
    ) -> Result<Vec<String>> {
        // The first separator found in the text (or the empty one, which always splits); the
        // ones after it are for pieces that are still too long.
        let mut chosen = patterns.last();
        let mut rest: &[Pattern] = &[];
        for (i, pattern) in patterns.iter().enumerate() {
            if pattern.source().is_empty() {
                chosen = Some(pattern);
                break;
            }
            if pattern.found_in(text)? {
                chosen = Some(pattern);
                rest = &patterns[i + 1..];
                break;
            }
        }
        let Some(pattern) = chosen else {
            return Ok(Vec::new());
        };
        let keep = self.options.keep_separator;
        let splits: Vec<Cow<'_, str>> = pattern.split(text, keep)?;
        let separator = if keep.keeps() { "" } else { pattern.source() };

        let mut chunks = Vec::new();
        let mut good: Vec<(&str, usize)> = Vec::new();
        for split in &splits {
            budget.step()?;
            let len = length(split);
            if len < self.options.chunk_size {
                good.push((split, len));
                continue;
            }
            if !good.is_empty() {
                chunks.extend(self.merge(good.drain(..), separator, length, budget)?);
            }
            if rest.is_empty() {
                budget.take(split)?;
                chunks.push(split.to_string());
            } else {
                chunks.extend(self.split_recursive(split, rest, length, budget)?);
            }
        }
        if !good.is_empty() {
            chunks.extend(self.merge(good, separator, length, budget)?);
        }
        Ok(chunks)
    }

    fn merge<'a>(
        &self,
        splits: impl IntoIterator<Item = (&'a str, usize)>,
        separator: &str,
        length: &dyn Fn(&str) -> usize,
        budget: &merge::Budget,
    ) -> Result<Vec<String>> {
        merge::merge_splits(
            splits,
            separator,
            length(separator),
            self.options.chunk_size,
            self.options.chunk_overlap,
            self.options.strip_whitespace,
            budget,
        )
    }
}

/// Python's `len(text)`: Unicode code points. The default length function.
pub fn chars(text: &str) -> usize {
    text.chars().count()
}

/// `pgml.chunk(splitter, text, kwargs)`. Lengths are characters, or tokens of the model that
/// kwargs name in `"tokenizer"`: `tokenizer` loads (or finds in a cache) that model's
/// [`TokenCounter`](crate::tokens::TokenCounter), and is only called when one is named.
pub fn chunk<C: AsRef<crate::tokens::TokenCounter>>(
    splitter: &str,
    text: &str,
    kwargs: &Value,
    tokenizer: impl FnOnce(&str) -> Result<C>,
) -> Result<Vec<String>> {
    let splitter = TextSplitter::new(splitter, kwargs)?;
    match splitter.tokenizer() {
        Some(model) => {
            let counter = tokenizer(model)?;
            let counter = counter.as_ref();
            splitter.split_text(text, &|t: &str| counter.count(t))
        }
        None => splitter.split_text(text, &chars),
    }
}

#[cfg(test)]
mod tests;
