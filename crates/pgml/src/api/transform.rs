//! `pgml.transform` and `pgml.transform_stream`: text generation from local GGUF models, with
//! PostgresML 2.x's overloads (task as jsonb or text; inputs as text[] prompts or jsonb[] chat
//! messages) and output shapes.

use std::rc::Rc;

use pgml_core::{Error, Result};
use pgml_nlp::device::ComputeDevice;
use pgml_nlp::generate::llama::{self, LlamaGenerator};
use pgml_nlp::generate::placement::task_device;
use pgml_nlp::generate::{
    collect, output_prefix, ChatMessage, GenerationParams, Prompt, TextGenerator, TokenStream,
};
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};

use crate::error::{raise, OrRaise};
use crate::{guc, inference, nlp_cache};

const TASKS: &[&str] = &["text-generation", "conversational"];

/// Keys of the task object that configure Hugging Face's loader. `device` and `device_map`
/// place the model (CPU or GPU); the others mean nothing to a local GGUF file and are accepted
/// so PostgresML's SQL runs unchanged.
const LOADER_KEYS: &[&str] = &[
    "device",
    "device_map",
    "torch_dtype",
    "trust_remote_code",
    "revision",
    "model_type",
    "token",
    "quantization_config",
];

/// The model a task names and the device it runs on.
struct TaskModel {
    name: String,
    device: ComputeDevice,
}

impl TaskModel {
    fn on_cpu(name: String) -> TaskModel {
        TaskModel {
            name,
            device: ComputeDevice::Cpu,
        }
    }

    fn generator(self) -> Result<Rc<LlamaGenerator>> {
        nlp_cache::generator(&self.name, self.device)
    }
}

/// The model a task object names and where it runs, after checking the task.
fn task_model(task: &Value) -> Result<TaskModel> {
    let obj = task.as_object().ok_or_else(|| {
        Error::invalid(
            format!("task must be a JSON object or a task name, not {task}"),
            "e.g. '{\"task\": \"text-generation\", \"model\": \"HuggingFaceTB/SmolLM2-135M-Instruct\"}'",
        )
    })?;
    if let Some(key) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "task" | "model") && !LOADER_KEYS.contains(&k.as_str()))
    {
        return Err(Error::invalid(
            format!("unknown task key {key:?}"),
            format!("valid keys: task, model, {}", LOADER_KEYS.join(", ")),
        ));
    }
    let name = match obj.get("task") {
        Some(Value::String(s)) => s.as_str(),
        None => "text-generation",
        Some(other) => {
            return Err(Error::invalid(
                format!("task \"task\" must be a string, not {other}"),
                format!("supported tasks: {}", TASKS.join(", ")),
            ))
        }
    };
    check_task_name(name)?;
    let name = match obj.get("model") {
        Some(Value::String(m)) => m.clone(),
        None | Some(Value::Null) => default_model()?,
        Some(other) => {
            return Err(Error::invalid(
                format!("task \"model\" must be a string, not {other}"),
                "name a model below pgml.model_path; pgml.models_available() lists them",
            ))
        }
    };
    let device = match task_device(obj.get("device"), obj.get("device_map"))? {
        Some(device) => device,
        None => inference::step(llama::auto_device)?,
    };
    Ok(TaskModel { name, device })
}

fn check_task_name(name: &str) -> Result<()> {
    if TASKS.contains(&name) {
        return Ok(());
    }
    Err(Error::not_supported(
        format!("task {name:?} is not supported yet"),
        format!(
            "supported tasks: {}; embeddings are pgml.embed",
            TASKS.join(", ")
        ),
    ))
}

fn default_model() -> Result<String> {
    guc::default_generation_model().ok_or_else(|| {
        Error::invalid(
            "the task names no model and pgml.default_text_generation_model is empty",
            "name one: '{\"task\": \"text-generation\", \"model\": \"...\"}'; \
             pgml.models_available() lists them",
        )
    })
}

/// A task given as text: a task name, or a JSON object written as an untyped literal (which
/// PostgreSQL resolves to this `text` overload, e.g. `pgml.transform('{"task": ...}', ...)`).
fn task_from_text(task: &str) -> Result<TaskModel> {
    if task.trim_start().starts_with('{') {
        let value: Value = serde_json::from_str(task).map_err(|e| {
            Error::invalid(
                format!("task is not valid JSON: {e}"),
                "e.g. '{\"task\": \"text-generation\", \"model\": \"...\"}'",
            )
        })?;
        return task_model(&value);
    }
    check_task_name(task)?;
    default_model().map(TaskModel::on_cpu)
}

