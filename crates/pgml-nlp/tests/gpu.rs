//! The GPU path (`cuda` feature) on a machine with an NVIDIA GPU: embeddings computed on the
//! GPU against the reference vectors of sentence-transformers and against the CPU, batches
//! larger than one GPU pass, cancel between batches, and a GPU that does not exist. Without
//! the feature this file is empty; with it and no GPU, the tests fail with the error
//! `pgml.embed` would raise.
//!
//! Run: `cargo test --release -p pgml-nlp --features cuda --test gpu` (docs/gpu.md).

#![cfg(feature = "cuda")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use pgml_core::SqlState;
use pgml_nlp::device::ComputeDevice;
use pgml_nlp::embed::{EmbedOptions, Embedder, Precision};
use pgml_nlp::store::ModelStore;
use serde_json::Value;

const MINILM: &str = "sentence-transformers/all-MiniLM-L6-v2";

fn load(device: ComputeDevice) -> Embedder {
    let dir = std::env::var("PGML_MODEL_DIR").unwrap_or_else(|_| "/var/cache/pgml/models".into());
    let model = ModelStore::new(dir).resolve(MINILM).unwrap();
    // f32 on both sides: the GPU's results are compared with the CPU's to rounding.
    Embedder::load_with_precision(&model.path, device, Precision::Float32).unwrap()
}

fn reference() -> Value {
    // The crate's folder at run time when given (the test binary may run on another machine,
    // docs/gpu.md), else where it was built.
    let crate_dir =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let path = PathBuf::from(crate_dir).join("tests/data/minilm_reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

fn embed(model: &Embedder, texts: &[&str], options: &EmbedOptions) -> Vec<Vec<f32>> {
    model.embed(texts, options, 2, &mut || Ok(())).unwrap()
}

#[test]
fn gpu_embeddings_match_sentence_transformers_and_the_cpu() {
    let gpu = load(ComputeDevice::Cuda(0));
    let cpu = load(ComputeDevice::Cpu);
    assert_eq!(gpu.device(), ComputeDevice::Cuda(0));
    let reference = reference();
    let cases = reference["cases"].as_array().unwrap();
    let (mut worst_reference, mut worst_cpu) = (1.0f64, 1.0f64);
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let options = EmbedOptions {
            prompt: case
                .get("prompt")
                .and_then(Value::as_str)
                .map(str::to_string),
            ..Default::default()
        };
        let expected: Vec<f32> = case["embedding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let on_gpu = embed(&gpu, &[text], &options).pop().unwrap();
        let on_cpu = embed(&cpu, &[text], &options).pop().unwrap();
        let (r, c) = (cosine(&on_gpu, &expected), cosine(&on_gpu, &on_cpu));
        assert!(r > 0.999, "{text:?}: cosine to sentence-transformers {r}");
        assert!(c > 0.99999, "{text:?}: cosine to the CPU {c}");
        worst_reference = worst_reference.min(r);
        worst_cpu = worst_cpu.min(c);
    }
    eprintln!(
        "GPU vs sentence-transformers: worst cosine {worst_reference:.6}; GPU vs CPU: {worst_cpu:.7}"
    );
}

#[test]
fn batches_larger_than_one_gpu_pass_keep_input_order() {
    let gpu = load(ComputeDevice::Cuda(0));
    let texts: Vec<String> = (0..600)
        .map(|i| format!("sentence number {i} {}", "with more words ".repeat(i % 23)))
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let none = EmbedOptions::default();
    let batched = embed(&gpu, &texts, &none);
    assert_eq!(batched.len(), texts.len());
    for i in [0, 1, 255, 256, 257, 511, 599] {
        let single = embed(&gpu, &[texts[i]], &none).pop().unwrap();
        let sim = cosine(&batched[i], &single);
        assert!(sim > 0.99999, "input {i}: {sim}");
    }
    // The same inputs on the CPU, batched as the CPU batches them.
    let cpu = embed(&load(ComputeDevice::Cpu), &texts, &none);
    let worst = batched
        .iter()
        .zip(&cpu)
        .map(|(g, c)| cosine(g, c))
        .fold(1.0, f64::min);
    assert!(worst > 0.99999, "GPU vs CPU on 600 inputs: {worst}");
}

#[test]
fn a_cancel_between_gpu_batches_stops_the_work() {
    let gpu = load(ComputeDevice::Cuda(0));
    let texts = vec!["a sentence"; 1000];
    let mut passes = 0;
    let result = gpu.embed(&texts, &EmbedOptions::default(), 1, &mut || {
        passes += 1;
        if passes > 1 {
            Err(pgml_core::Error::invalid(
                "canceling statement due to user request",
                "test",
            ))
        } else {
            Ok(())
        }
    });
    assert!(result.is_err());
    assert_eq!(passes, 2, "stopped before the second GPU pass");
}

#[test]
fn a_gpu_that_is_not_there_is_an_error() {
    let err = ComputeDevice::Cuda(63).candle().unwrap_err();
    assert_eq!(err.sqlstate(), SqlState::FeatureNotSupported);
    assert!(err.to_string().contains("cuda:63"), "{err}");
}
