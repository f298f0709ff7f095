//! Chat templates: the Jinja template a model ships (GGUF `tokenizer.chat_template`), rendered
//! the way Hugging Face's `apply_chat_template` renders it (trim_blocks, lstrip_blocks,
//! Python string methods, `raise_exception`), so a conversation becomes the exact prompt the
//! model was trained on.

use minijinja::{context, Environment, ErrorKind};
use serde::Serialize;
use serde_json::Value;

use pgml_core::{Error, Result};

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    /// Reads `{"role": ..., "content": ...}`; `index` is its place in `inputs` for messages.
    pub fn from_json(value: &Value, index: usize) -> Result<Self> {
        let hint =
            "each chat message is a JSON object like {\"role\": \"user\", \"content\": \"...\"} \
                    with role system, user or assistant";
        let obj = value.as_object().ok_or_else(|| {
            Error::invalid(
                format!("inputs[{index}] is not a JSON object: {value}"),
                hint,
            )
        })?;
        let field = |key: &str| -> Result<String> {
            match obj.get(key) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(other) => Err(Error::invalid(
                    format!("inputs[{index}].{key} must be a string, not {other}"),
                    hint,
                )),
                None => Err(Error::invalid(
                    format!("inputs[{index}] has no {key:?}"),
                    hint,
                )),
            }
        };
        if let Some(key) = obj
            .keys()
            .find(|k| !matches!(k.as_str(), "role" | "content"))
        {
            return Err(Error::invalid(
                format!("inputs[{index}] has an unknown key {key:?}"),
                hint,
            ));
        }
        Ok(ChatMessage {
            role: field("role")?,
            content: field("content")?,
        })
    }
}

/// Renders `template` for `messages`, ending with the assistant's turn opened.
pub fn render(template: &str, messages: &[ChatMessage], bos: &str, eos: &str) -> Result<String> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env.add_function(
        "raise_exception",
        |message: String| -> std::result::Result<String, minijinja::Error> {
            Err(minijinja::Error::new(ErrorKind::InvalidOperation, message))
        },
    );
    let bad_template = |e: minijinja::Error| {
        Error::invalid(
            format!("the model's chat template failed: {e}"),
            "check the roles and order of the messages (many templates want system?, then \
             user and assistant alternating, ending with user)",
        )
    };
    env.add_template("chat", template).map_err(bad_template)?;
    let tmpl = env.get_template("chat").map_err(bad_template)?;
    tmpl.render(context! {
        messages => messages,
        add_generation_prompt => true,
        bos_token => bos,
        eos_token => eos,
    })
    .map_err(bad_template)
}

/// ChatML, for models that ship no template.
pub const CHATML: &str = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(role: &str, content: &str) -> ChatMessage {
        ChatMessage {
            role: role.into(),
            content: content.into(),
        }
    }

    #[test]
    fn renders_chatml() {
        let out = render(CHATML, &[msg("user", "Hi")], "", "").unwrap();
        assert_eq!(
            out,
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn python_methods_trim_blocks_and_raise_exception() {
        let t = "{% for m in messages %}\n{% if m.role not in ['user', 'system'] %}{{ raise_exception('bad role ' + m.role) }}{% endif %}\n[{{ m.content.strip() | upper }}]\n{% endfor %}";
        assert_eq!(render(t, &[msg("user", "  a ")], "", "").unwrap(), "[A]\n");
        let err = render(t, &[msg("tool", "x")], "", "").unwrap_err();
        assert!(err.to_string().contains("bad role tool"), "{err}");
    }

    #[test]
    fn messages_are_checked() {
        assert_eq!(
            ChatMessage::from_json(&json!({"role": "user", "content": "x"}), 0).unwrap(),
            msg("user", "x")
        );
        for bad in [
            json!("x"),
            json!({"role": "user"}),
            json!({"role": 1, "content": "x"}),
            json!({"role": "user", "content": "x", "name": "n"}),
        ] {
            assert!(ChatMessage::from_json(&bad, 3).is_err(), "{bad}");
        }
    }
}
