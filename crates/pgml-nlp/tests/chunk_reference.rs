//! pgml's splitters against LangChain's, chunk for chunk: tests/data/chunk_reference.json is
//! what LangChain returned for each (splitter, text, kwargs) case
//! (tests/data/make_chunk_reference.py); every case must come out identical here, and the
//! cases LangChain refused must be refused. tests/data/chunk_token_reference.json does the same
//! with lengths in tokens of all-MiniLM-L6-v2's tokenizer (make_chunk_token_reference.py),
//! read from the installed model ($PGML_MODEL_DIR, default /var/cache/pgml/models).

#![allow(clippy::unwrap_used)] // test helpers, outside #[test] functions

use pgml_nlp::chunk::chunk;
use pgml_nlp::store::ModelStore;
use pgml_nlp::tokens::TokenCounter;
use serde_json::Value;

fn read(file: &str) -> Value {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The named model's tokenizer, loaded once (every reference case names the same model).
fn load_tokenizer(name: &str) -> pgml_core::Result<&'static TokenCounter> {
    static LOADED: std::sync::OnceLock<TokenCounter> = std::sync::OnceLock::new();
    if let Some(counter) = LOADED.get() {
        return Ok(counter);
    }
    let dir = std::env::var("PGML_MODEL_DIR").unwrap_or_else(|_| "/var/cache/pgml/models".into());
    let counter = TokenCounter::load(&ModelStore::new(dir).resolve(name)?)?;
    Ok(LOADED.get_or_init(|| counter))
}

#[test]
fn chunks_match_langchain() {
    let data = read("chunk_reference.json");
    compare(&data, &data, 1000);
}

#[test]
fn chunks_counted_in_tokens_match_langchain() {
    let texts = read("chunk_reference.json");
    let data = read("chunk_token_reference.json");
    compare(&texts, &data, 300);
}

fn compare(text_data: &Value, data: &Value, at_least: usize) {
    let texts = text_data["texts"].as_object().unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= at_least, "{} cases", cases.len());

    let mut failures = Vec::new();
    let mut compared = 0;
    for case in cases {
        let splitter = case["splitter"].as_str().unwrap();
        let text_name = case["text_name"].as_str().unwrap();
        let text = texts[text_name].as_str().unwrap();
        let kwargs = &case["kwargs"];
        let got = chunk(splitter, text, kwargs, load_tokenizer);
        let label = format!("{splitter} {text_name} {kwargs}");
        match (case.get("chunks"), got) {
            (Some(expected), Ok(got)) => {
                let expected: Vec<String> = serde_json::from_value(expected.clone()).unwrap();
                if expected != got {
                    let at = expected.iter().zip(&got).position(|(e, g)| e != g);
                    failures.push(format!(
                        "{label}: {} chunks expected, {} got; first difference at {at:?}: \
                         expected {:?}, got {:?}",
                        expected.len(),
                        got.len(),
                        at.and_then(|i| expected.get(i)),
                        at.and_then(|i| got.get(i)),
                    ));
                }
            }
            (Some(_), Err(err)) => failures.push(format!("{label}: unexpected error {err}")),
            (None, Ok(got)) => failures.push(format!(
                "{label}: LangChain raised {}, pgml returned {} chunks",
                case["error"],
                got.len()
            )),
            (None, Err(_)) => {}
        }
        compared += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} cases differ from LangChain:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
