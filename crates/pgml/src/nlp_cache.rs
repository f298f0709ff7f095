//! Per-backend cache of embedding and generation models. A model loads once per backend (on
//! first use) and stays until the connection closes, `pgml.clear_cache()`, or eviction:
//! `pgml.transformer_cache_size` bounds the memory, least recently used first out.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Instant;

use pgml_core::{Error, Result};
use pgml_nlp::device::ComputeDevice;
use pgml_nlp::embed::Embedder;
use pgml_nlp::embed::Precision;
use pgml_nlp::generate::llama::LlamaGenerator;
use pgml_nlp::generate::TextGenerator;
use pgml_nlp::store::{InstalledModel, ModelKind};
use pgml_nlp::tokens::TokenCounter;

use crate::{guc, inference};

enum Loaded {
    Embedder(Rc<Embedder>),
    Generator(Rc<LlamaGenerator>),
    /// A model's tokenizer alone, for `pgml.chunk` counting tokens.
    Tokenizer(Rc<TokenCounter>),
}

struct Entry {
    loaded: Loaded,
    name: String,
    bytes: u64,
    hits: u64,
    last_used: u64,
    load_ms: f64,
}

/// One row of `pgml.cached_models()` for a transformer.
pub struct CachedTransformer {
    pub name: String,
    pub kind: &'static str,
    pub engine: String,
    pub bytes: u64,
    pub hits: u64,
    pub load_ms: f64,
    pub last_used: u64,
}

thread_local! {
    /// Keyed by the resolved file or folder, so two names of one model share an entry (an
    /// encoder's key adds its device and precision: `folder@cpu/Int16`).
    static MODELS: RefCell<HashMap<PathBuf, Entry>> = RefCell::new(HashMap::new());
    static CLOCK: Cell<u64> = const { Cell::new(0) };
}

fn tick() -> u64 {
    CLOCK.with(|c| {
        c.set(c.get() + 1);
        c.get()
    })
}

fn evict(models: &mut HashMap<PathBuf, Entry>, limit: u64, keep: &PathBuf) {
    let mut total: u64 = models.values().map(|e| e.bytes).sum();
    while total > limit {
        let victim = models
            .iter()
            .filter(|(path, _)| *path != keep)
            .min_by_key(|(_, e)| e.last_used)
            .map(|(path, _)| path.clone());
        let Some(victim) = victim else { break };
        if let Some(entry) = models.remove(&victim) {
            total -= entry.bytes;
        }
    }
}

fn lookup<T>(path: &PathBuf, pick: impl Fn(&Loaded) -> Option<T>) -> Option<T> {
    let now = tick();
    MODELS.with(|m| {
        let mut models = m.borrow_mut();
        let entry = models.get_mut(path)?;
        let found = pick(&entry.loaded)?;
        entry.hits += 1;
        entry.last_used = now;
        Some(found)
    })
}

/// The entry cached under `key` when it holds what `pick` wants; otherwise `load` runs (timed),
/// and its result is cached under `key` (then the least recently used entries beyond
/// `pgml.transformer_cache_size` are dropped).
fn get_or_load<T>(
    model: &InstalledModel,
    key: PathBuf,
    pick: impl Fn(&Loaded) -> Option<Rc<T>>,
    load: impl FnOnce() -> Result<T>,
    wrap: impl FnOnce(Rc<T>) -> Loaded,
    bytes: impl FnOnce(&T) -> u64,
) -> Result<Rc<T>> {
    if let Some(found) = lookup(&key, pick) {
        return Ok(found);
    }
    let started = Instant::now();
    let loaded = Rc::new(load()?);
    let entry = Entry {
        bytes: bytes(&loaded),
        loaded: wrap(Rc::clone(&loaded)),
        name: model.name.clone(),
        hits: 1,
        last_used: tick(),
        load_ms: started.elapsed().as_secs_f64() * 1000.0,
    };
    MODELS.with(|m| {
        let mut models = m.borrow_mut();
        models.insert(key.clone(), entry);
        evict(&mut models, guc::transformer_cache_bytes(), &key);
    });
    Ok(loaded)
}

