//! Text generation: an engine-neutral interface, the llama.cpp engine (GGUF files), and the
//! pieces every engine shares (settings, chat templates, stop sequences).

pub mod llama;
mod output;
pub mod params;
pub mod placement;
pub mod template;

use std::rc::Rc;

pub use output::TextAssembler;
pub use params::{GenerationParams, Sampling};
pub use template::ChatMessage;

use pgml_core::{Error, Result};

/// What the model continues.
#[derive(Debug, Clone, PartialEq)]
pub enum Prompt {
    /// Plain text, continued as is.
    Text(String),
    /// A conversation, rendered with the model's chat template; the answer is the
    /// assistant's next message.
    Chat(Vec<ChatMessage>),
}

/// A model that generates text. Taken as `Rc<Self>` because a running generation, which may
/// outlive one SQL call (`pgml.transform_stream` read through a cursor), keeps its model alive
/// even when the cache lets go of it.
pub trait TextGenerator {
    /// Prepares a generation (tokenises and reads the prompt); tokens come from the stream.
    fn start(
        self: Rc<Self>,
        prompt: &Prompt,
        params: &GenerationParams,
        threads: usize,
    ) -> Result<Box<dyn TokenStream>>;

    /// Memory the weights take.
    fn bytes(&self) -> u64;

    /// The longest prompt plus answer, in tokens.
    fn context_length(&self) -> usize;
}

/// A generation in progress.
pub trait TokenStream {
    /// The next piece of final text (one token's worth, possibly more after held-back text),
    /// or `None` when the generation is over.
    fn next_text(&mut self) -> Result<Option<String>>;
}

/// Runs a generation to its end, appending to `text` (the prompt, for `return_full_text`).
/// `between_tokens` runs before each token; an error from it (a query cancel) stops the work.
/// `step` produces the next piece (the caller may wrap it, e.g. to mask signals).
pub fn collect(
    stream: &mut dyn TokenStream,
    mut text: String,
    between_tokens: &mut dyn FnMut() -> Result<()>,
    step: &dyn Fn(&mut dyn TokenStream) -> Result<Option<String>>,
) -> Result<String> {
    loop {
        between_tokens()?;
        match step(stream)? {
            Some(piece) => text.push_str(&piece),
            None => return Ok(text),
        }
    }
}

/// The text a generation's output starts with: the prompt itself when `return_full_text`
/// asks for it (text prompts only).
pub fn output_prefix(prompt: &Prompt, params: &GenerationParams) -> String {
    match prompt {
        Prompt::Text(t) if params.return_full_text => t.clone(),
        _ => String::new(),
    }
}

/// Checks a text prompt before any work: empty prompts have nothing to continue.
pub(crate) fn check_prompt(prompt: &Prompt) -> Result<()> {
    match prompt {
        Prompt::Text(t) if t.is_empty() => Err(Error::invalid(
            "the prompt is empty: there is nothing to continue",
            "pass the text the model should continue, or chat messages",
        )),
        Prompt::Chat(m) if m.is_empty() => Err(Error::invalid(
            "the conversation has no messages",
            "pass at least one {\"role\": \"user\", \"content\": \"...\"} message",
        )),
        _ => Ok(()),
    }
}
