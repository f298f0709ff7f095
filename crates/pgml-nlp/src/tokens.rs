//! Counting tokens with a model's own tokenizer, for `pgml.chunk(..., '{"tokenizer": ...}')`:
//! what LangChain's `TextSplitter.from_huggingface_tokenizer` measures, `len(tokenizer.tokenize
//! (text))`, i.e. the tokens of the text alone (no special tokens, no truncation).

use std::path::Path;

use tokenizers::Tokenizer;

use pgml_core::{Error, Result, SqlState};

use crate::store::{InstalledModel, ModelKind};

/// A loaded tokenizer that measures texts in tokens.
pub struct TokenCounter {
    tokenizer: Tokenizer,
    bytes: u64,
}

impl TokenCounter {
    /// The tokenizer of an installed model: its `tokenizer.json` (Hugging Face folders).
    pub fn load(model: &InstalledModel) -> Result<Self> {
        if model.kind != ModelKind::HuggingFace {
            return Err(Error::not_supported(
                format!(
                    "model {:?} is a {} model; counting tokens needs a Hugging Face tokenizer.json",
                    model.name,
                    model.kind.as_str()
                ),
                "name a Hugging Face model folder with a tokenizer.json (pgml.models_available() lists them)",
            ));
        }
        Self::from_file(&model.path.join("tokenizer.json"))
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
        Ok(TokenCounter { tokenizer, bytes })
    }

    /// Tokens in `text`, special tokens not counted.
    pub fn count(&self, text: &str) -> usize {
        match self.tokenizer.encode(text, false) {
            Ok(encoding) => encoding.len(),
            // Encoding plain text only fails for tokenizers whose own configuration is broken,
            // which loading already rejects; characters are the honest fallback measure.
            Err(_) => text.chars().count(),
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
