//! The llama.cpp engine: GGUF models (Llama, SmolLM2, Qwen2, Mistral, ...) through the
//! `llama-cpp-2` bindings. The tokenizer and chat template come from the GGUF metadata.
//!
//! A model runs on the CPU, or with the `cuda` feature on one NVIDIA GPU: every layer, the KV
//! cache and the work there (llama.cpp's CUDA backend). A CPU model in a GPU build keeps all of
//! it on the CPU (no layers, no KV cache, no batch work offloaded), so `cpu` means the same in
//! every build.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::OnceLock;

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::{send_logs_to_tracing, LogOptions};

use super::template::{self, ChatMessage};
use super::{check_prompt, GenerationParams, Prompt, TextAssembler, TextGenerator, TokenStream};
use crate::device::ComputeDevice;
use pgml_core::{Error, Result, SqlState};

/// Tokens read per forward pass while ingesting a prompt.
const PROMPT_BATCH: usize = 512;

/// llama.cpp's process-wide state, started once and never freed (the process is a backend
/// that ends with its connection).
fn backend() -> Result<&'static LlamaBackend> {
    static BACKEND: OnceLock<std::result::Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            // llama.cpp logs every load to stderr (the server log) unless told otherwise.
            send_logs_to_tracing(LogOptions::default().with_logs_enabled(false));
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| {
            Error::sql(
                SqlState::InternalError,
                format!("llama.cpp could not start: {e}"),
                "this is a bug in pgml; please report it",
            )
        })
}

fn engine_error(what: &str, err: impl std::fmt::Display) -> Error {
    Error::sql(
        SqlState::InternalError,
        format!("text generation failed while {what}: {err}"),
        "this is a bug in pgml or a damaged model; please report it",
    )
}

/// A GGUF model loaded by llama.cpp.
pub struct LlamaGenerator {
    model: LlamaModel,
    path: PathBuf,
    device: ComputeDevice,
    chat_template: Option<String>,
    bos: String,
    eos: String,
}

/// The first bytes of every GGUF file.
const GGUF_MAGIC: &[u8; 4] = b"GGUF";

fn check_gguf_file(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic));
    match read {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::sql(
            SqlState::UndefinedFile,
            format!("model file {} does not exist", path.display()),
            "pgml.models_available() lists the installed models",
        )),
        Err(e) => Err(Error::sql(
            SqlState::DataCorrupted,
            format!("model file {} could not be read: {e}", path.display()),
            "the file is damaged, truncated or not readable by the database server's user",
        )),
        Ok(()) if &magic != GGUF_MAGIC => Err(Error::sql(
            SqlState::DataCorrupted,
            format!("{} is not a GGUF file", path.display()),
            "text generation reads GGUF files (llama.cpp's format); convert the model or copy \
             the file again",
        )),
        Ok(()) => Ok(()),
    }
}

/// The vocabulary of a GGUF file alone (llama.cpp's `vocab_only` load: no weights), for
/// counting tokens.
pub struct Vocabulary {
    model: LlamaModel,
    bytes: u64,
}

impl Vocabulary {
    pub fn load(path: &Path) -> Result<Self> {
        check_gguf_file(path)?;
        let params = LlamaModelParams::default().with_vocab_only(true);
        let model = LlamaModel::load_from_file(backend()?, path, &params).map_err(|e| {
            Error::sql(
                SqlState::DataCorrupted,
                format!(
                    "llama.cpp could not read the vocabulary of {}: {e}",
                    path.display()
                ),
                "the file is damaged or truncated; copy it again or use another GGUF file",
            )
        })?;
        // For the cache's accounting: about 32 bytes per token (its text, score and type).
        let bytes = u64::try_from(model.vocab().n_tokens()).unwrap_or(0) * 32;
        Ok(Vocabulary { model, bytes })
    }

    /// Tokens in `text` as [`LlamaGenerator::tokenize`] splits it.
    pub fn count(&self, text: &str) -> usize {
        self.model
            .vocab()
            .tokenize(text.as_bytes(), false, true)
            .len()
    }