fn prompts(inputs: Vec<Option<String>>) -> Result<Vec<Prompt>> {
    inputs
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            t.map(Prompt::Text).ok_or_else(|| {
                Error::invalid(
                    format!("inputs[{}] is NULL", i + 1),
                    "every prompt must be a text; filter NULLs out or use coalesce()",
                )
            })
        })
        .collect()
}

fn conversation(inputs: Vec<Option<JsonB>>) -> Result<Prompt> {
    let messages = inputs
        .into_iter()
        .enumerate()
        .map(|(i, m)| match m {
            Some(m) => ChatMessage::from_json(&m.0, i + 1),
            None => Err(Error::invalid(
                format!("inputs[{}] is NULL", i + 1),
                "each chat message is {\"role\": ..., \"content\": ...}",
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Prompt::Chat(messages))
}

fn start(
    generator: &Rc<LlamaGenerator>,
    prompt: &Prompt,
    params: &GenerationParams,
) -> Result<Box<dyn TokenStream>> {
    let threads = guc::generation_threads();
    inference::step(|| Rc::clone(generator).start(prompt, params, threads))
}

fn next_piece(stream: &mut dyn TokenStream) -> Result<Option<String>> {
    inference::step(|| stream.next_text())
}

fn generate_one(
    generator: &Rc<LlamaGenerator>,
    prompt: &Prompt,
    params: &GenerationParams,
) -> Result<String> {
    let mut stream = start(generator, prompt, params)?;
    collect(
        stream.as_mut(),
        output_prefix(prompt, params),
        &mut inference::check_for_interrupts,
        &next_piece,
    )
}

/// The `num_return_sequences` answers to one prompt, each sampled on its own.
fn answers(
    generator: &Rc<LlamaGenerator>,
    prompt: &Prompt,
    params: &GenerationParams,
) -> Result<Vec<String>> {
    (0..params.num_return_sequences)
        .map(|i| generate_one(generator, prompt, &params.for_sequence(i)))
        .collect()
}

/// Text prompts: `[[{"generated_text": ...}, ...], ...]`, one list per input with one entry
/// per returned sequence (Hugging Face's text-generation pipeline shape, as PostgresML
/// returned it).
fn transform_texts(
    model: Result<TaskModel>,
    args: &JsonB,
    inputs: Vec<Option<String>>,
) -> Result<Value> {
    let params = GenerationParams::from_args(&args.0)?;
    let prompts = prompts(inputs)?;
    let generator = model?.generator()?;
    let outputs = prompts
        .iter()
        .map(|p| {
            let texts = answers(&generator, p, &params)?;
            Ok(Value::Array(
                texts
                    .into_iter()
                    .map(|t| json!({ "generated_text": t }))
                    .collect(),
            ))
        })
        .collect::<Result<Vec<Value>>>()?;
    Ok(Value::Array(outputs))
}

/// A conversation: `["answer"]`, the assistant's next message (one per returned sequence).
fn transform_chat(
    model: Result<TaskModel>,
    args: &JsonB,
    inputs: Vec<Option<JsonB>>,
) -> Result<Value> {
    let params = GenerationParams::from_args(&args.0)?;
    let prompt = conversation(inputs)?;
    let generator = model?.generator()?;
    Ok(json!(answers(&generator, &prompt, &params)?))
}

/// `pgml.transform(task jsonb, args, inputs text[], cache)`. `cache` is accepted for
/// PostgresML's SQL: models are always cached per backend here.
#[pg_extern(volatile, strict, parallel_safe)]
fn transform(
    task: JsonB,
    args: default!(JsonB, "'{}'"),
    inputs: default!(Vec<Option<String>>, "ARRAY[]::TEXT[]"),
    cache: default!(bool, false),
) -> JsonB {
    let _ = cache;
    JsonB(transform_texts(task_model(&task.0), &args, inputs).or_raise("pgml.transform"))
}

/// `pgml.transform(task text, args, inputs text[], cache)`: the task by name, with
/// `pgml.default_text_generation_model`.
#[pg_extern(volatile, strict, parallel_safe, name = "transform")]
fn transform_task_name(
    task: &str,
    args: default!(JsonB, "'{}'"),
    inputs: default!(Vec<Option<String>>, "ARRAY[]::TEXT[]"),
    cache: default!(bool, false),
) -> JsonB {
    let _ = cache;
    JsonB(transform_texts(task_from_text(task), &args, inputs).or_raise("pgml.transform"))
}

/// `pgml.transform(task jsonb, args, inputs jsonb[], cache)`: chat messages in, the answer out.
#[pg_extern(volatile, strict, parallel_safe, name = "transform")]
fn transform_conversational(
    task: JsonB,
    args: default!(JsonB, "'{}'"),
    inputs: default!(Vec<Option<JsonB>>, "ARRAY[]::JSONB[]"),
    cache: default!(bool, false),
) -> JsonB {
    let _ = cache;
    JsonB(transform_chat(task_model(&task.0), &args, inputs).or_raise("pgml.transform"))
}

/// `pgml.transform(task text, args, inputs jsonb[], cache)`.
#[pg_extern(volatile, strict, parallel_safe, name = "transform")]
fn transform_conversational_task_name(
    task: &str,
    args: default!(JsonB, "'{}'"),
    inputs: default!(Vec<Option<JsonB>>, "ARRAY[]::JSONB[]"),
    cache: default!(bool, false),
) -> JsonB {
    let _ = cache;
    JsonB(transform_chat(task_from_text(task), &args, inputs).or_raise("pgml.transform"))
}

/// Rows of a stream: `["piece"]`, one JSON array per row like PostgresML's (one element per
/// input). Pieces come as the model produces them: through a cursor (`FETCH`), each row is
/// generated when it is fetched.
fn stream_rows(
    model: Result<TaskModel>,
    args: &JsonB,
    prompt: Result<Prompt>,
) -> SetOfIterator<'static, JsonB> {
    let stream = (|| {
        let params = GenerationParams::from_args(&args.0)?;
        if params.num_return_sequences > 1 {
            return Err(Error::not_supported(
                "pgml.transform_stream streams one answer; num_return_sequences must be 1",
                "use pgml.transform for several answers, or one stream per answer",
            ));
        }
        let prompt = prompt?;
        let generator = model?.generator()?;
        start(&generator, &prompt, &params)
    })()
    .or_raise("pgml.transform_stream");
    let mut stream = Some(stream);
    SetOfIterator::new(std::iter::from_fn(move || {
        let current = stream.as_mut()?;
        let piece = inference::check_for_interrupts()
            .and_then(|()| next_piece(current.as_mut()))
            .unwrap_or_else(|e| raise(e, "pgml.transform_stream"));
        match piece {
            Some(text) => Some(JsonB(json!([text]))),
            None => {
                // Free the context (KV cache) as soon as the answer is complete.
                stream = None;
                None
            }
        }
    }))
}

fn single_prompt(input: &str) -> Result<Prompt> {
    Ok(Prompt::Text(input.to_string()))
}

/// `pgml.transform_stream(task jsonb, args, input text, cache)`.
#[pg_extern(volatile, strict, parallel_safe)]
fn transform_stream(
    task: JsonB,
    args: default!(JsonB, "'{}'"),
    input: default!(&str, "''"),
    cache: default!(bool, false),
) -> SetOfIterator<'static, JsonB> {
    let _ = cache;
    stream_rows(task_model(&task.0), &args, single_prompt(input))
}

/// `pgml.transform_stream(task text, args, input text, cache)`.
#[pg_extern(volatile, strict, parallel_safe, name = "transform_stream")]
fn transform_stream_task_name(
    task: &str,
    args: default!(JsonB, "'{}'"),
    input: default!(&str, "''"),
    cache: default!(bool, false),
) -> SetOfIterator<'static, JsonB> {
    let _ = cache;
    stream_rows(task_from_text(task), &args, single_prompt(input))
}

/// `pgml.transform_stream(task jsonb, args, inputs jsonb[], cache)`: a conversation's answer,
/// piece by piece.
#[pg_extern(volatile, strict, parallel_safe, name = "transform_stream")]
fn transform_stream_conversational(
    task: JsonB,
    args: default!(JsonB, "'{}'"),
    inputs: default!(Vec<Option<JsonB>>, "ARRAY[]::JSONB[]"),
    cache: default!(bool, false),
) -> SetOfIterator<'static, JsonB> {
    let _ = cache;
    stream_rows(task_model(&task.0), &args, conversation(inputs))
}

/// `pgml.transform_stream(task text, args, inputs jsonb[], cache)`.
#[pg_extern(volatile, strict, parallel_safe, name = "transform_stream")]
fn transform_stream_conversational_task_name(
    task: &str,
    args: default!(JsonB, "'{}'"),
    inputs: default!(Vec<Option<JsonB>>, "ARRAY[]::JSONB[]"),
    cache: default!(bool, false),
) -> SetOfIterator<'static, JsonB> {
    let _ = cache;
    stream_rows(task_from_text(task), &args, conversation(inputs))
}
