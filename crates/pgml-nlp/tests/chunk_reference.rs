//! pgml's splitters against LangChain's, chunk for chunk: tests/data/chunk_reference.json is
//! what LangChain returned for each (splitter, text, kwargs) case
//! (tests/data/make_chunk_reference.py); every case must come out identical here, and the
//! cases LangChain refused must be refused.

use pgml_nlp::chunk::chunk;
use serde_json::Value;

#[test]
fn chunks_match_langchain() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/chunk_reference.json"
    );
    let data: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let texts = data["texts"].as_object().unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() > 1000, "{} cases", cases.len());

    let mut failures = Vec::new();
    let mut compared = 0;
    for case in cases {
        let splitter = case["splitter"].as_str().unwrap();
        let text_name = case["text_name"].as_str().unwrap();
        let text = texts[text_name].as_str().unwrap();
        let kwargs = &case["kwargs"];
        let got = chunk(splitter, text, kwargs);
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
