//! Settings (GUCs) of the extension, registered when the library loads.

use std::ffi::CString;

use pgml_nlp::device::ComputeDevice;
use pgml_nlp::embed::Precision;
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting, PostgresGucEnum};

/// `pgml.model_cache_size`: how much memory (MB, measured as the models' stored size) each
/// backend may spend on deserialised models before it drops the least recently used.
pub static MODEL_CACHE_MB: GucSetting<i32> = GucSetting::<i32>::new(1024);

/// `pgml.model_path`: the folder of local models (`pgml.embed`, `pgml.transform`). The set-up
/// command installs its models there and sets it for the project's cluster.
pub static MODEL_PATH: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"/var/cache/pgml/models"));

/// `pgml.transformer_cache_size`: memory (MB) each backend may spend on loaded embedding and
/// generation models.
pub static TRANSFORMER_CACHE_MB: GucSetting<i32> = GucSetting::<i32>::new(8192);

/// `pgml.generation_threads`: CPU threads one backend uses for text generation; 0 means half
/// the cores (at least 1), because several backends generate at once and llama.cpp's workers
/// spin while they wait for each other.
pub static GENERATION_THREADS: GucSetting<i32> = GucSetting::<i32>::new(0);

/// `pgml.embedding_threads`: CPU threads one backend uses for embeddings; 0 means all cores
/// (its workers sleep when idle, so sharing cores costs little).
pub static EMBEDDING_THREADS: GucSetting<i32> = GucSetting::<i32>::new(0);

/// `pgml.embedding_precision`: how the encoders' dense layers multiply on the CPU.
#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum EmbeddingPrecision {
    /// 16-bit integers where the CPU has AVX2, f32 elsewhere (and always on GPUs).
    #[name = c"auto"]
    Auto,
    #[name = c"int16"]
    Int16,
    #[name = c"float32"]
    Float32,
}

pub static EMBEDDING_PRECISION: GucSetting<EmbeddingPrecision> =
    GucSetting::<EmbeddingPrecision>::new(EmbeddingPrecision::Auto);

/// `pgml.predict_batch_threads`: CPU threads `pgml.predict_batch` gives XGBoost and LightGBM
/// for large batches; 1 by default because many backends predict at once and OpenMP's workers
/// spin while they wait; 0 means all cores.
pub static PREDICT_BATCH_THREADS: GucSetting<i32> = GucSetting::<i32>::new(1);

/// `pgml.default_text_generation_model`: what `pgml.transform('text-generation', ...)`
/// uses when the task names no model (PostgresML picked Hugging Face's default).
pub static DEFAULT_GENERATION_MODEL: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"HuggingFaceTB/SmolLM2-135M-Instruct"));

/// `pgml.share_trees`: XGBoost and LightGBM trees for one-row prediction are mapped from one
/// file per model that every backend shares (in `base/pgsql_tmp`, removed when the server
/// starts), rather than copied into each backend: with many backends predicting, private
/// copies no longer fit the CPU caches.
pub static SHARE_TREES: GucSetting<bool> = GucSetting::<bool>::new(true);

