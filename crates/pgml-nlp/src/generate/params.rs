//! Generation settings from `pgml.transform`'s `args`, with Hugging Face's names.

use serde_json::Value;

use crate::options::Options;
use pgml_core::{Error, Result};

/// Default length of an answer, in tokens, when `max_new_tokens` is not given (Hugging Face's
/// pipelines stop at 20 total tokens by default, which cuts most answers short).
pub const DEFAULT_MAX_NEW_TOKENS: usize = 128;

/// How the next token is chosen when sampling.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampling {
    pub temperature: f32,
    /// Nucleus sampling: keep the smallest set of tokens whose probability reaches `top_p`.
    pub top_p: f32,
    /// Keep the `top_k` most likely tokens (0 = all).
    pub top_k: i32,
    /// Fixed seed for reproducible samples; a fresh one per call when absent.
    pub seed: Option<u32>,
}

/// Everything that steers one generation.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationParams {
    /// Upper bound on generated tokens; the context window may stop it earlier.
    pub max_new_tokens: usize,
    /// `None`: greedy decoding (always the most likely token).
    pub sampling: Option<Sampling>,
    /// Hugging Face's `repetition_penalty` (1.0 = off).
    pub repetition_penalty: f32,
    /// Generation stops before the first of these texts; it is not part of the output.
    pub stop: Vec<String>,
    /// Text inputs only: return the prompt followed by the generation (Hugging Face's
    /// `return_full_text`, true by default in its text-generation pipeline).
    pub return_full_text: bool,
    /// Answers per input (Hugging Face's `num_return_sequences`), each sampled on its own;
    /// above 1 only with sampling, as in Hugging Face (greedy answers would all be equal).
    pub num_return_sequences: usize,
}

/// Most answers one input may ask for.
pub const MAX_RETURN_SEQUENCES: usize = 64;

impl Default for GenerationParams {
    fn default() -> Self {
        GenerationParams {
            max_new_tokens: DEFAULT_MAX_NEW_TOKENS,
            sampling: None,
            repetition_penalty: 1.0,
            stop: Vec::new(),
            return_full_text: true,
            num_return_sequences: 1,
        }
    }
}

const ARGS_KEYS: &[&str] = &[
    "max_new_tokens",
    "max_tokens",
    "do_sample",
    "temperature",
    "top_p",
    "top_k",
    "seed",
    "repetition_penalty",
    "stop",
    "stop_sequences",
    "return_full_text",
    "num_return_sequences",
];

fn out_of_range(key: &str, rule: &str, value: impl std::fmt::Display) -> Error {
    Error::invalid(
        format!("pgml.transform args key {key:?} must be {rule}, not {value}"),
        format!("valid keys: {}", ARGS_KEYS.join(", ")),
    )
}

impl GenerationParams {
    /// Parses `args`. Sampling is on when `do_sample` is true, or when it is absent and a
    /// `temperature` above 0 is given (llama.cpp's convention; Hugging Face would ignore the
    /// temperature without `do_sample`). Greedy otherwise.
    pub fn from_args(args: &Value) -> Result<Self> {
        let mut o = Options::new("pgml.transform args", ARGS_KEYS, args)?;
        let max_new = o.i64("max_new_tokens", 1)?;
        let max_tokens = o.i64("max_tokens", 1)?;
        let do_sample = o.bool("do_sample")?;
        let temperature = o.f64("temperature")?;
        let top_p = o.f64("top_p")?;
        let top_k = o.i64("top_k", 0)?;
        let seed = o.i64("seed", 0)?;
        let repetition_penalty = o.f64("repetition_penalty")?;
        let stop = o.strings("stop")?;
        let stop_sequences = o.strings("stop_sequences")?;
        let return_full_text = o.bool("return_full_text")?;
        let n = o.i64("num_return_sequences", 1)?;
        o.finish()?;

        let num_return_sequences = match n {
            None => 1,
            Some(n) => match usize::try_from(n) {
                Ok(n @ 1..=MAX_RETURN_SEQUENCES) => n,
                _ => {
                    return Err(out_of_range(
                        "num_return_sequences",
                        &format!("between 1 and {MAX_RETURN_SEQUENCES}"),
                        n,
                    ))
                }
            },
        };
        let max_new_tokens =
            match (max_new, max_tokens) {
                (Some(_), Some(_)) => return Err(Error::invalid(
                    "pgml.transform args may hold \"max_new_tokens\" or \"max_tokens\", not both",
                    "they mean the same: the most tokens to generate",
                )),
                (Some(n), None) | (None, Some(n)) => usize::try_from(n).unwrap_or(usize::MAX),
                (None, None) => DEFAULT_MAX_NEW_TOKENS,
            };
        if let Some(t) = temperature {
            if t < 0.0 {
                return Err(out_of_range("temperature", "at least 0", t));
            }
        }
        if let Some(p) = top_p {
            if !(p > 0.0 && p <= 1.0) {
                return Err(out_of_range("top_p", "in (0, 1]", p));
            }
        }
        if let Some(r) = repetition_penalty {
            if r <= 0.0 {
                return Err(out_of_range("repetition_penalty", "above 0", r));
            }
        }
        let seed = match seed {
            Some(s) => Some(u32::try_from(s).map_err(|_| out_of_range("seed", "below 2^32", s))?),
            None => None,
        };
        let sample = do_sample.unwrap_or(temperature.is_some_and(|t| t > 0.0));
        let temperature = temperature.unwrap_or(1.0);
        let sampling = (sample && temperature > 0.0).then(|| Sampling {
            temperature: temperature as f32,
            top_p: top_p.unwrap_or(1.0) as f32,
            top_k: top_k.map_or(0, |k| i32::try_from(k).unwrap_or(i32::MAX)),
            seed,
        });
        let mut stops = stop.unwrap_or_default();
        stops.extend(stop_sequences.unwrap_or_default());
        if stops.iter().any(String::is_empty) {
            return Err(out_of_range("stop", "non-empty texts", "\"\""));
        }
        if num_return_sequences > 1 && sampling.is_none() {
            return Err(Error::invalid(
                format!(
                    "num_return_sequences {num_return_sequences} needs sampling: greedy decoding gives one answer"
                ),
                "add \"do_sample\": true (and a temperature above 0), as Hugging Face requires",
            ));
        }
        Ok(GenerationParams {
            max_new_tokens,
            sampling,
            repetition_penalty: repetition_penalty.unwrap_or(1.0) as f32,
            stop: stops,
            return_full_text: return_full_text.unwrap_or(true),
            num_return_sequences,
        })
    }