    /// Approximate memory of the vocabulary.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// The device `"device_map": "auto"` means: the first GPU llama.cpp sees, else the CPU (always
/// the CPU in a build without the `cuda` feature).
pub fn auto_device() -> Result<ComputeDevice> {
    #[cfg(feature = "cuda")]
    {
        backend()?;
        let has_gpu = llama_cpp_2::list_llama_ggml_backend_devices()
            .iter()
            .any(|d| d.backend.eq_ignore_ascii_case("CUDA"));
        if has_gpu {
            return Ok(ComputeDevice::Cuda(0));
        }
    }
    Ok(ComputeDevice::Cpu)
}

/// Where llama.cpp puts a model's layers.
fn placement(device: ComputeDevice) -> Result<LlamaModelParams> {
    match device {
        // A GPU build would otherwise offload layers by default.
        ComputeDevice::Cpu => Ok(LlamaModelParams::default().with_n_gpu_layers(0)),
        ComputeDevice::Cuda(ordinal) => gpu_placement(ordinal),
    }
}

/// Every layer on the `ordinal`-th CUDA device llama.cpp sees (CUDA's numbering), none split
/// across GPUs.
#[cfg(feature = "cuda")]
fn gpu_placement(ordinal: usize) -> Result<LlamaModelParams> {
    use crate::device::no_gpu;
    use llama_cpp_2::model::params::LlamaSplitMode;
    backend()?;
    let gpus: Vec<_> = llama_cpp_2::list_llama_ggml_backend_devices()
        .into_iter()
        .filter(|d| d.backend.eq_ignore_ascii_case("CUDA"))
        .collect();
    let gpu = gpus.get(ordinal).ok_or_else(|| {
        no_gpu(
            ordinal,
            &format!("llama.cpp sees {} CUDA device(s)", gpus.len()),
        )
    })?;
    LlamaModelParams::default()
        .with_devices(&[gpu.index])
        .map_err(|e| no_gpu(ordinal, &e.to_string()))
        .map(|params| {
            params
                .with_split_mode(LlamaSplitMode::None)
                .with_main_gpu(0)
                .with_n_gpu_layers(u32::MAX)
        })
}

#[cfg(not(feature = "cuda"))]
fn gpu_placement(ordinal: usize) -> Result<LlamaModelParams> {
    Err(crate::device::built_without_gpu(ordinal))
}

impl LlamaGenerator {
    /// Loads a GGUF file (memory-mapped: backends that load the same file share its pages) for
    /// `device`.
    pub fn load(path: &Path, device: ComputeDevice) -> Result<Self> {
        check_gguf_file(path)?;
        let params = placement(device)?;
        let model = LlamaModel::load_from_file(backend()?, path, &params).map_err(|e| {
            Error::sql(
                SqlState::DataCorrupted,
                format!("llama.cpp could not load {}: {e}", path.display()),
                "the file is damaged, truncated, or of an architecture this llama.cpp does not \
                 know; copy it again or use another GGUF file",
            )
        })?;
        let chat_template = model.meta_val_str("tokenizer.chat_template").ok();
        let vocab = model.vocab();
        let special_text = |t: LlamaToken| {
            String::from_utf8_lossy(&vocab.token_to_piece(t, true, None)).into_owned()
        };
        let bos = special_text(vocab.bos());
        let eos = special_text(vocab.eos());
        Ok(LlamaGenerator {
            chat_template,
            bos,
            eos,
            path: path.to_path_buf(),
            device,
            model,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the model's layers are.
    pub fn device(&self) -> ComputeDevice {
        self.device
    }

    /// The Jinja chat template from the GGUF metadata, if the model has one.
    pub fn chat_template(&self) -> Option<&str> {
        self.chat_template.as_deref()
    }

    /// Token ids of `text` as the model's own tokenizer splits it, special tokens written in
    /// the text recognised, nothing added.
    pub fn tokenize(&self, text: &str) -> Vec<i32> {
        self.model
            .vocab()
            .tokenize(text.as_bytes(), false, true)
            .into_iter()
            .map(|t| t.0)
            .collect()
    }

    /// The prompt text for a conversation: the model's template, or ChatML without one.
    pub fn render_chat(&self, messages: &[ChatMessage]) -> Result<String> {
        let template = self.chat_template.as_deref().unwrap_or(template::CHATML);
        template::render(template, messages, &self.bos, &self.eos)
    }

    fn prompt_tokens(&self, prompt: &Prompt) -> Result<Vec<LlamaToken>> {
        check_prompt(prompt)?;
        let vocab = self.model.vocab();
        let tokens = match prompt {
            Prompt::Text(text) => vocab.tokenize(text.as_bytes(), true, true),
            Prompt::Chat(messages) => {
                let text = self.render_chat(messages)?;
                // Templates that write the BOS themselves must not get a second one.
                let add_special = self.bos.is_empty() || !text.starts_with(&self.bos);
                vocab.tokenize(text.as_bytes(), add_special, true)
            }
        };
        if tokens.is_empty() {
            return Err(Error::invalid(
                "the prompt has no tokens",
                "pass some text for the model to continue",
            ));
        }
        Ok(tokens)
    }

    fn sampler(&self, params: &GenerationParams, prompt: &[LlamaToken]) -> LlamaSampler {
        let mut chain = Vec::new();
        if params.repetition_penalty != 1.0 {
            // Like Hugging Face, penalise every token seen so far, prompt included: the
            // window is the whole context (llama.cpp takes -1 as 0, which disables the
            // penalty; its `common` layer, not the sampler, reads -1 as the context size).
            let n_vocab = self.model.n_vocab();
            let window = i32::try_from(self.model.n_ctx_train()).unwrap_or(i32::MAX);
            chain.push(LlamaSampler::penalties(
                n_vocab,
                window.max(1),
                params.repetition_penalty,
                0.0,
                0.0,
            ));
        }
        match &params.sampling {
            None => chain.push(LlamaSampler::greedy()),
            Some(s) => {
                if s.top_k > 0 {
                    chain.push(LlamaSampler::top_k(s.top_k));
                }
                if s.top_p < 1.0 {
                    chain.push(LlamaSampler::top_p(s.top_p, 1));
                }
                chain.push(LlamaSampler::temp(s.temperature));
                // llama.cpp's LLAMA_DEFAULT_SEED (u32::MAX) means a fresh random seed.
                chain.push(LlamaSampler::dist(s.seed.unwrap_or(u32::MAX)));
            }
        }
        let mut sampler = LlamaSampler::chain_simple(chain);
        if params.repetition_penalty != 1.0 {
            sampler.accept_many(prompt);
        }
        sampler
    }
}

type Context<'a> = LlamaContext<'a>;

self_cell::self_cell!(
    /// A context (KV cache) borrowing the model it was made from, kept together so a stream
    /// can live across SQL calls.
    struct ContextCell {
        owner: Rc<LlamaGenerator>,
        #[not_covariant]
        dependent: Context,
    }
);

struct LlamaStream {
    cell: ContextCell,
    sampler: LlamaSampler,
    batch: LlamaBatch<'static>,
    /// Position of the next token in the context.
    position: i32,
    /// Tokens that may still be generated.
    remaining: usize,
    assembler: TextAssembler,
    finished: bool,
}

impl TextGenerator for LlamaGenerator {
    fn start(
        self: Rc<Self>,
        prompt: &Prompt,
        params: &GenerationParams,
        threads: usize,
    ) -> Result<Box<dyn TokenStream>> {
        let tokens = self.prompt_tokens(prompt)?;
        let window = self.context_length();
        if tokens.len() >= window {
            return Err(Error::sql(
                SqlState::ProgramLimitExceeded,
                format!(
                    "the prompt has {} tokens; this model's context holds {window} tokens, \
                     prompt and answer together",
                    tokens.len()
                ),
                "shorten the prompt (for retrieval, pass fewer or shorter chunks)",
            ));
        }
        // max_new_tokens beyond the context window is clamped to what fits.
        let remaining = params.max_new_tokens.min(window - tokens.len());
        let n_ctx = (tokens.len() + remaining).div_ceil(256) * 256;
        let n_ctx = u32::try_from(n_ctx.min(window)).unwrap_or(u32::MAX);
        let threads = i32::try_from(threads.max(1)).unwrap_or(1);
        let ctx_params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(n_ctx))
            .with_n_batch(PROMPT_BATCH as u32)
            .with_n_threads(threads)
            .with_n_threads_batch(threads)
            .with_no_perf(true);
        // A CPU model keeps its KV cache and its prompt batches on the CPU, GPU or not.
        let ctx_params = if self.device.is_cpu() {
            ctx_params.with_offload_kqv(false).with_op_offload(false)
        } else {
            ctx_params
        };
        let backend = backend()?;
        let mut cell = ContextCell::try_new(Rc::clone(&self), |model| {
            model.model.new_context(backend, ctx_params)
        })
        .map_err(|e| engine_error("creating its context", e))?;

        let mut batch = LlamaBatch::new(PROMPT_BATCH, 1);
        let last = tokens.len() - 1;
        let mut position = 0i32;
        for chunk in tokens.chunks(PROMPT_BATCH) {
            batch.clear();
            for &token in chunk {
                let is_last = position as usize == last;
                batch
                    .add(token, position, &[0], is_last)
                    .map_err(|e| engine_error("reading the prompt", e))?;
                position += 1;
            }
            cell.with_dependent_mut(|_, ctx| ctx.decode(&mut batch))
                .map_err(|e| engine_error("reading the prompt", e))?;
        }
        Ok(Box::new(LlamaStream {
            sampler: self.sampler(params, &tokens),
            cell,
            batch,
            position,
            remaining,
            assembler: TextAssembler::new(params.stop.clone()),
            finished: false,
        }))
    }

    fn bytes(&self) -> u64 {
        self.model.size()
    }

    fn context_length(&self) -> usize {
        self.model.n_ctx_train() as usize
    }
}

impl LlamaStream {
    fn end(&mut self) -> Option<String> {
        self.finished = true;
        let tail = self.assembler.finish();
        (!tail.is_empty()).then_some(tail)
    }
}

impl TokenStream for LlamaStream {
    fn next_text(&mut self) -> Result<Option<String>> {
        loop {
            if self.finished {
                return Ok(None);
            }
            if self.remaining == 0 {
                return Ok(self.end());
            }
            let sampler = &mut self.sampler;
            let (token, end_of_generation, piece) = self.cell.with_dependent_mut(|owner, ctx| {
                let token = sampler.sample(ctx, -1);
                let vocab = owner.model.vocab();
                let eog = vocab.is_eog(token);
                let piece = if eog {
                    Vec::new()
                } else {
                    vocab.token_to_piece(token, false, None)
                };
                (token, eog, piece)
            });
            if end_of_generation {
                return Ok(self.end());
            }
            let text = self.assembler.push(&piece);
            if self.assembler.stopped() {
                self.finished = true;
                return Ok((!text.is_empty()).then_some(text));
            }
            self.remaining -= 1;
            if self.remaining > 0 {
                self.batch.clear();
                self.batch
                    .add(token, self.position, &[0], true)
                    .map_err(|e| engine_error("generating", e))?;
                self.position += 1;
                let batch = &mut self.batch;
                self.cell
                    .with_dependent_mut(|_, ctx| ctx.decode(batch))
                    .map_err(|e| engine_error("generating", e))?;
            }
            if !text.is_empty() {
                return Ok(Some(text));
            }
        }
    }
}