fn wrong_kind(model: &InstalledModel, wanted: &str) -> Error {
    Error::invalid(
        format!(
            "model {:?} is a {} model, which cannot {wanted}",
            model.name,
            model.kind.as_str()
        ),
        "pgml.embed takes Hugging Face encoder folders; pgml.transform (text-generation) \
         takes GGUF files; pgml.models_available() lists them with their kind",
    )
}

/// The embedding model `name` on `device` in `precision`, loaded on first use. One entry per
/// device and precision: the same model on the CPU and on a GPU are two loads.
pub fn embedder(name: &str, device: ComputeDevice, precision: Precision) -> Result<Rc<Embedder>> {
    let model = inference::store().resolve(name)?;
    if model.kind != ModelKind::HuggingFace {
        return Err(wrong_kind(&model, "embed"));
    }
    let key = PathBuf::from(format!("{}@{device}/{precision:?}", model.path.display()));
    get_or_load(
        &model,
        key,
        |l| match l {
            Loaded::Embedder(e) => Some(Rc::clone(e)),
            _ => None,
        },
        || inference::step(|| Embedder::load_with_precision(&model.path, device, precision)),
        Loaded::Embedder,
        Embedder::bytes,
    )
}

/// The generation model `name` on `device`, loaded on first use (one entry per device).
pub fn generator(name: &str, device: ComputeDevice) -> Result<Rc<LlamaGenerator>> {
    let model = inference::store().resolve(name)?;
    if model.kind != ModelKind::Gguf {
        return Err(wrong_kind(&model, "generate text"));
    }
    // The CPU copy keeps the file's own path as its key, as before devices existed.
    let key = match device {
        ComputeDevice::Cpu => model.path.clone(),
        gpu => PathBuf::from(format!("{}@{gpu}", model.path.display())),
    };
    get_or_load(
        &model,
        key,
        |l| match l {
            Loaded::Generator(g) => Some(Rc::clone(g)),
            _ => None,
        },
        || inference::step(|| LlamaGenerator::load(&model.path, device)),
        Loaded::Generator,
        |g| g.bytes(),
    )
}

/// The tokenizer of model `name` (its `tokenizer.json`), loaded on first use, for
/// `pgml.chunk` counting tokens. Cached under the file's own path, so it never shadows the
/// model itself.
pub fn token_counter(name: &str) -> Result<Rc<TokenCounter>> {
    let model = inference::store().resolve(name)?;
    get_or_load(
        &model,
        model.path.join("tokenizer.json"),
        |l| match l {
            Loaded::Tokenizer(t) => Some(Rc::clone(t)),
            _ => None,
        },
        || TokenCounter::load(&model),
        Loaded::Tokenizer,
        TokenCounter::bytes,
    )
}

/// What this backend holds.
pub fn entries() -> Vec<CachedTransformer> {
    MODELS.with(|m| {
        m.borrow()
            .values()
            .map(|e| {
                let (kind, engine) = match &e.loaded {
                    Loaded::Embedder(m) => ("embedding", embedding_engine(m)),
                    Loaded::Generator(g) => ("text-generation", generation_engine(g)),
                    Loaded::Tokenizer(_) => ("tokenizer", "tokenizers".to_string()),
                };
                CachedTransformer {
                    name: e.name.clone(),
                    kind,
                    engine,
                    bytes: e.bytes,
                    hits: e.hits,
                    load_ms: e.load_ms,
                    last_used: e.last_used,
                }
            })
            .collect()
    })
}

/// "candle" for the f32 CPU encoder, else what differs: "candle (int16)", "candle (cuda:0)".
fn embedding_engine(model: &Embedder) -> String {
    match (model.device().is_cpu(), model.precision()) {
        (true, Precision::Float32) => "candle".to_string(),
        (true, Precision::Int16) => "candle (int16)".to_string(),
        (false, _) => format!("candle ({})", model.device()),
    }
}

/// "llama.cpp" on the CPU, "llama.cpp (cuda:0)" on a GPU.
fn generation_engine(model: &LlamaGenerator) -> String {
    match model.device() {
        ComputeDevice::Cpu => "llama.cpp".to_string(),
        gpu => format!("llama.cpp ({gpu})"),
    }
}

/// Drops every loaded model; returns how many.
pub fn clear() -> usize {
    MODELS.with(|m| {
        let n = m.borrow().len();
        m.borrow_mut().clear();
        n
    })
}
