//! Counting tokens with a model's own tokenizer, for `pgml.chunk(..., '{"tokenizer": ...}')`:
//! what LangChain's `TextSplitter.from_huggingface_tokenizer` measures, `len(tokenizer.tokenize
//! (text))`, i.e. the tokens of the text alone (no special tokens added, no truncation).
//! Hugging Face folders count with their `tokenizer.json`; GGUF files with the vocabulary in
//! their metadata, read by llama.cpp without the weights.

use std::path::Path;

use tokenizers::Tokenizer;

use pgml_core::{Error, Result, SqlState};

use crate::store::{InstalledModel, ModelKind};

/// A loaded tokenizer that measures texts in tokens.
pub struct TokenCounter {
    engine: Engine,
    bytes: u64,
}

enum Engine {
    HuggingFace(Box<Tokenizer>),
    Gguf(crate::generate::llama::Vocabulary),
}

impl TokenCounter {
    /// The tokenizer of an installed model: its `tokenizer.json` (Hugging Face folders) or the
    /// vocabulary of its GGUF file.
    pub fn load(model: &InstalledModel) -> Result<Self> {
        match model.kind {
            ModelKind::HuggingFace => Self::from_file(&model.path.join("tokenizer.json")),
            ModelKind::Gguf => {
                let vocabulary = crate::generate::llama::Vocabulary::load(&model.path)?;
                Ok(TokenCounter {
                    bytes: vocabulary.bytes(),
                    engine: Engine::Gguf(vocabulary),
                })
            }
        }
    }

    fn from_file(path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::sql(
                SqlState::UndefinedFile,
                format!("{} is missing", path.display()),
                "token counting reads the model's tokenizer.json; add it to the model's folder",
            ));
        }
        let mut tokenizer = Tokenizer::from_file(path).map_err(|e| {
            Error::sql(
                SqlState::DataCorrupted,
                format!("{} cannot be read: {e}", path.display()),
                "replace the file with the model's original tokenizer.json",
            )
        })?;
        // A tokenizer.json may carry the model's truncation and padding; counting must see
        // every token of the text, as LangChain's `tokenizer.tokenize` does.
        tokenizer.with_padding(None);
        tokenizer.with_truncation(None).map_err(|e| {
            Error::sql(
                SqlState::DataCorrupted,
                format!("{}: {e}", path.display()),
                "replace the file with the model's original tokenizer.json",
            )
        })?;
        let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
        Ok(TokenCounter {
            engine: Engine::HuggingFace(Box::new(tokenizer)),
            bytes,
        })
    }

    /// Tokens in `text`, special tokens not added.
    pub fn count(&self, text: &str) -> usize {
        match &self.engine {
            Engine::HuggingFace(tokenizer) => match tokenizer.encode(text, false) {
                Ok(encoding) => encoding.len(),
                // Encoding plain text only fails for tokenizers whose own configuration is
                // broken, which loading already rejects; characters are the honest fallback
                // measure.
                Err(_) => text.chars().count(),
            },
            Engine::Gguf(vocabulary) => vocabulary.count(text),
        }
    }

    /// Size of the tokenizer file, for the cache's accounting.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl AsRef<TokenCounter> for TokenCounter {
    fn as_ref(&self) -> &TokenCounter {
        self
    }
}
