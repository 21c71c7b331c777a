//! From a question of the bank to the chat messages put to the model: a system prompt, few-shot
//! turns and the user's turn, written from a template with `{question}`, `{choices}` and
//! `{category}` in it. Multiple choice defaults to C-Eval's zero-shot Chinese template; every
//! other task to the question alone. A question's images (multimodal tasks) are sent as
//! `data:` URLs after its text, in OpenAI's content-part form.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The template C-Eval uses for zero-shot multiple choice (its `subject` is our category).
pub const CHOICE_TEMPLATE: &str =
    "以下是中国关于{category}考试的单项选择题，请选出其中的正确答案。\n\n{question}\n{choices}\n答案：";

/// How a question becomes messages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// The system message, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Worked examples, put before the question as earlier turns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shots: Vec<Shot>,
    /// The user's turn; empty means the task's default.
    #[serde(default)]
    pub user: String,
}

/// One worked example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shot {
    /// What the user asked.
    pub user: String,
    /// What the assistant answered.
    pub assistant: String,
}

impl Template {
    /// A template file: a JSON object (`system`, `shots`, `user`), or else plain text, which is
    /// the user's turn. The error names the line and column.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim_start_matches('\u{feff}');
        // `{question}` also starts with a brace; a JSON object's next character is a quote.
        let json = trimmed.trim_start().strip_prefix('{').is_some_and(|rest| rest.trim_start().starts_with(['"', '}']));
        if json {
            return serde_json::from_str(trimmed)
                .map_err(|e| format!("模板不是有效的 JSON / the template is not valid JSON: {e}"));
        }
        Ok(Self { user: trimmed.to_owned(), ..Self::default() })
    }

    /// The messages for `question` (a line of the questions file: `question`, optional
    /// `choices`, `category`, `task`), with `images` (MIME type and bytes) after its text.
    pub fn messages(&self, question: &Value, images: &[(String, Vec<u8>)]) -> Vec<Value> {
        let is_choice = question.get("choices").is_some_and(|c| !c.is_null())
            && question["task"].as_str().is_none_or(|t| t == "choice");
        let user = match (self.user.is_empty(), is_choice) {
            (false, _) => self.user.as_str(),
            (true, true) => CHOICE_TEMPLATE,
            (true, false) => "{question}",
        };
        let mut messages = Vec::with_capacity(2 + 2 * self.shots.len());
        if let Some(system) = &self.system {
            messages.push(json!({"role": "system", "content": system}));
        }
        for shot in &self.shots {
            messages.push(json!({"role": "user", "content": shot.user}));
            messages.push(json!({"role": "assistant", "content": shot.assistant}));
        }
        let text = fill(user, question);
        let content = if images.is_empty() {
            json!(text)
        } else {
            let mut parts = vec![json!({"type": "text", "text": text})];
            parts.extend(images.iter().map(|(mime, bytes)| {
                json!({"type": "image_url", "image_url": {"url": format!("data:{mime};base64,{}", base64(bytes))}})
            }));
            Value::Array(parts)
        };
        messages.push(json!({"role": "user", "content": content}));
        messages
    }
}

/// `template` with the question's fields put in.
fn fill(template: &str, question: &Value) -> String {
    let text = |key: &str| question[key].as_str().unwrap_or("").to_owned();
    let choices = match &question["choices"] {
        Value::Object(map) => map.iter().map(|(k, v)| format!("{k}. {}", plain(v))).collect::<Vec<_>>().join("\n"),
        Value::Array(list) => list
            .iter()
            .zip('A'..='Z')
            .map(|(v, letter)| format!("{letter}. {}", plain(v)))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    };
    template
        .replace("{question}", &text("question"))
        .replace("{choices}", &choices)
        .replace("{category}", &text("category"))
}

fn plain(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

/// Standard base64 with padding (RFC 4648 §4), as `data:` URLs carry it.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiple_choice_defaults_to_c_eval_and_other_tasks_to_the_question() {
        let q = json!({"id": "1", "task": "choice", "category": "化工安全", "question": "氯气的颜色？", "choices": {"A": "黄绿色", "B": "无色"}});
        let messages = Template::default().messages(&q, &[]);
        assert_eq!(
            messages,
            [
                json!({"role": "user", "content": "以下是中国关于化工安全考试的单项选择题，请选出其中的正确答案。\n\n氯气的颜色？\nA. 黄绿色\nB. 无色\n答案："})
            ]
        );
        let open = json!({"id": "2", "task": "generation", "question": "何为本质安全？"});
        assert_eq!(Template::default().messages(&open, &[])[0]["content"], "何为本质安全？");
    }

    #[test]
    fn a_json_template_adds_a_system_prompt_and_shots_and_plain_text_is_the_user_turn() {
        let t = Template::parse(
            r#"{"system":"你是化工专家","shots":[{"user":"1+1","assistant":"2"}],"user":"问：{question}"}"#,
        )
        .unwrap();
        let m = t.messages(&json!({"question": "Q"}), &[]);
        let roles: Vec<&str> = m.iter().map(|m| m["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["system", "user", "assistant", "user"]);
        assert_eq!(m[3]["content"], "问：Q");
        assert_eq!(Template::parse("{question}\n答：").unwrap().user, "{question}\n答：");
        let error = Template::parse(r#"{"user": "x", "sytem": "typo"}"#).unwrap_err();
        assert!(error.contains("sytem") && error.contains("line 1"), "{error}");
    }

    #[test]
    fn images_follow_the_text_as_data_urls() {
        let m = Template::default().messages(
            &json!({"question": "图中是什么？"}),
            &[("image/png".into(), b"Man".to_vec()), ("image/png".into(), b"Ma".to_vec())],
        );
        let parts = m[0]["content"].as_array().unwrap();
        assert_eq!(parts[0], json!({"type": "text", "text": "图中是什么？"}));
        assert_eq!(parts[1]["image_url"]["url"], "data:image/png;base64,TWFu");
        assert_eq!(parts[2]["image_url"]["url"], "data:image/png;base64,TWE=");
        assert_eq!(base64(b"M"), "TQ==");
    }
}
