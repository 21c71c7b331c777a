//! The chat template: the Jinja text in the file's `tokenizer.chat_template` (or the one the
//! delivery contract gives), rendered as Hugging Face and llama.cpp render it — blocks trimmed,
//! Python's string methods available, `add_generation_prompt` set — into the prompt the model
//! continues.

use minijinja::{Environment, Error, ErrorKind, context};
use serde::Serialize;

use crate::LlmError;

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// Its text.
    pub content: String,
}

/// A parsed chat template.
pub struct ChatTemplate {
    env: Environment<'static>,
}

impl ChatTemplate {
    /// Parses `source`.
    pub fn new(source: &str) -> Result<Self, LlmError> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", |message: String| -> Result<String, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, message))
        });
        env.add_template_owned("chat", source.to_owned()).map_err(|e| LlmError::Template(e.to_string()))?;
        Ok(ChatTemplate { env })
    }

    /// The prompt for `messages`, ending where the assistant's answer begins.
    pub fn render(&self, messages: &[Message], bos_token: &str, eos_token: &str) -> Result<String, LlmError> {
        let template = self.env.get_template("chat").map_err(|e| LlmError::Template(e.to_string()))?;
        template
            .render(context! { messages, add_generation_prompt => true, bos_token, eos_token })
            .map_err(|e| LlmError::Template(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_renders_with_the_generation_prompt() {
        let source = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
        let template = ChatTemplate::new(source).unwrap();
        let messages = [
            Message { role: "system".into(), content: "你是助手".into() },
            Message { role: "user".into(), content: "答：".into() },
        ];
        assert_eq!(
            template.render(&messages, "", "").unwrap(),
            "<|im_start|>system\n你是助手<|im_end|>\n<|im_start|>user\n答：<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn python_methods_and_raise_exception_work() {
        let template = ChatTemplate::new(
            "{% if messages[0].role != 'user' %}{{ raise_exception('user first') }}{% endif %}{{ messages[0].content.strip() }}",
        )
        .unwrap();
        let user = Message { role: "user".into(), content: "  hi ".into() };
        assert_eq!(template.render(std::slice::from_ref(&user), "", "").unwrap(), "hi");
        let system = Message { role: "system".into(), content: String::new() };
        assert!(template.render(&[system], "", "").unwrap_err().to_string().contains("user first"));
        assert!(ChatTemplate::new("{% for %}").is_err());
    }
}