    /// The settings of answer `i` of `num_return_sequences`: with a fixed `seed`, answer `i`
    /// samples with `seed + i` (so answers differ, and each is reproducible); without one,
    /// each answer draws a fresh seed anyway.
    pub fn for_sequence(&self, i: usize) -> GenerationParams {
        let mut params = self.clone();
        if let Some(sampling) = params.sampling.as_mut() {
            sampling.seed = sampling.seed.map(|s| s.wrapping_add(i as u32));
        }
        params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_greedy() {
        let p = GenerationParams::from_args(&json!({})).unwrap();
        assert_eq!(p, GenerationParams::default());
        let p = GenerationParams::from_args(&json!({"temperature": 0})).unwrap();
        assert_eq!(p.sampling, None);
        let p =
            GenerationParams::from_args(&json!({"do_sample": false, "temperature": 0.7})).unwrap();
        assert_eq!(p.sampling, None);
    }

    #[test]
    fn sampling_settings() {
        let p = GenerationParams::from_args(&json!({
            "temperature": 0.7, "top_p": 0.9, "top_k": 40, "seed": 7,
            "repetition_penalty": 1.1, "max_new_tokens": 5, "stop": "\n",
            "stop_sequences": ["END"], "return_full_text": false
        }))
        .unwrap();
        assert_eq!(
            p.sampling,
            Some(Sampling {
                temperature: 0.7,
                top_p: 0.9,
                top_k: 40,
                seed: Some(7)
            })
        );
        assert_eq!(p.max_new_tokens, 5);
        assert_eq!(p.stop, vec!["\n".to_string(), "END".to_string()]);
        assert!(!p.return_full_text);
        let p = GenerationParams::from_args(&json!({"do_sample": true})).unwrap();
        assert_eq!(p.sampling.unwrap().temperature, 1.0);
    }

    #[test]
    fn bad_args_are_rejected() {
        for bad in [
            json!({"max_new_tokens": 0}),
            json!({"max_new_tokens": "10"}),
            json!({"temperature": -1}),
            json!({"top_p": 0}),
            json!({"top_p": 1.5}),
            json!({"seed": -1}),
            json!({"repetition_penalty": 0}),
            json!({"stop": [1]}),
            json!({"stop": ""}),
            json!({"max_new_token": 5}),
            json!({"max_new_tokens": 5, "max_tokens": 5}),
            json!({"num_return_sequences": 2}),
            json!({"num_return_sequences": 0}),
            json!({"num_return_sequences": 65, "do_sample": true}),
            json!("text"),
        ] {
            assert!(GenerationParams::from_args(&bad).is_err(), "{bad}");
        }
        let many = GenerationParams::from_args(
            &json!({"num_return_sequences": 3, "do_sample": true, "seed": 7}),
        )
        .unwrap();
        assert_eq!(many.num_return_sequences, 3);
        let seeds: Vec<_> = (0..3)
            .map(|i| many.for_sequence(i).sampling.unwrap().seed)
            .collect();
        assert_eq!(seeds, [Some(7), Some(8), Some(9)]);
        let huge = GenerationParams::from_args(&json!({"max_new_tokens": 1_000_000_000})).unwrap();
        assert_eq!(huge.max_new_tokens, 1_000_000_000);
    }
}
