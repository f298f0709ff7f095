//! Sentence embeddings with BERT-family encoders (BERT, MiniLM, BGE, GTE, E5 share the
//! architecture), computed by candle on the CPU from a Hugging Face folder.
//!
//! The steps follow sentence-transformers: tokenize with the model's `tokenizer.json`
//! (truncated to `max_seq_length` from `sentence_bert_config.json`), run the encoder, pool the
//! token vectors as `1_Pooling/config.json` says (mean by default), and normalise to unit
//! length when `modules.json` has a `Normalize` module. Inputs are sorted by length and run in
//! batches, so padding costs little.
//!
//! On a GPU (`{"device": "cuda"}`, with the `cuda` feature) the same encoder runs through
//! candle's CUDA backend: larger batches, one after the other, no worker threads.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::Config;

use crate::bert::Bert;
pub use crate::bert::Precision;
use rayon::prelude::*;
use serde_json::Value;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use crate::device::ComputeDevice;
use crate::options::Options;
use pgml_core::{Error, Result, SqlState};

/// How token vectors become one sentence vector (sentence-transformers' pooling modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    Mean,
    Cls,
    Max,
    MeanSqrtLen,
}

/// Per-call settings from `kwargs`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmbedOptions {
    /// Overrides the model's own choice (its `Normalize` module).
    pub normalize: Option<bool>,
    /// Prepended to every input, e.g. `"query: "` for E5 or an instruction for BGE.
    pub prompt: Option<String>,
    /// Where the model runs (`"device"`: `cpu`, `cuda`, `cuda:N`); the CPU by default.
    pub device: ComputeDevice,
}

const EMBED_KEYS: &[&str] = &["normalize", "prompt", "instruction", "device"];

impl EmbedOptions {
    /// Parses `pgml.embed`'s `kwargs`.
    pub fn from_kwargs(kwargs: &Value) -> Result<Self> {
        let mut o = Options::new("pgml.embed kwargs", EMBED_KEYS, kwargs)?;
        let normalize = o.bool("normalize")?;
        let prompt = o.string("prompt")?;
        let instruction = o.string("instruction")?;
        let device = match o.string("device")? {
            Some(name) => ComputeDevice::parse(&name)?,
            None => ComputeDevice::Cpu,
        };
        o.finish()?;
        if prompt.is_some() && instruction.is_some() {
            return Err(Error::invalid(
                "pgml.embed kwargs may hold \"prompt\" or \"instruction\", not both",
                "both prepend a text to every input; keep one",
            ));
        }
        Ok(EmbedOptions {
            normalize,
            prompt: prompt.or(instruction),
            device,
        })
    }
}

/// Inputs per forward pass: big enough to use the cores well, small enough to bound memory
/// (64 x 512 tokens x 384 floats per layer output).
const BATCH: usize = 64;

/// Inputs per forward pass on a GPU: enough rows to fill its matrix units, still a bounded
/// amount of device memory (256 x 512 tokens x 1,536 floats of intermediate activations is
/// 800 MB for a 384-wide MiniLM, at the longest inputs).
const GPU_BATCH: usize = 256;

/// A loaded encoder, ready to embed.
pub struct Embedder {
    model: Bert,
    tokenizer: Tokenizer,
    pooling: Pooling,
    normalize: bool,
    max_seq_length: usize,
    dimensions: usize,
    device: ComputeDevice,
    candle_device: Device,
}

fn missing(dir: &Path, file: &str, why: impl std::fmt::Display) -> Error {
    Error::sql(
        SqlState::UndefinedFile,
        format!("model folder {} has no usable {file}: {why}", dir.display()),
        "a Hugging Face model folder needs config.json, tokenizer.json and *.safetensors; \
         copy the complete folder again",
    )
}

fn corrupt(dir: &Path, file: &str, why: impl std::fmt::Display) -> Error {
    Error::sql(
        SqlState::DataCorrupted,
        format!(
            "model folder {}: {file} could not be read: {why}",
            dir.display()
        ),
        "the file is damaged or incomplete; copy the model folder again",
    )
}

fn read_json(dir: &Path, file: &str) -> Result<Option<Value>> {
    let path = dir.join(file);
    if !path.is_file() {
        return Ok(None);
    }
    let text = fs::read_to_string(&path).map_err(|e| corrupt(dir, file, e))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| corrupt(dir, file, e))
}

