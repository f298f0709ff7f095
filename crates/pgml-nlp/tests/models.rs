//! The engines against the reference implementations, on the real model files the set-up
//! command installs (`$PGML_MODEL_DIR`, default /var/cache/pgml/models). The reference data in
//! tests/data was computed once with sentence-transformers and transformers (scripts beside
//! it) and is committed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::rc::Rc;

use pgml_nlp::chunk::chunk;
use pgml_nlp::device::ComputeDevice;
use pgml_nlp::embed::{EmbedOptions, Embedder, Precision};
use pgml_nlp::generate::llama::LlamaGenerator;
use pgml_nlp::generate::{
    collect, output_prefix, ChatMessage, GenerationParams, Prompt, TextGenerator, TokenStream,
};
use pgml_nlp::store::ModelStore;
use pgml_nlp::tokens::TokenCounter;
use serde_json::{json, Value};

const MINILM: &str = "sentence-transformers/all-MiniLM-L6-v2";
const SMOLLM: &str = "HuggingFaceTB/SmolLM2-135M-Instruct";

fn store() -> ModelStore {
    let dir = std::env::var("PGML_MODEL_DIR").unwrap_or_else(|_| "/var/cache/pgml/models".into());
    ModelStore::new(dir)
}

fn data(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn embedder() -> Embedder {
    embedder_in(Precision::fastest(ComputeDevice::Cpu))
}

fn embedder_in(precision: Precision) -> Embedder {
    let model = store()
        .resolve(MINILM)
        .expect("the set-up command installs all-MiniLM-L6-v2 (scripts/models.sh)");
    Embedder::load_with_precision(&model.path, ComputeDevice::Cpu, precision).unwrap()
}

fn generator() -> Rc<LlamaGenerator> {
    let model = store()
        .resolve(SMOLLM)
        .expect("the set-up command installs SmolLM2-135M-Instruct (scripts/models.sh)");
    Rc::new(LlamaGenerator::load(&model.path, ComputeDevice::Cpu).unwrap())
}

fn cosine(a: &[f32], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * y).sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|y| y.powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

/// f32 agrees with PyTorch's f32 to rounding; 16-bit integer dense layers (the default on AVX2
/// CPUs) within 1e-4, ten times inside the 0.999 the embeddings issue asks for.
#[test]
fn embeddings_match_sentence_transformers() {
    embeddings_match_reference(Precision::Float32, 0.99999);
    if Precision::fastest(ComputeDevice::Cpu) == Precision::Int16 {
        embeddings_match_reference(Precision::Int16, 0.9999);
    }
}

fn embeddings_match_reference(precision: Precision, threshold: f64) {
    let reference = data("minilm_reference.json");
    let embedder = embedder_in(precision);
    assert_eq!(embedder.precision(), precision);
    assert_eq!(embedder.dimensions(), 384);
    let cases = reference["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    let mut worst = 1.0f64;
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let prompt = case.get("prompt").and_then(Value::as_str);
        let expected: Vec<f64> = case["embedding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        if prompt.is_none() {
            let ids: Vec<u32> = case["token_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect();
            assert_eq!(
                embedder.token_ids(text).unwrap(),
                ids,
                "token ids of {text:?}"
            );
        }
        let options = EmbedOptions {
            prompt: prompt.map(str::to_string),
            ..Default::default()
        };
        let got = embedder
            .embed(&[text], &options, 2, &mut || Ok(()))
            .unwrap()
            .pop()
            .unwrap();
        let similarity = cosine(&got, &expected);
        worst = worst.min(similarity);
        assert!(
            similarity > threshold,
            "{precision:?} {text:?}: cosine {similarity}"
        );
    }
    eprintln!("{precision:?}: worst cosine similarity vs sentence-transformers: {worst:.6}");
}

/// Inputs longer than the model's window: only the start counts, and a very long text is
/// cut before tokenizing (its tokens and embedding are those of its first words).
#[test]
fn long_inputs_are_truncated_to_the_window() {
    let embedder = embedder();
    let words: Vec<String> = (0..200_000).map(|i| format!("w{}", i % 97)).collect();
    let long = words.join(" ");
    let start = words[..400].join(" ");
    let ids = embedder.token_ids(&long).unwrap();
    assert_eq!(ids.len(), embedder.max_seq_length());
    assert_eq!(ids, embedder.token_ids(&start).unwrap());
    let none = EmbedOptions::default();
    let both = embedder
        .embed(&[&long, &start], &none, 1, &mut || Ok(()))
        .unwrap();
    assert_eq!(both[0], both[1]);
}

#[test]
fn batches_equal_single_embeddings_in_input_order() {
    let embedder = embedder();
    let texts = [
        "short",
        "a considerably longer sentence that needs more tokens than the others",
        "",
        "médium lëngth ünïcode ✓",
    ];
    let none = EmbedOptions::default();
    let batch = embedder.embed(&texts, &none, 2, &mut || Ok(())).unwrap();
    for (text, vector) in texts.iter().zip(&batch) {
        let single = embedder.embed(&[text], &none, 1, &mut || Ok(())).unwrap();
        let sim = cosine(
            vector,
            &single[0].iter().map(|x| f64::from(*x)).collect::<Vec<_>>(),
        );
        assert!(sim > 0.99999, "{text:?}: {sim}");
    }
    let cancelled = embedder.embed(&texts, &none, 1, &mut || {
        Err(pgml_core::Error::invalid("cancelled", "test"))
    });
    assert!(cancelled.is_err());
}

#[test]
fn smollm2_tokens_match_the_reference_tokenizer() {
    let reference = data("smollm2_tokens.json");
    let generator = generator();
    let cases = reference["cases"].as_array().unwrap();
    assert!(cases.len() >= 200, "{} cases", cases.len());
    let mut mismatches = Vec::new();
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let ids: Vec<i32> = case["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap() as i32)
            .collect();
        let got = generator.tokenize(text);
        if got != ids {
            mismatches.push(format!("{text:?}: ours {got:?}, reference {ids:?}"));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn chat_template_renders_like_transformers() {
    let reference = data("smollm2_tokens.json");
    let generator = generator();
    assert_eq!(
        generator.chat_template(),
        reference["chat_template"].as_str()
    );
    for case in reference["chat_cases"].as_array().unwrap() {
        let messages: Vec<ChatMessage> = case["messages"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, m)| ChatMessage::from_json(m, i).unwrap())
            .collect();
        assert_eq!(
            generator.render_chat(&messages).unwrap(),
            case["prompt"].as_str().unwrap()
        );
    }
}

fn run(generator: &Rc<LlamaGenerator>, prompt: &Prompt, args: Value) -> String {
    let params = GenerationParams::from_args(&args).unwrap();
    let mut stream = Rc::clone(generator).start(prompt, &params, 2).unwrap();
    collect(
        stream.as_mut(),
        output_prefix(prompt, &params),
        &mut || Ok(()),
        &|s: &mut dyn TokenStream| s.next_text(),
    )
    .unwrap()
}

#[test]
fn greedy_generation_knows_paris_and_is_deterministic() {
    let generator = generator();
    let prompt = Prompt::Text("The capital of France is".into());
    let args = serde_json::json!({"max_new_tokens": 6, "return_full_text": false});
    let first = run(&generator, &prompt, args.clone());
    assert!(first.contains("Paris"), "{first:?}");
    assert_eq!(run(&generator, &prompt, args), first);
    let full = run(
        &generator,
        &prompt,
        serde_json::json!({"max_new_tokens": 6}),
    );
    assert_eq!(full, format!("The capital of France is{first}"));
}

#[test]
fn chat_generation_answers_and_stops_at_end_of_turn() {
    let generator = generator();
    let prompt = Prompt::Chat(vec![ChatMessage {
        role: "user".into(),
        content: "What is the capital of France? Answer in one word.".into(),
    }]);
    let answer = run(
        &generator,
        &prompt,
        serde_json::json!({"max_new_tokens": 40}),
    );
    assert!(answer.contains("Paris"), "{answer:?}");
    assert!(!answer.contains("<|im_end|>"), "{answer:?}");
}

/// `repetition_penalty` (Hugging Face's: every token seen so far, prompt included, has its
/// logit divided or multiplied by it) makes a greedy continuation of a list avoid what
/// it repeated.
#[test]
fn repetition_penalty_changes_what_greedy_generation_repeats() {
    let generator = generator();
    let prompt = Prompt::Text("One, two, three, four, five, six,".into());
    let args = |penalty: f64| serde_json::json!({"max_new_tokens": 12, "return_full_text": false, "repetition_penalty": penalty});
    let plain = run(&generator, &prompt, args(1.0));
    let penalised = run(&generator, &prompt, args(5.0));
    assert!(
        penalised.matches(',').count() < plain.matches(',').count(),
        "{plain:?} / {penalised:?}"
    );
}

#[test]
fn stop_sequences_limits_and_seeds() {
    let generator = generator();
    let prompt = Prompt::Text("One, two, three,".into());
    let stopped = run(
        &generator,
        &prompt,
        serde_json::json!({"max_new_tokens": 30, "stop": [","], "return_full_text": false}),
    );
    assert!(!stopped.contains(','), "{stopped:?}");
    let sampled = serde_json::json!({"max_new_tokens": 12, "temperature": 0.9, "seed": 3, "return_full_text": false});
    assert_eq!(
        run(&generator, &prompt, sampled.clone()),
        run(&generator, &prompt, sampled)
    );
    // The context window bounds max_new_tokens instead of failing.
    let window = generator.context_length();
    assert!(window >= 2048);
    let long = Prompt::Text("word ".repeat(window * 2));
    let params = GenerationParams::default();
    let err = Rc::clone(&generator)
        .start(&long, &params, 1)
        .err()
        .unwrap();
    assert_eq!(err.sqlstate(), pgml_core::SqlState::ProgramLimitExceeded);
}

/// `pgml.chunk` with a GGUF model as the tokenizer: its vocabulary, read without the weights,
/// counts as the generator's own tokenizer does (whose ids match transformers', above), and
/// every chunk fits the size in those tokens.
#[test]
fn chunks_counted_by_a_gguf_vocabulary_fit_in_its_tokens() {
    let counter = TokenCounter::load(&store().resolve(SMOLLM).unwrap()).unwrap();
    let generator = generator();
    let text = "PostgresML is a machine learning extension for PostgreSQL. It lets you train \
                models and run inference with SQL, next to your data.\n\nEmbeddings, text \
                generation and chunking run inside the database backend, on its own hardware. \
                Models are rows in tables: transactional and replicated like any data."
        .repeat(3);
    assert_eq!(counter.count(&text), generator.tokenize(&text).len());
    assert!(counter.bytes() > 0);
    let kwargs = json!({"tokenizer": SMOLLM, "chunk_size": 24, "chunk_overlap": 4});
    let chunks = chunk("recursive_character", &text, &kwargs, |_: &str| {
        Ok::<_, pgml_core::Error>(&counter)
    })
    .unwrap();
    assert!(chunks.len() >= 4, "{chunks:?}");
    for c in &chunks {
        let tokens = generator.tokenize(c).len();
        assert!(tokens <= 24, "{tokens} tokens: {c:?}");
    }
}

#[test]
fn integer_precision_is_refused_off_the_cpu() {
    let model = store().resolve(MINILM).unwrap();
    let Err(err) =
        Embedder::load_with_precision(&model.path, ComputeDevice::Cuda(0), Precision::Int16)
    else {
        panic!("16-bit integer embeddings loaded on a GPU");
    };
    assert_eq!(err.sqlstate().code(), "0A000", "{err}");
    assert!(err.to_string().contains("16-bit integer"), "{err}");
}

/// A build without the `cuda` feature refuses a GPU for generation as for embeddings (0A000),
/// and `device_map: auto` means the CPU there.
#[cfg(not(feature = "cuda"))]
#[test]
fn generation_on_a_gpu_is_refused_by_a_cpu_build() {
    let model = store().resolve(SMOLLM).unwrap();
    let Err(err) = LlamaGenerator::load(&model.path, ComputeDevice::Cuda(0)) else {
        panic!("a CPU build loaded a model on a GPU");
    };
    assert_eq!(err.sqlstate().code(), "0A000", "{err}");
    assert!(err.to_string().contains("without GPU support"), "{err}");
    assert_eq!(
        pgml_nlp::generate::llama::auto_device().unwrap(),
        ComputeDevice::Cpu
    );
}
