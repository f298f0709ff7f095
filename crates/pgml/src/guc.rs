//! Settings (GUCs) of the extension, registered when the library loads.

use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};

/// `pgml.model_cache_size`: how much memory (MB, measured as the models' stored size) each
/// backend may spend on deserialised models before it drops the least recently used.
pub static MODEL_CACHE_MB: GucSetting<i32> = GucSetting::<i32>::new(1024);

pub fn init() {
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
}

/// The current bound in bytes.
pub fn model_cache_bytes() -> usize {
    usize::try_from(MODEL_CACHE_MB.get()).unwrap_or(1) * 1024 * 1024
}