pub fn init() {
    GucRegistry::define_bool_guc(
        c"pgml.share_trees",
        c"Share the trees of XGBoost and LightGBM models between backends.",
        c"Each model's trees are written once to base/pgsql_tmp and mapped by every backend that predicts with it (PostgreSQL removes the files when it starts). Off: each backend keeps its own copy.",
        &SHARE_TREES,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"pgml.model_cache_size",
        c"Memory each backend may use for cached models (MB).",
        c"Models are deserialised once per backend and kept for reuse; past this size the least recently used are dropped. Sized by each model's stored bytes.",
        &MODEL_CACHE_MB,
        1,
        1024 * 1024,
        GucContext::Userset,
        GucFlags::UNIT_MB,
    );
    GucRegistry::define_string_guc(
        c"pgml.model_path",
        c"Folder of local model files for pgml.embed and pgml.transform.",
        c"Models are named by their path below this folder (e.g. sentence-transformers/all-MiniLM-L6-v2): a Hugging Face folder or a GGUF file. Nothing is ever downloaded.",
        &MODEL_PATH,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"pgml.transformer_cache_size",
        c"Memory each backend may use for loaded embedding and generation models (MB).",
        c"A model loads once per backend and is kept for reuse; past this size the least recently used are dropped.",
        &TRANSFORMER_CACHE_MB,
        1,
        1024 * 1024,
        GucContext::Userset,
        GucFlags::UNIT_MB,
    );
    GucRegistry::define_int_guc(
        c"pgml.generation_threads",
        c"CPU threads one backend uses for text generation (0: half the cores).",
        c"Keep the sum over backends that generate at once at or below the free cores: llama.cpp's threads spin while waiting, so oversubscribed cores slow every generation down sharply.",
        &GENERATION_THREADS,
        0,
        1024,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"pgml.embedding_threads",
        c"CPU threads one backend uses for embeddings (0: all cores).",
        c"Threads of the backend's own pool for pgml.embed; they sleep when idle.",
        &EMBEDDING_THREADS,
        0,
        1024,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_enum_guc(
        c"pgml.embedding_precision",
        c"How embedding models multiply on the CPU: auto, int16 or float32.",
        c"int16 runs the encoder's dense layers in 16-bit integers (needs AVX2; about 1.4x the batched throughput of float32, embeddings within 1e-4 cosine of float32's; on a CPU without AVX2 it is an error); auto picks int16 where the CPU has AVX2 and float32 elsewhere. GPUs ({\"device\": \"cuda\"}) always compute in float32, whatever this says. A model loaded in one precision is cached beside the other.",
        &EMBEDDING_PRECISION,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"pgml.predict_batch_threads",
        c"CPU threads pgml.predict_batch uses for XGBoost and LightGBM models (0: all cores).",
        c"Large batches (20,000 rows or more) go to the library's own multi-threaded prediction; keep the sum over concurrent backends at or below the free cores.",
        &PREDICT_BATCH_THREADS,
        0,
        1024,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"pgml.default_text_generation_model",
        c"Model used by pgml.transform when a text-generation task names none.",
        c"A name below pgml.model_path or an absolute path.",
        &DEFAULT_GENERATION_MODEL,
        GucContext::Userset,
        GucFlags::default(),
    );
}

fn string_setting(setting: &GucSetting<Option<CString>>) -> Option<String> {
    setting
        .get()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
}

/// Where backends share tree images (`pgml.share_trees`), or `None`.
pub fn shared_trees_dir() -> Option<std::path::PathBuf> {
    if !SHARE_TREES.get() {
        return None;
    }
    // SAFETY: DataDir is set by the postmaster before any backend runs SQL and never freed.
    let data_dir = unsafe { pgrx::pg_sys::DataDir };
    if data_dir.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated C string (checked non-null above).
    let data_dir = unsafe { std::ffi::CStr::from_ptr(data_dir) };
    let data_dir = std::path::PathBuf::from(data_dir.to_str().ok()?);
    Some(data_dir.join("base").join("pgsql_tmp"))
}

/// The folder of local models.
pub fn model_path() -> String {
    string_setting(&MODEL_PATH).unwrap_or_else(|| "/var/cache/pgml/models".to_string())
}

pub fn default_generation_model() -> Option<String> {
    string_setting(&DEFAULT_GENERATION_MODEL)
}

pub fn transformer_cache_bytes() -> u64 {
    u64::try_from(TRANSFORMER_CACHE_MB.get()).unwrap_or(1) * 1024 * 1024
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Threads for one generation.
pub fn generation_threads() -> usize {
    match usize::try_from(GENERATION_THREADS.get()) {
        Ok(n) if n > 0 => n,
        _ => (cores() / 2).max(1),
    }
}

/// The precision an encoder loads in on `device`.
pub fn embedding_precision(device: ComputeDevice) -> Precision {
    match EMBEDDING_PRECISION.get() {
        EmbeddingPrecision::Auto => Precision::fastest(device),
        // The setting is about CPUs: a GPU computes in f32 whatever it says.
        EmbeddingPrecision::Int16 if !device.is_cpu() => Precision::Float32,
        EmbeddingPrecision::Int16 => Precision::Int16,
        EmbeddingPrecision::Float32 => Precision::Float32,
    }
}

/// Threads for embeddings.
pub fn embedding_threads() -> usize {
    match usize::try_from(EMBEDDING_THREADS.get()) {
        Ok(n) if n > 0 => n,
        _ => cores(),
    }
}

/// Threads for the native libraries' batch prediction.
pub fn predict_batch_threads() -> usize {
    match usize::try_from(PREDICT_BATCH_THREADS.get()) {
        Ok(n) if n > 0 => n,
        _ => cores(),
    }
}

/// The current bound in bytes.
pub fn model_cache_bytes() -> usize {
    usize::try_from(MODEL_CACHE_MB.get()).unwrap_or(1) * 1024 * 1024
}
