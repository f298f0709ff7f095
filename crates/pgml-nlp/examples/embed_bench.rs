//! Embedding throughput of the engine alone (no SQL), on the CPU or a GPU: the counterpart of
//! `bench/embed_python.py` for machines without PostgreSQL (the GPU machine), same sentences,
//! same modes, same JSON lines.
//!
//! ```text
//! cargo run --release -p pgml-nlp --example embed_bench [--features cuda] -- \
//!     [--device cpu|cuda] [--precision int16|float32] [--n 1000] [--batch 64] [--threads 2] \
//!     [--repeats 3] [--singles N]
//! ```
//! Model: `$PGML_MODEL_DIR/sentence-transformers/all-MiniLM-L6-v2`; sentences:
//! bench/data/sentences.txt.

use std::time::Instant;

use pgml_nlp::device::ComputeDevice;
use pgml_nlp::embed::{EmbedOptions, Embedder, Precision};
use pgml_nlp::store::ModelStore;

const MODEL: &str = "sentence-transformers/all-MiniLM-L6-v2";

struct Args {
    device: ComputeDevice,
    /// None: the fastest for the device.
    precision: Option<Precision>,
    n: usize,
    /// Sentences embedded one per call (default all `n`; 0 skips that mode).
    singles: Option<usize>,
    batch: usize,
    threads: usize,
    repeats: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        device: ComputeDevice::Cpu,
        precision: None,
        n: 1000,
        singles: None,
        batch: 64,
        threads: 2,
        repeats: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--device" => args.device = ComputeDevice::parse(&value).map_err(|e| e.to_string())?,
            "--precision" => {
                args.precision = Some(match value.as_str() {
                    "int16" => Precision::Int16,
                    "float32" => Precision::Float32,
                    other => return Err(format!("--precision {other}: int16 or float32")),
                })
            }
            "--n" => args.n = number()?,
            "--singles" => args.singles = Some(number()?),
            "--batch" => args.batch = number()?.max(1),
            "--threads" => args.threads = number()?,
            "--repeats" => args.repeats = number()?.max(1),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(args)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let k = (sorted.len() - 1) as f64 * p / 100.0;
    let (lo, hi) = (k as usize, (k as usize + 1).min(sorted.len() - 1));
    sorted[lo] + (sorted[hi] - sorted[lo]) * (k - lo as f64)
}

fn main() -> Result<(), String> {
    let args = parse_args()?;
    // The crate's folder at run time when given (the binary may run on another machine), else
    // where it was built.
    let crate_dir =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let root = format!("{crate_dir}/../..");
    let text = std::fs::read_to_string(format!("{root}/bench/data/sentences.txt"))
        .map_err(|e| format!("bench/data/sentences.txt: {e}"))?;
    let sentences: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let sentences = &sentences[..args.n.min(sentences.len())];

    let dir = std::env::var("PGML_MODEL_DIR").unwrap_or_else(|_| "/var/cache/pgml/models".into());
    let model = ModelStore::new(dir)
        .resolve(MODEL)
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let precision = args
        .precision
        .unwrap_or_else(|| Precision::fastest(args.device));
    let embedder = Embedder::load_with_precision(&model.path, args.device, precision)
        .map_err(|e| e.to_string())?;
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    let options = EmbedOptions {
        device: args.device,
        ..Default::default()
    };
    let embed = |texts: &[&str]| {
        embedder
            .embed(texts, &options, args.threads, &mut || Ok(()))
            .map_err(|e| e.to_string())
    };
    // Warm-up: kernels compiled and loaded, buffers allocated.
    for s in sentences.iter().take(20) {
        embed(&[s])?;
    }
    embed(&sentences[..args.batch.min(sentences.len())])?;

    let mut latencies = Vec::with_capacity(sentences.len());
    let all = Instant::now();
    let singles = &sentences[..args.singles.unwrap_or(sentences.len()).min(sentences.len())];
    for s in singles {
        let t = Instant::now();
        embed(&[s])?;
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let wall = all.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let common = format!(
        "\"engine\": \"pgml-nlp\", \"device\": \"{}\", \"precision\": \"{precision:?}\", \
         \"threads\": {}, \"n\": {}",
        args.device,
        args.threads,
        sentences.len()
    );
    if !singles.is_empty() {
        println!(
            "{{{common}, \"mode\": \"single\", \"sentences_per_s\": {:.1}, \"p50_ms\": {:.2}, \
         \"p99_ms\": {:.2}, \"load_ms\": {load_ms:.1}}}",
            singles.len() as f64 / wall,
            percentile(&latencies, 50.0),
            percentile(&latencies, 99.0),
        );
    }

    let mut runs = Vec::new();
    for _ in 0..args.repeats {
        let t = Instant::now();
        for chunk in sentences.chunks(args.batch) {
            embed(chunk)?;
        }
        runs.push(sentences.len() as f64 / t.elapsed().as_secs_f64());
    }
    let mut sorted = runs.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{{{common}, \"mode\": \"batched\", \"batch_size\": {}, \"sentences_per_s\": {:.1}, \
         \"runs_sentences_per_s\": {runs:.1?}}}",
        args.batch,
        sorted[sorted.len() / 2],
    );
    Ok(())
}
