//! Text generation on the GPU (`cuda` feature, llama.cpp's CUDA backend) on a machine with an
//! NVIDIA GPU: SmolLM2's greedy answers on the GPU against the CPU's, the chat path, sampling
//! with a seed, cancel between tokens, `device_map: auto`, and a GPU that does not exist.
//! Without the feature this file is empty; with it and no GPU, the tests fail with the error
//! `pgml.transform` would raise.
//!
//! Run: `cargo test --release -p pgml-nlp --features cuda --test gpu_generation` (docs/gpu.md).

#![cfg(feature = "cuda")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::rc::Rc;

use pgml_core::SqlState;
use pgml_nlp::device::ComputeDevice;
use pgml_nlp::generate::llama::{auto_device, LlamaGenerator};
use pgml_nlp::generate::{
    collect, ChatMessage, GenerationParams, Prompt, TextGenerator, TokenStream,
};
use pgml_nlp::store::ModelStore;
use serde_json::{json, Value};

const SMOLLM: &str = "HuggingFaceTB/SmolLM2-135M-Instruct";

fn load(device: ComputeDevice) -> Rc<LlamaGenerator> {
    let dir = std::env::var("PGML_MODEL_DIR").unwrap_or_else(|_| "/var/cache/pgml/models".into());
    let model = ModelStore::new(dir).resolve(SMOLLM).unwrap();
    Rc::new(LlamaGenerator::load(&model.path, device).unwrap())
}

fn generate(model: &Rc<LlamaGenerator>, prompt: &Prompt, args: Value) -> String {
    let params = GenerationParams::from_args(&args).unwrap();
    let mut stream = Rc::clone(model).start(prompt, &params, 2).unwrap();
    collect(
        stream.as_mut(),
        String::new(),
        &mut || Ok(()),
        &|s: &mut dyn TokenStream| s.next_text(),
    )
    .unwrap()
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// Greedy decoding picks the most likely token; the GPU's kernels round differently from the
/// CPU's, so two near-ties may go the other way late in an answer, never early and never in a
/// way that loses the fact asked for.
#[test]
fn greedy_answers_on_the_gpu_agree_with_the_cpu() {
    let gpu = load(ComputeDevice::Cuda(0));
    let cpu = load(ComputeDevice::Cpu);
    assert_eq!(gpu.device(), ComputeDevice::Cuda(0));
    assert_eq!(cpu.device(), ComputeDevice::Cpu);
    let args = json!({"max_new_tokens": 24, "return_full_text": false});
    let prompts = [
        "The capital of France is",
        "PostgreSQL is a relational database that",
        "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
    ];
    for text in prompts {
        let prompt = Prompt::Text(text.into());
        let on_gpu = generate(&gpu, &prompt, args.clone());
        let on_cpu = generate(&cpu, &prompt, args.clone());
        let shared = common_prefix(&on_gpu, &on_cpu);
        eprintln!("{text:?}\n  gpu: {on_gpu:?}\n  cpu: {on_cpu:?}\n  shared chars: {shared}");
        assert!(
            !on_gpu.trim().is_empty(),
            "{text:?}: empty answer on the GPU"
        );
        assert!(
            shared * 2 >= on_cpu.chars().count().min(on_gpu.chars().count()),
            "{text:?}: the GPU's answer parts from the CPU's early"
        );
        // Deterministic on the GPU too.
        assert_eq!(generate(&gpu, &prompt, args.clone()), on_gpu);
    }
    let paris = generate(&gpu, &Prompt::Text(prompts[0].into()), args);
    assert!(paris.contains("Paris"), "{paris:?}");
}

#[test]
fn chat_and_seeded_sampling_on_the_gpu() {
    let gpu = load(ComputeDevice::Cuda(0));
    let chat = Prompt::Chat(vec![ChatMessage {
        role: "user".into(),
        content: "What is the capital of France? Answer in one word.".into(),
    }]);
    let answer = generate(&gpu, &chat, json!({"max_new_tokens": 40}));
    assert!(answer.contains("Paris"), "{answer:?}");
    assert!(!answer.contains("<|im_end|>"), "{answer:?}");
    let sampled =
        json!({"max_new_tokens": 16, "temperature": 0.9, "seed": 7, "return_full_text": false});
    let prompt = Prompt::Text("Once upon a time".into());
    assert_eq!(
        generate(&gpu, &prompt, sampled.clone()),
        generate(&gpu, &prompt, sampled)
    );
}

#[test]
fn a_cancel_between_tokens_stops_a_gpu_generation() {
    let gpu = load(ComputeDevice::Cuda(0));
    let params = GenerationParams::from_args(&json!({"max_new_tokens": 500})).unwrap();
    let mut stream = Rc::clone(&gpu)
        .start(&Prompt::Text("Count to a thousand:".into()), &params, 2)
        .unwrap();
    let mut steps = 0;
    let result = collect(
        stream.as_mut(),
        String::new(),
        &mut || {
            steps += 1;
            if steps > 3 {
                Err(pgml_core::Error::invalid(
                    "canceling statement due to user request",
                    "test",
                ))
            } else {
                Ok(())
            }
        },
        &|s: &mut dyn TokenStream| s.next_text(),
    );
    assert!(result.is_err());
    assert_eq!(steps, 4, "stopped at the first check after the cancel");
}

#[test]
fn device_map_auto_picks_the_gpu() {
    assert_eq!(auto_device().unwrap(), ComputeDevice::Cuda(0));
}

#[test]
fn a_gpu_that_is_not_there_is_an_error_for_generation() {
    let dir = std::env::var("PGML_MODEL_DIR").unwrap_or_else(|_| "/var/cache/pgml/models".into());
    let model = ModelStore::new(dir).resolve(SMOLLM).unwrap();
    let Err(err) = LlamaGenerator::load(&model.path, ComputeDevice::Cuda(63)) else {
        panic!("a model loaded on cuda:63");
    };
    assert_eq!(err.sqlstate(), SqlState::FeatureNotSupported);
    assert!(err.to_string().contains("cuda:63"), "{err}");
}
