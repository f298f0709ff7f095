//! Behaviour beyond the LangChain reference (tests/chunk_reference.rs): errors, pluggable
//! lengths, UTF-8 and size.

use super::*;
use pgml_core::SqlState;
use serde_json::json;
use std::time::Instant;

/// A tokenizer loader for tests that name none.
fn no_tokenizer(name: &str) -> Result<crate::tokens::TokenCounter> {
    panic!("no tokenizer expected, {name} named")
}

fn split(splitter: &str, text: &str, kwargs: Value) -> Vec<String> {
    chunk(splitter, text, &kwargs, no_tokenizer).unwrap()
}

#[test]
fn empty_and_blank_texts_give_no_chunks() {
    for splitter in SPLITTERS {
        assert!(split(splitter, "", json!({})).is_empty(), "{splitter}");
        assert!(
            split(splitter, " \n\n \t", json!({})).is_empty(),
            "{splitter}"
        );
    }
}

#[test]
fn splitter_names() {
    for name in SPLITTERS {
        assert_eq!(Splitter::parse(name).unwrap().name(), *name);
    }
    for name in ["nltk", "spacy"] {
        let err = Splitter::parse(name).unwrap_err();
        assert_eq!(err.sqlstate(), SqlState::FeatureNotSupported);
        assert!(err.hint().unwrap().contains("recursive_character"));
    }
    let err = Splitter::parse("Character").unwrap_err();
    assert_eq!(err.sqlstate(), SqlState::InvalidParameterValue);
    assert!(err.hint().unwrap().contains("character, latex, markdown"));
}

#[test]
fn tokenizer_is_read_and_loaded_only_when_named() {
    let kwargs =
        json!({"tokenizer": "intfloat/e5-small-v2", "chunk_size": 128, "chunk_overlap": 16});
    let missing = |name: &str| -> pgml_core::Result<crate::tokens::TokenCounter> {
        Err(pgml_core::Error::sql(
            SqlState::UndefinedObject,
            format!("no {name}"),
            "install it",
        ))
    };
    let err = chunk("recursive_character", "some text", &kwargs, missing).unwrap_err();
    assert_eq!(err.sqlstate(), SqlState::UndefinedObject);
    assert!(err.to_string().contains("intfloat/e5-small-v2"));
    let never = |_: &str| -> pgml_core::Result<crate::tokens::TokenCounter> { panic!("not named") };
    assert_eq!(
        chunk("character", "a b", &json!({}), never).unwrap(),
        ["a b"]
    );
    let splitter = TextSplitter::new("recursive_character", &kwargs).unwrap();
    assert_eq!(splitter.tokenizer(), Some("intfloat/e5-small-v2"));
    assert_eq!(splitter.options().chunk_size, 128);
}

#[test]
fn length_function_is_pluggable() {
    // Words as "tokens": 3 words per chunk, 1 word of overlap.
    let words = |s: &str| s.split_whitespace().count();
    let splitter = TextSplitter::new(
        "character",
        &json!({"separator": " ", "chunk_size": 3, "chunk_overlap": 1}),
    )
    .unwrap();
    let chunks = splitter.split_text("a b c d e f g", &words).unwrap();
    // The separator " " has 0 words, so pieces join freely up to 3 words.
    assert_eq!(chunks, ["a b c", "c d e", "e f g"]);
}

#[test]
fn lengths_are_code_points_not_bytes() {
    // 5 characters, 15 bytes each word.
    let text = "日本語です 日本語です 日本語です";
    let chunks = split(
        "character",
        text,
        json!({"separator": " ", "chunk_size": 11, "chunk_overlap": 0}),
    );
    assert_eq!(chunks, ["日本語です 日本語です", "日本語です"]);
    // Splitting into single characters never cuts inside one.
    let chunks = split(
        "recursive_character",
        "🙂é日x",
        json!({"chunk_size": 1, "chunk_overlap": 0}),
    );
    assert_eq!(chunks, ["🙂", "é", "日", "x"]);
    // A combining sequence is two code points, as in Python.
    let chunks = split(
        "recursive_character",
        "e\u{301}e\u{301}",
        json!({"chunk_size": 2, "chunk_overlap": 0}),
    );
    assert_eq!(chunks, ["e\u{301}", "e\u{301}"]);
}

