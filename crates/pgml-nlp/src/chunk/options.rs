//! The `kwargs` of `pgml.chunk`: what PostgresML passed to the LangChain splitter's constructor,
//! read strictly. Python raised a TypeError for an unknown keyword; here it is a 22023 error
//! that lists the keys the splitter takes.

use pgml_core::{Error, Result};
use serde_json::{Map, Value};

/// Most separators `recursive_character` takes (see `separators`).
pub const MAX_SEPARATORS: usize = 256;

use super::Splitter;

/// LangChain's `TextSplitter` defaults (`chunk_size=4000, chunk_overlap=200`).
pub const DEFAULT_CHUNK_SIZE: usize = 4000;
/// See [`DEFAULT_CHUNK_SIZE`].
pub const DEFAULT_CHUNK_OVERLAP: usize = 200;

/// Where a separator found in the text goes (LangChain's `keep_separator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepSeparator {
    /// Dropped (`False`); the merge puts the separator back between the pieces it joins.
    No,
    /// At the start of the piece that follows it (`True` or `"start"`).
    Start,
    /// At the end of the piece that precedes it (`"end"`).
    End,
}

impl KeepSeparator {
    /// Whether the separator stays in the pieces (Python's truthiness of `keep_separator`).
    pub fn keeps(self) -> bool {
        self != KeepSeparator::No
    }
}

/// A splitter's settings, with LangChain's defaults for the keys not given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The most a chunk may measure (characters, or tokens with a tokenizer). Chunks can be
    /// longer when a piece cannot be split further, as in LangChain.
    pub chunk_size: usize,
    /// How much of the end of one chunk the next one repeats, at most.
    pub chunk_overlap: usize,
    /// See [`KeepSeparator`]; `No` by default for `character`, `Start` for the others.
    pub keep_separator: KeepSeparator,
    /// Trim whitespace (Python's `str.strip()`) from both ends of every merged chunk.
    pub strip_whitespace: bool,
    /// `character`'s separator (`"\n\n"`).
    pub separator: String,
    /// `recursive_character`'s separators, tried in order; for `markdown`, `latex` and
    /// `python`, LangChain's list for that language.
    pub separators: Vec<String>,
    /// Read the separator(s) as Python regular expressions rather than literal text.
    pub is_separator_regex: bool,
    /// Measure with this model's tokenizer instead of counting characters.
    pub tokenizer: Option<String>,
}

impl Options {
    /// Reads `kwargs` for `splitter`. Errors (22023) on a key the splitter's LangChain
    /// constructor does not take, a value of the wrong type, `chunk_size <= 0`,
    /// `chunk_overlap < 0` or `chunk_overlap > chunk_size`: the cases where LangChain raises.
    pub fn parse(splitter: Splitter, kwargs: &Value) -> Result<Options> {
        let map = match kwargs {
            Value::Object(map) => map,
            Value::Null => &Map::new(),
            other => {
                return Err(Error::invalid(
                    format!("kwargs must be a JSON object, got {}", json_type(other)),
                    format!(
                        "pass the splitter's settings as an object, e.g. {{\"chunk_size\": 500}}; \
                         valid keys for {}: {}",
                        splitter.name(),
                        valid_keys(splitter).join(", ")
                    ),
                ))
            }
        };
        let mut options = Options {
            chunk_size: DEFAULT_CHUNK_SIZE,
            chunk_overlap: DEFAULT_CHUNK_OVERLAP,
            keep_separator: if splitter == Splitter::Character {
                KeepSeparator::No
            } else {
                KeepSeparator::Start
            },
            strip_whitespace: true,
            separator: "\n\n".to_string(),
            separators: splitter
                .default_separators()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            is_separator_regex: false,
            tokenizer: None,
        };
        let mut chunk_size: i64 = DEFAULT_CHUNK_SIZE as i64;
        let mut chunk_overlap: i64 = DEFAULT_CHUNK_OVERLAP as i64;
        for (key, value) in map {
            let ctx = Ctx { splitter, key };
            match key.as_str() {
                "chunk_size" => chunk_size = ctx.integer(value)?,
                "chunk_overlap" => chunk_overlap = ctx.integer(value)?,
                "keep_separator" => options.keep_separator = ctx.keep_separator(value)?,
                "strip_whitespace" => options.strip_whitespace = ctx.boolean(value)?,
                "is_separator_regex" => options.is_separator_regex = ctx.boolean(value)?,
                // Only changes LangChain's Document metadata, never split_text's result.
                "add_start_index" => {
                    ctx.boolean(value)?;
                }
                "tokenizer" => options.tokenizer = Some(ctx.string(value)?),
                "separator" if splitter == Splitter::Character => {
                    options.separator = ctx.string(value)?;
                }
                "separators" if splitter == Splitter::RecursiveCharacter => {
                    // LangChain: `separators or ["\n\n", "\n", " ", ""]`.
                    let given = ctx.strings(value)?;
                    if given.len() > MAX_SEPARATORS {
                        // Each separator is one more level of recursion for pieces still
                        // too long: the list bounds the depth.
                        return Err(Error::invalid(
                            format!(
                                "separators has {} entries; at most {MAX_SEPARATORS} are accepted",
                                given.len()
                            ),
                            "LangChain's own lists have fewer than 30; a regex alternative \
                             (\"is_separator_regex\": true) matches several separators at once",
                        ));
                    }
                    if !given.is_empty() {
                        options.separators = given;
                    }
                }
                _ => return Err(ctx.unknown()),
            }
        }
        if chunk_size <= 0 {
            return Err(Error::invalid(
                format!("chunk_size must be > 0, got {chunk_size}"),
                "chunk_size is the largest chunk wanted, in characters (or tokens)",
            ));
        }
        if chunk_overlap < 0 {
            return Err(Error::invalid(
                format!("chunk_overlap must be >= 0, got {chunk_overlap}"),
                "chunk_overlap is how much consecutive chunks may share; 0 for none",
            ));
        }
        if chunk_overlap > chunk_size {
            return Err(Error::invalid(
                format!("chunk_overlap ({chunk_overlap}) is larger than chunk_size ({chunk_size})"),
                "make chunk_overlap smaller than chunk_size",
            ));
        }
        options.chunk_size = usize::try_from(chunk_size).unwrap_or(usize::MAX);
        options.chunk_overlap = usize::try_from(chunk_overlap).unwrap_or(usize::MAX);
        Ok(options)
    }
}