fn inference(err: impl std::fmt::Display) -> Error {
    Error::sql(
        SqlState::InternalError,
        format!("embedding inference failed: {err}"),
        "this is a bug in pgml or a damaged model; please report it",
    )
}

/// Pooling and normalisation as the sentence-transformers files say; mean pooling and no
/// normalisation when they are absent (a plain transformers folder).
fn read_pipeline(dir: &Path) -> Result<(Pooling, bool)> {
    let modules = read_json(dir, "modules.json")?;
    let module_types: Vec<(String, String)> = modules
        .as_ref()
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|m| {
                    let ty = m.get("type").and_then(Value::as_str).unwrap_or_default();
                    let path = m.get("path").and_then(Value::as_str).unwrap_or_default();
                    (ty.to_string(), path.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let normalize = module_types
        .iter()
        .any(|(ty, _)| ty.ends_with(".Normalize"));
    let pooling_dir = module_types
        .iter()
        .find(|(ty, _)| ty.ends_with(".Pooling"))
        .map(|(_, path)| path.clone())
        .unwrap_or_else(|| "1_Pooling".to_string());
    let pooling = match read_json(dir, &format!("{pooling_dir}/config.json"))? {
        None => Pooling::Mean,
        Some(cfg) => {
            let on = |key: &str| cfg.get(key).and_then(Value::as_bool).unwrap_or(false);
            if on("pooling_mode_cls_token") {
                Pooling::Cls
            } else if on("pooling_mode_max_tokens") {
                Pooling::Max
            } else if on("pooling_mode_mean_sqrt_len_tokens") {
                Pooling::MeanSqrtLen
            } else if on("pooling_mode_mean_tokens") {
                Pooling::Mean
            } else {
                return Err(Error::not_supported(
                    format!(
                        "model folder {}: its pooling mode is not supported",
                        dir.display()
                    ),
                    "supported pooling modes: mean, cls, max, mean_sqrt_len",
                ));
            }
        }
    };
    Ok((pooling, normalize))
}

impl Embedder {
    /// Loads the encoder in `dir` (a Hugging Face folder) onto `device`, in the precision
    /// that is fastest there ([`Precision::fastest`]).
    pub fn load(dir: &Path, device: ComputeDevice) -> Result<Self> {
        Self::load_with_precision(dir, device, Precision::fastest(device))
    }

    /// Loads the encoder with its dense layers in `precision` (16-bit integers need a CPU).
    pub fn load_with_precision(
        dir: &Path,
        device: ComputeDevice,
        precision: Precision,
    ) -> Result<Self> {
        if precision == Precision::Int16 && !device.is_cpu() {
            return Err(Error::not_supported(
                format!("16-bit integer embeddings on {device}"),
                "the integer kernels run on CPUs (AVX2); GPUs use f32",
            ));
        }
        if precision == Precision::Int16 && !crate::quantized::available() {
            return Err(Error::not_supported(
                "16-bit integer embeddings on a CPU without AVX2",
                "set pgml.embedding_precision to auto or float32 (f32 is faster on this CPU)",
            ));
        }
        let config_json =
            read_json(dir, "config.json")?.ok_or_else(|| missing(dir, "config.json", "absent"))?;
        let model_type = config_json
            .get("model_type")
            .and_then(Value::as_str)
            .unwrap_or("bert")
            .to_string();
        if model_type != "bert" {
            return Err(Error::not_supported(
                format!(
                    "model folder {}: model_type {model_type:?} cannot embed yet",
                    dir.display()
                ),
                "pgml.embed serves BERT-family encoders (BERT, MiniLM, BGE, GTE, E5: model_type \
                 \"bert\")",
            ));
        }
        let config: Config = serde_json::from_value(config_json.clone())
            .map_err(|e| corrupt(dir, "config.json", e))?;

        let tokenizer_path = dir.join("tokenizer.json");
        if !tokenizer_path.is_file() {
            return Err(missing(dir, "tokenizer.json", "absent"));
        }
        let mut tokenizer =
            Tokenizer::from_file(&tokenizer_path).map_err(|e| corrupt(dir, "tokenizer.json", e))?;

        let st_config = read_json(dir, "sentence_bert_config.json")?;
        let max_seq_length = st_config
            .as_ref()
            .and_then(|c| c.get("max_seq_length"))
            .and_then(Value::as_u64)
            .map(|n| n as usize)
            .unwrap_or(config.max_position_embeddings)
            .min(config.max_position_embeddings);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_seq_length,
                ..Default::default()
            }))
            .map_err(|e| corrupt(dir, "tokenizer.json", e))?;
        let pad_id = config.pad_token_id as u32;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            pad_id,
            ..Default::default()
        }));

        let weights = crate::store::files_with_extension(dir, "safetensors");
        if weights.is_empty() {
            return Err(missing(dir, "*.safetensors", "absent"));
        }
        keep_candle_pool_empty();
        if device.is_cpu() {
            reuse_freed_memory();
        }
        let candle_device = device.candle()?;
        // SAFETY (of the mmap): the weights are read-only files of the model store; candle
        // copies them into its own tensors (on the device) while loading.
        let vb =
            unsafe { VarBuilder::from_mmaped_safetensors(&weights, DType::F32, &candle_device) }
                .map_err(|e| corrupt(dir, "*.safetensors", e))?;
        let model =
            Bert::load(vb, &config, precision).map_err(|e| corrupt(dir, "*.safetensors", e))?;
        let (pooling, normalize) = read_pipeline(dir)?;
        Ok(Embedder {
            model,
            tokenizer,
            pooling,
            normalize,
            max_seq_length,
            dimensions: config.hidden_size,
            device,
            candle_device,
        })
    }

    /// Length of each embedding.
    pub fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// Longest input in tokens; longer inputs are truncated.
    pub fn max_seq_length(&self) -> usize {
        self.max_seq_length
    }

    /// Memory the loaded weights hold.
    pub fn bytes(&self) -> u64 {
        self.model.bytes() as u64
    }

    /// How the dense layers multiply.
    pub fn precision(&self) -> Precision {
        self.model.precision()
    }

    /// Where the model was loaded.
    pub fn device(&self) -> ComputeDevice {
        self.device
    }

    pub fn pooling(&self) -> Pooling {
        self.pooling
    }

    /// Token ids of one input as the model sees it (special tokens added, truncated).
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        let text = leading_words(text, self.max_seq_length + 1);
        let encoding = self.tokenizer.encode(text, true).map_err(inference)?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Embeds `texts`, one vector per input, in input order, on `threads` worker threads.
    /// `between_batches` runs on the calling thread before each forward pass; an error from
    /// it (a query cancel) stops the work.
    pub fn embed(
        &self,
        texts: &[&str],
        options: &EmbedOptions,
        threads: usize,
        between_batches: &mut dyn FnMut() -> Result<()>,
    ) -> Result<Vec<Vec<f32>>> {
        let pool = worker_pool(threads)?;
        let prompted: Vec<String>;
        let inputs: Vec<&str> = match &options.prompt {
            Some(prompt) => {
                prompted = texts.iter().map(|t| format!("{prompt}{t}")).collect();
                prompted.iter().map(String::as_str).collect()
            }
            None => texts.to_vec(),
        };
        let normalize = options.normalize.unwrap_or(self.normalize);

        // Sort by length (characters approximate tokens) so each batch pads little.
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(inputs[i].len()));
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); inputs.len()];
        if !self.device.is_cpu() {
            // The GPU does the parallel work: whole batches, one after the other.
            for batch in order.chunks(GPU_BATCH) {
                between_batches()?;
                let texts: Vec<&str> = batch.iter().map(|&i| inputs[i]).collect();
                for (&i, v) in batch.iter().zip(self.embed_batch(&texts, normalize)?) {
                    out[i] = v;
                }
            }
            return Ok(out);
        }
        let workers = threads.max(1);
        for batch in order.chunks(BATCH) {
            between_batches()?;
            // One slice of the batch per worker, each run through the whole encoder on its
            // own: the workers never wait for each other between layers. A batch smaller
            // than the pool still splits its matrix products across the pool (gemm's rayon
            // tasks run on whichever worker is idle).
            let per_worker = batch.len().div_ceil(workers);
            let parts: Vec<&[usize]> = batch.chunks(per_worker.max(1)).collect();
            let results: Vec<Result<Vec<Vec<f32>>>> = pool.install(|| {
                parts
                    .par_iter()
                    .map(|part| {
                        let texts: Vec<&str> = part.iter().map(|&i| inputs[i]).collect();
                        self.embed_batch(&texts, normalize)
                    })
                    .collect()
            });
            for (part, vectors) in parts.iter().zip(results) {
                for (&i, v) in part.iter().zip(vectors?) {
                    out[i] = v;
                }
            }
        }
        Ok(out)
    }

    fn embed_batch(&self, texts: &[&str], normalize: bool) -> Result<Vec<Vec<f32>>> {
        let texts: Vec<&str> = texts
            .iter()
            .map(|t| leading_words(t, self.max_seq_length + 1))
            .collect();
        let encodings = self
            .tokenizer
            .encode_batch(texts, true)
            .map_err(inference)?;
        let rows = encodings.len();
        let width = encodings.first().map_or(0, |e| e.get_ids().len());
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for e in &encodings {
            ids.extend_from_slice(e.get_ids());
            mask.extend(e.get_attention_mask().iter().map(|&m| m as f32));
        }
        let device = &self.candle_device;
        let ids = Tensor::from_vec(ids, (rows, width), device).map_err(inference)?;
        let mask = Tensor::from_vec(mask, (rows, width), device).map_err(inference)?;
        let type_ids = ids.zeros_like().map_err(inference)?;
        let hidden = self
            .model
            .forward(&ids, &type_ids, &mask)
            .map_err(inference)?;
        let pooled = pool(&hidden, &mask, self.pooling).map_err(inference)?;
        let pooled = if normalize {
            let norm = pooled
                .sqr()
                .and_then(|t| t.sum_keepdim(1))
                .and_then(|t| t.sqrt())
                .and_then(|t| t.clamp(1e-12f32, f32::MAX))
                .map_err(inference)?;
            pooled.broadcast_div(&norm).map_err(inference)?
        } else {
            pooled
        };
        pooled.to_vec2::<f32>().map_err(inference)
    }
}

