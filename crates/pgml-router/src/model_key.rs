//! Which model a statement uses, for model affinity: the first call of a pgml function
//! that loads a model (`pgml.embed('model', ...)`, `pgml.transform('{"model": ...}', ...)`,
//! `pgml.predict('project', ...)`, ...) and its first argument, a string literal or a
//! parameter. Found from the words alone; statements it cannot read have no key.

use std::hash::{Hash, Hasher};

/// pgml functions whose first argument names the model (or project) they load.
const MODEL_FUNCTIONS: &[&str] = &[
    "embed",
    "transform",
    "transform_stream",
    "predict",
    "predict_proba",
    "predict_joint",
    "predict_batch",
    "decision_function",
    "chunk",
];

/// A statement's model argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelArg {
    /// A string literal: the function and the literal's text.
    Literal { function: String, value: String },
    /// Parameter `$n` (1-based), bound later.
    Param { function: String, n: usize },
}

impl ModelArg {
    /// The key of the model once the argument's value is known (functions that load the
    /// same model share it: `transform` and `transform_stream`, the `predict`s).
    pub fn key(function: &str, value: &str) -> u64 {
        let family = match function {
            "transform_stream" => "transform",
            f if f.starts_with("predict") || f == "decision_function" => "predict",
            other => other,
        };
        let mut hasher = std::hash::DefaultHasher::new();
        family.hash(&mut hasher);
        value.hash(&mut hasher);
        // 0 marks an empty slot in a connection's list of models.
        hasher.finish().max(1)
    }
}

/// The model argument of the first model-loading pgml call in `sql`.
pub fn model_arg(sql: &str) -> Option<ModelArg> {
    let lower = sql.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(at) = lower[from..].find("pgml.") {
        let start = from + at;
        from = start + 5;
        // "pgml" must be a whole word.
        if start > 0 && is_word_byte(bytes[start - 1]) {
            continue;
        }
        let name_end = from
            + lower[from..]
                .bytes()
                .take_while(|&b| is_word_byte(b))
                .count();
        let function = &lower[from..name_end];
        if !MODEL_FUNCTIONS.contains(&function) {
            continue;
        }
        let mut i = skip_space(bytes, name_end);
        if bytes.get(i) != Some(&b'(') {
            continue;
        }
        i = skip_space(bytes, i + 1);
        // A named argument: `name => value`.
        let word = bytes[i..].iter().take_while(|&&b| is_word_byte(b)).count();
        if word > 0 {
            let after = skip_space(bytes, i + word);
            if bytes[after..].starts_with(b"=>") {
                i = skip_space(bytes, after + 2);
            }
        }
        return first_argument(sql, i, function);
    }
    None
}

fn first_argument(sql: &str, i: usize, function: &str) -> Option<ModelArg> {
    let bytes = sql.as_bytes();
    match bytes.get(i)? {
        b'\'' => {
            let mut value = String::new();
            let mut j = i + 1;
            loop {
                let end = j + sql.get(j..)?.find('\'')?;
                value.push_str(sql.get(j..end)?);
                if bytes.get(end + 1) == Some(&b'\'') {
                    value.push('\'');
                    j = end + 2;
                } else {
                    break;
                }
            }
            Some(ModelArg::Literal {
                function: function.to_owned(),
                value,
            })
        }
        b'$' => {
            let digits: String = sql
                .get(i + 1..)?
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let n: usize = digits.parse().ok().filter(|&n| n > 0)?;
            Some(ModelArg::Param {
                function: function.to_owned(),
                n,
            })
        }
        _ => None,
    }
}

/// Puts `key` first in a most-recent-first list (0: empty slot); the oldest falls off.
pub fn remember<const N: usize>(keys: &mut [u64; N], key: u64) {
    if N == 0 {
        return;
    }
    let at = keys.iter().position(|&k| k == key).unwrap_or(N - 1);
    keys[..=at].rotate_right(1);
    keys[0] = key;
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(function: &str, value: &str) -> Option<ModelArg> {
        Some(ModelArg::Literal {
            function: function.to_owned(),
            value: value.to_owned(),
        })
    }

    #[test]
    fn finds_the_model_argument() {
        assert_eq!(
            model_arg("SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'hi')"),
            literal("embed", "sentence-transformers/all-MiniLM-L6-v2")
        );
        assert_eq!(
            model_arg(
                "select PGML.Transform( task => '{\"model\": \"x\"}'::jsonb, inputs => ARRAY['a'])"
            ),
            literal("transform", "{\"model\": \"x\"}")
        );
        assert_eq!(
            model_arg("SELECT pgml.predict('it''s', ARRAY[1.0])"),
            literal("predict", "it's")
        );
        assert_eq!(
            model_arg("SELECT pgml.embed($2, $1)"),
            Some(ModelArg::Param {
                function: "embed".to_owned(),
                n: 2
            })
        );
        // The first model-loading call counts; other pgml functions do not.
        assert_eq!(
            model_arg(
                "SELECT pgml.version(), pgml.embed('a', t) FROM x WHERE pgml.predict('b', y) > 0"
            ),
            literal("embed", "a")
        );
        for none in [
            "SELECT 1",
            "SELECT mypgml.embed('a', 'b')",
            "SELECT pgml.embed(model_column, 'b') FROM t",
            "SELECT pgml.embedding('a')",
            "SELECT pgml.embed('unterminated",
            "SELECT pgml.embed($0, 'x')",
        ] {
            assert_eq!(model_arg(none), None, "{none}");
        }
    }

    #[test]
    fn remembers_most_recent_first() {
        let mut keys = [0u64; 3];
        remember(&mut keys, 5);
        assert_eq!(keys, [5, 0, 0]);
        remember(&mut keys, 6);
        remember(&mut keys, 7);
        assert_eq!(keys, [7, 6, 5]);
        remember(&mut keys, 5);
        assert_eq!(keys, [5, 7, 6]);
        remember(&mut keys, 8);
        assert_eq!(keys, [8, 5, 7]);
        remember(&mut keys, 8);
        assert_eq!(keys, [8, 5, 7]);
    }

    #[test]
    fn keys_differ_by_function_and_value() {
        let a = ModelArg::key("embed", "m1");
        assert_eq!(a, ModelArg::key("embed", "m1"));
        assert_ne!(a, ModelArg::key("embed", "m2"));
        assert_ne!(a, ModelArg::key("predict", "m1"));
        assert_eq!(
            ModelArg::key("predict", "p"),
            ModelArg::key("predict_proba", "p")
        );
        assert_eq!(
            ModelArg::key("transform", "t"),
            ModelArg::key("transform_stream", "t")
        );
        assert_ne!(a, 0);
    }
}