/// The keys `splitter` accepts, as listed in errors.
pub fn valid_keys(splitter: Splitter) -> Vec<&'static str> {
    let mut keys = vec!["chunk_size", "chunk_overlap"];
    match splitter {
        Splitter::Character => keys.push("separator"),
        Splitter::RecursiveCharacter => keys.push("separators"),
        Splitter::Markdown | Splitter::Latex | Splitter::Python => {}
    }
    keys.extend([
        "is_separator_regex",
        "keep_separator",
        "strip_whitespace",
        "add_start_index",
        "tokenizer",
    ]);
    keys
}

/// One key being read, for error messages.
struct Ctx<'a> {
    splitter: Splitter,
    key: &'a str,
}

impl Ctx<'_> {
    fn wrong_type(&self, expected: &str, value: &Value) -> Error {
        Error::invalid(
            format!(
                "kwargs key \"{}\" must be {expected}, got {}",
                self.key,
                json_type(value)
            ),
            format!(
                "valid keys for {}: {}",
                self.splitter.name(),
                valid_keys(self.splitter).join(", ")
            ),
        )
    }

    fn unknown(&self) -> Error {
        let mut hint = format!(
            "valid keys for {}: {}",
            self.splitter.name(),
            valid_keys(self.splitter).join(", ")
        );
        if matches!(self.key, "separator" | "separators") {
            hint.push_str(
                "; \"separator\" is for character, \"separators\" for recursive_character \
                 (markdown, latex and python use their language's separators)",
            );
        }
        Error::invalid(
            format!(
                "the {} splitter does not take kwargs key \"{}\"",
                self.splitter.name(),
                self.key
            ),
            hint,
        )
    }

    fn integer(&self, value: &Value) -> Result<i64> {
        match value {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_u64().map(|_| i64::MAX))
                .ok_or_else(|| self.wrong_type("an integer", value)),
            _ => Err(self.wrong_type("an integer", value)),
        }
    }

    fn boolean(&self, value: &Value) -> Result<bool> {
        value
            .as_bool()
            .ok_or_else(|| self.wrong_type("true or false", value))
    }

    fn string(&self, value: &Value) -> Result<String> {
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| self.wrong_type("a string", value))
    }

    fn strings(&self, value: &Value) -> Result<Vec<String>> {
        match value {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| self.wrong_type("an array of strings", value))
                })
                .collect(),
            _ => Err(self.wrong_type("an array of strings", value)),
        }
    }

    fn keep_separator(&self, value: &Value) -> Result<KeepSeparator> {
        match value {
            Value::Bool(false) => Ok(KeepSeparator::No),
            Value::Bool(true) => Ok(KeepSeparator::Start),
            Value::String(s) if s == "start" => Ok(KeepSeparator::Start),
            Value::String(s) if s == "end" => Ok(KeepSeparator::End),
            _ => Err(self.wrong_type("true, false, \"start\" or \"end\"", value)),
        }
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgml_core::SqlState;
    use serde_json::json;

    fn parse(splitter: Splitter, kwargs: Value) -> Result<Options> {
        Options::parse(splitter, &kwargs)
    }

    #[test]
    fn defaults_are_langchains() {
        let o = parse(Splitter::Character, json!({})).unwrap();
        assert_eq!((o.chunk_size, o.chunk_overlap), (4000, 200));
        assert_eq!(o.keep_separator, KeepSeparator::No);
        assert!(o.strip_whitespace && !o.is_separator_regex);
        assert_eq!(o.separator, "\n\n");
        let o = parse(Splitter::RecursiveCharacter, Value::Null).unwrap();
        assert_eq!(o.keep_separator, KeepSeparator::Start);
        assert_eq!(o.separators, ["\n\n", "\n", " ", ""]);
    }

    #[test]
    fn empty_separators_mean_the_defaults() {
        let o = parse(Splitter::RecursiveCharacter, json!({"separators": []})).unwrap();
        assert_eq!(o.separators, ["\n\n", "\n", " ", ""]);
        let o = parse(Splitter::RecursiveCharacter, json!({"separators": ["x"]})).unwrap();
        assert_eq!(o.separators, ["x"]);
    }

    #[test]
    fn bad_kwargs_are_22023_and_list_the_valid_keys() {
        for (splitter, kwargs) in [
            (Splitter::Character, json!({"chunk_sise": 10})),
            (Splitter::Markdown, json!({"separators": ["\n"]})),
            (Splitter::Character, json!({"separators": ["\n"]})),
            (Splitter::RecursiveCharacter, json!({"separator": "\n"})),
            (Splitter::Character, json!({"chunk_size": "10"})),
            (Splitter::Character, json!({"chunk_size": 10.5})),
            (Splitter::Character, json!({"keep_separator": "middle"})),
            (Splitter::Character, json!({"strip_whitespace": 1})),
            (
                Splitter::RecursiveCharacter,
                json!({"separators": ["a", 1]}),
            ),
            (Splitter::Character, json!([1, 2])),
            (Splitter::Character, json!({"chunk_size": 0})),
            (
                Splitter::Character,
                json!({"chunk_size": -1, "chunk_overlap": 0}),
            ),
            (Splitter::Character, json!({"chunk_overlap": -1})),
            (
                Splitter::Character,
                json!({"chunk_size": 10, "chunk_overlap": 11}),
            ),
        ] {
            let err = parse(splitter, kwargs.clone()).unwrap_err();
            assert_eq!(err.sqlstate(), SqlState::InvalidParameterValue, "{kwargs}");
            assert!(!err.to_string().is_empty());
            assert!(err.hint().is_some());
        }
        let err = parse(Splitter::Python, json!({"chunk_sise": 10})).unwrap_err();
        assert!(err.to_string().contains("\"chunk_sise\""), "{err}");
        assert!(err.hint().unwrap().contains("chunk_size, chunk_overlap"));
        let err = parse(
            Splitter::Character,
            json!({"chunk_size": 10, "chunk_overlap": 11}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("(11)") && err.to_string().contains("(10)"));
    }

    #[test]
    fn keep_separator_values() {
        for (value, keep) in [
            (json!(true), KeepSeparator::Start),
            (json!(false), KeepSeparator::No),
            (json!("start"), KeepSeparator::Start),
            (json!("end"), KeepSeparator::End),
        ] {
            let o = parse(Splitter::Markdown, json!({"keep_separator": value})).unwrap();
            assert_eq!(o.keep_separator, keep);
        }
    }

    #[test]
    fn overlap_equal_to_size_and_huge_sizes_are_fine() {
        let o = parse(
            Splitter::Character,
            json!({"chunk_size": 5, "chunk_overlap": 5}),
        )
        .unwrap();
        assert_eq!((o.chunk_size, o.chunk_overlap), (5, 5));
        let o = parse(Splitter::Character, json!({"chunk_size": u64::MAX})).unwrap();
        assert_eq!(o.chunk_size as u64, i64::MAX as u64);
    }
}