/// candle runs element-wise operations on its own process-wide pool, whose workers spin for a
/// while after each operation (CANDLE_NUM_THREADS, default all cores). Embeddings already keep
/// every core busy with one slice of the batch per worker of our pool, so candle's pool would
/// only steal cycles from them: with CANDLE_NUM_THREADS=1 it has no workers and each
/// operation runs on the thread that asks for it. Set before candle's first operation (the
/// pool is made once per process); a value the environment already has is kept.
fn keep_candle_pool_empty() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
            // Changing the environment races only with C code reading it on another thread;
            // this runs on the loading thread before candle or our pools start any.
            std::env::set_var("CANDLE_NUM_THREADS", "1");
        }
    });
}

/// Thresholds of glibc's malloc for a process that embeds (see `reuse_freed_memory`).
const MMAP_THRESHOLD: i32 = 16 << 20;
const TRIM_THRESHOLD: i32 = 32 << 20;

/// Every layer of the encoder allocates its output (a few MB for a batch) and frees its input.
/// With glibc's defaults (a dynamic mmap threshold that follows the largest block freed, and a
/// trim threshold of twice that) those buffers kept being mapped fresh from the kernel or
/// given back from the top of the worker threads' heaps after use, so every layer paid for
/// page faults and zeroed pages: about a fifth of batched embedding time on the CPU (engine
/// alone, 548 vs 700 sentences/s; either setting alone did not help). Now blocks up to 16 MB
/// come from the heaps and a heap (one per thread that allocates: the backend's own and each
/// worker's) gives memory back from its top once more than 32 MB there is free. This fixes
/// the thresholds for the whole process (a database backend included) for its lifetime, so it
/// is done only where a CPU encoder loads, and not where the environment sets either
/// threshold (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, or GLIBC_TUNABLES's
/// glibc.malloc.mmap_threshold / trim_threshold).
fn reuse_freed_memory() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
            let set = |variable: &str, tunable: &str| {
                std::env::var_os(variable).is_some() || tunables.contains(tunable)
            };
            // SAFETY: mallopt only changes malloc's thresholds; any thread may call it.
            if !set("MALLOC_MMAP_THRESHOLD_", "glibc.malloc.mmap_threshold") {
                unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) };
            }
            if !set("MALLOC_TRIM_THRESHOLD_", "glibc.malloc.trim_threshold") {
                unsafe { libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) };
            }
        }
    });
}