#[test]
fn overlong_pieces_are_kept() {
    let chunks = split(
        "character",
        "tiny\n\nthisparagraphislongerthanthechunksize\n\nend",
        json!({"chunk_size": 10, "chunk_overlap": 0}),
    );
    assert_eq!(
        chunks,
        ["tiny", "thisparagraphislongerthanthechunksize", "end"]
    );
}

#[test]
fn invalid_separator_regex_is_2201b() {
    let err = chunk(
        "character",
        "x",
        &json!({"separator": "(unclosed", "is_separator_regex": true}),
        no_tokenizer,
    )
    .unwrap_err();
    assert_eq!(err.sqlstate(), SqlState::InvalidRegularExpression);
}

/// A text of about `bytes` bytes of mixed-width words, paragraphs and lines.
fn big_text(bytes: usize) -> String {
    let words = ["alpha", "βeta", "日本語", "🙂", "delta", "x", "epsilon"];
    let mut text = String::with_capacity(bytes + 16);
    let mut i = 0usize;
    while text.len() < bytes {
        text.push_str(words[i % words.len()]);
        text.push_str(match i % 97 {
            0 => "\n\n",
            n if n % 13 == 0 => "\n",
            _ => " ",
        });
        i += 1;
    }
    text
}

#[test]
fn one_megabyte_is_fast_and_lossless() {
    let text = big_text(1 << 20);
    for splitter in SPLITTERS {
        let start = Instant::now();
        let chunks = split(
            splitter,
            &text,
            json!({"chunk_size": 500, "chunk_overlap": 50}),
        );
        let elapsed = start.elapsed();
        // Debug builds included; LangChain needs about a second for this.
        assert!(elapsed.as_secs_f64() < 10.0, "{splitter}: {elapsed:?}");
        assert!(chunks.len() > 1000, "{splitter}: {}", chunks.len());
        for c in &chunks {
            assert!(chars(c) <= 500, "{splitter}: chunk of {}", chars(c));
        }
        // Every word of the text is in some chunk, in order.
        let joined: String = chunks.join(" ");
        assert!(joined.contains("epsilon"));
    }
    // No separator at all: the recursive splitter falls back to single characters.
    let text = "é".repeat(1 << 19);
    let start = Instant::now();
    let chunks = split(
        "recursive_character",
        &text,
        json!({"chunk_size": 1000, "chunk_overlap": 100}),
    );
    assert!(start.elapsed().as_secs_f64() < 10.0);
    assert_eq!(chunks.first().map(|c| chars(c)), Some(1000));
    assert!(chunks.iter().all(|c| c.chars().all(|ch| ch == 'é')));
    // Overlap 100 of 1000: each chunk advances by 900 characters.
    assert_eq!(
        chunks.len(),
        (((1 << 19) - 1000) as f64 / 900.0).ceil() as usize + 1
    );
}

#[test]
fn an_overlap_that_would_multiply_the_text_is_refused() {
    // After the first chunk every character starts a chunk of nearly chunk_size: about
    // 2.5 GB of chunks for a text of 100 KB.
    let text = "a".repeat(100_000);
    let err = chunk(
        "recursive_character",
        &text,
        &json!({"chunk_size": 50_000, "chunk_overlap": 49_999}),
        no_tokenizer,
    )
    .unwrap_err();
    assert_eq!(err.sqlstate(), SqlState::ProgramLimitExceeded);
    assert!(err.hint().unwrap().contains("chunk_overlap"), "{err}");
    // An ordinary overlap of the same text is fine.
    let chunks = split(
        "recursive_character",
        &text,
        json!({"chunk_size": 1000, "chunk_overlap": 200}),
    );
    assert!(chunks.len() > 100);
}

#[test]
fn separators_are_bounded() {
    let many: Vec<String> = (0..=super::options::MAX_SEPARATORS)
        .map(|i| format!("<{i}>"))
        .collect();
    let err = chunk(
        "recursive_character",
        "text",
        &json!({"separators": many}),
        no_tokenizer,
    )
    .unwrap_err();
    assert_eq!(err.sqlstate(), SqlState::InvalidParameterValue);
    let enough = &many[..super::options::MAX_SEPARATORS];
    assert_eq!(
        split(
            "recursive_character",
            "a<1>b",
            json!({"separators": enough, "chunk_size": 1, "chunk_overlap": 0})
        ),
        vec!["a", "<1>b"]
    );
}
