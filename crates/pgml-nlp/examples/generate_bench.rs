//! Text-generation speed of the engine alone (no SQL), on the CPU or a GPU: for machines without
//! PostgreSQL (the GPU machine). The same ~100-token prompt as bench/generate.sh; greedy
//! decoding; one JSON line with the load time, the median time to first token (prompt
//! processing included) and the median generation speed.
//!
//! ```text
//! cargo run --release -p pgml-nlp --example generate_bench [--features cuda] -- \
//!     [--device cpu|cuda|cuda:N] [--tokens 128] [--threads 2] [--repeats 5]
//! ```
//! Model: `$PGML_MODEL_DIR/HuggingFaceTB/SmolLM2-135M-Instruct`.

use std::rc::Rc;
use std::time::Instant;

use pgml_nlp::device::ComputeDevice;
use pgml_nlp::generate::llama::LlamaGenerator;
use pgml_nlp::generate::{GenerationParams, Prompt, TextGenerator};
use pgml_nlp::store::ModelStore;

const MODEL: &str = "HuggingFaceTB/SmolLM2-135M-Instruct";
const SENTENCE: &str = "The history of databases began with hierarchical and network models, \
                        then the relational model of Edgar Codd changed everything. ";

struct Args {
    device: ComputeDevice,
    tokens: usize,
    threads: usize,
    repeats: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        device: ComputeDevice::Cpu,
        tokens: 128,
        threads: 2,
        repeats: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--device" => args.device = ComputeDevice::parse(&value).map_err(|e| e.to_string())?,
            "--tokens" => args.tokens = number()?.max(1),
            "--threads" => args.threads = number()?.max(1),
            "--repeats" => args.repeats = number()?.max(1),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> Result<(), String> {
    let args = parse_args()?;
    let dir = std::env::var("PGML_MODEL_DIR").unwrap_or_else(|_| "/var/cache/pgml/models".into());
    let model = ModelStore::new(dir)
        .resolve(MODEL)
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let generator =
        Rc::new(LlamaGenerator::load(&model.path, args.device).map_err(|e| e.to_string())?);
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let prompt = Prompt::Text(SENTENCE.repeat(4));
    let prompt_tokens = match &prompt {
        Prompt::Text(t) => generator.tokenize(t).len(),
        Prompt::Chat(_) => 0,
    };
    let params = GenerationParams {
        max_new_tokens: args.tokens,
        return_full_text: false,
        ..GenerationParams::default()
    };
    let (mut first_ms, mut tokens_per_s, mut pieces_seen) = (Vec::new(), Vec::new(), 0);
    // One warm-up run (the GPU's kernels load on first use), then the measured ones.
    for run in 0..=args.repeats {
        let t0 = Instant::now();
        let mut stream = Rc::clone(&generator)
            .start(&prompt, &params, args.threads)
            .map_err(|e| e.to_string())?;
        let mut pieces = 0usize;
        let mut t_first = None;
        while let Some(_piece) = stream.next_text().map_err(|e| e.to_string())? {
            pieces += 1;
            t_first.get_or_insert_with(Instant::now);
        }
        let Some(t_first) = t_first else {
            return Err("the model generated nothing".into());
        };
        if run == 0 {
            continue;
        }
        first_ms.push(t_first.duration_since(t0).as_secs_f64() * 1e3);
        let rest = t_first.elapsed().as_secs_f64();
        if pieces > 1 && rest > 0.0 {
            tokens_per_s.push((pieces - 1) as f64 / rest);
        }
        pieces_seen = pieces;
    }
    println!(
        "{{\"engine\": \"pgml-nlp\", \"device\": \"{}\", \"model\": \"{MODEL}\", \"threads\": {}, \
         \"load_ms\": {load_ms:.1}, \"prompt_tokens\": {prompt_tokens}, \"pieces\": {pieces_seen}, \
         \"first_token_ms\": {:.2}, \"tokens_per_s\": {:.1}}}",
        args.device,
        args.threads,
        median(first_ms),
        median(tokens_per_s),
    );
    Ok(())
}