/// Blocks every signal on the calling thread: worker threads must leave signals to the
/// thread that owns the process's work (in a database backend, PostgreSQL's own handlers
/// for cancel and timeouts).
fn block_all_signals() {
    // SAFETY: plain libc calls on a locally owned sigset_t.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, std::ptr::null_mut());
    }
}

/// A rayon pool of `threads` workers, made once per size and kept for the process.
fn worker_pool(threads: usize) -> Result<Arc<rayon::ThreadPool>> {
    static POOLS: Mutex<Option<HashMap<usize, Arc<rayon::ThreadPool>>>> = Mutex::new(None);
    let threads = threads.max(1);
    let mut pools = POOLS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let pools = pools.get_or_insert_with(HashMap::new);
    if let Some(pool) = pools.get(&threads) {
        return Ok(Arc::clone(pool));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("pgml-embed-{i}"))
        .spawn_handler(|thread| {
            std::thread::Builder::new()
                .name(thread.name().unwrap_or("pgml-embed").to_string())
                .spawn(move || {
                    block_all_signals();
                    thread.run()
                })?;
            Ok(())
        })
        .build()
        .map_err(inference)?;
    let pool = Arc::new(pool);
    pools.insert(threads, Arc::clone(&pool));
    Ok(pool)
}

/// Pools `hidden` (batch, tokens, dims) over the tokens `mask` (batch, tokens) keeps.
fn pool(hidden: &Tensor, mask: &Tensor, pooling: Pooling) -> candle_core::Result<Tensor> {
    match pooling {
        Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1),
        Pooling::Mean | Pooling::MeanSqrtLen => {
            let m = mask.unsqueeze(2)?;
            let summed = hidden.broadcast_mul(&m)?.sum(1)?;
            let counts = mask.sum_keepdim(1)?.clamp(1e-9f32, f32::MAX)?;
            let divisor = if pooling == Pooling::Mean {
                counts
            } else {
                counts.sqrt()?
            };
            summed.broadcast_div(&divisor)
        }
        Pooling::Max => {
            // Padding gets a very negative value so it never wins the max.
            let m = mask.unsqueeze(2)?;
            let penalty = ((m.ones_like()? - &m)? * -1e9f64)?;
            hidden.broadcast_add(&penalty)?.max(1)
        }
    }
}

/// The start of `text` up to the end of its first `words` whitespace-separated words that
/// have a letter, digit or ASCII punctuation mark (all of `text` if it has fewer).
///
/// The tokenizer truncates only after it has tokenized the whole input, so a 500 MB text
/// would cost gigabytes to keep 256 tokens. BERT's pre-tokenizer splits at whitespace, and
/// each such word survives normalisation and gives at least one token: once the text
/// holds more words than the model's window has tokens, the rest cannot change the tokens
/// kept, and is dropped before tokenizing.
fn leading_words(text: &str, words: usize) -> &str {
    let mut seen = 0;
    let mut in_word = false;
    let mut counts = false;
    for (at, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word && counts {
                seen += 1;
                if seen >= words {
                    return text.get(..at).unwrap_or(text);
                }
            }
            in_word = false;
            counts = false;
        } else {
            in_word = true;
            counts |= c.is_alphanumeric() || c.is_ascii_punctuation();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_words_stop_after_the_words_that_count() {
        assert_eq!(leading_words("a b  c d", 2), "a b");
        assert_eq!(leading_words("a\u{1} \u{1} b c", 2), "a\u{1} \u{1} b");
        assert_eq!(leading_words("  a b", 5), "  a b");
        assert_eq!(leading_words("", 1), "");
        assert_eq!(leading_words("\u{e9}t\u{e9} ! x", 2), "\u{e9}t\u{e9} !");
    }
    use serde_json::json;

    #[test]
    fn kwargs_are_strict() {
        assert_eq!(
            EmbedOptions::from_kwargs(&json!({})).unwrap(),
            EmbedOptions::default()
        );
        let o =
            EmbedOptions::from_kwargs(&json!({"normalize": false, "instruction": "q: "})).unwrap();
        assert_eq!(o.normalize, Some(false));
        assert_eq!(o.prompt.as_deref(), Some("q: "));
        let err = EmbedOptions::from_kwargs(&json!({"normalise": true})).unwrap_err();
        assert_eq!(err.sqlstate(), SqlState::InvalidParameterValue);
        assert!(err
            .hint()
            .unwrap()
            .contains("normalize, prompt, instruction"));
        assert!(EmbedOptions::from_kwargs(&json!({"normalize": "yes"})).is_err());
        assert!(EmbedOptions::from_kwargs(&json!({"prompt": "a", "instruction": "b"})).is_err());
    }
}
