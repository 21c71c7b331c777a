//! The built-in runner against llama.cpp on the GGUF fixtures of `scripts/llm-fixtures.py
//! --oracle`, which `scripts/test` writes and names in `JIEBANG_LLM_FIXTURES`: the same prompt
//! from the chat template, the same prompt tokens, the same greedy tokens; and the hostile
//! files refused with their reason before any weight is loaded.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::PathBuf;

use jiebang_llm::LlmError;
use jiebang_llm::model::{Model, Sampler};
use jiebang_llm::template::Message;
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(std::env::var("JIEBANG_LLM_FIXTURES").expect("JIEBANG_LLM_FIXTURES (scripts/test sets it)"))
}

#[test]
#[ignore = "needs the GGUF fixtures and llama.cpp's answers: scripts/test runs it"]
fn greedy_output_equals_llama_cpp_token_for_token() {
    let oracle: Value = serde_json::from_slice(&std::fs::read(fixtures().join("greedy.json")).unwrap()).unwrap();
    let mut models: HashMap<String, Model> = HashMap::new();
    let cases = oracle["cases"].as_array().unwrap();
    assert!(cases.len() >= 9, "three models, three conversations");
    for case in cases {
        let name = case["model"].as_str().unwrap();
        let model = models.entry(name.to_owned()).or_insert_with(|| Model::load(&fixtures().join(name), None).unwrap());
        let messages: Vec<Message> = case["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| Message {
                role: m["role"].as_str().unwrap().into(),
                content: m["content"].as_str().unwrap().into(),
            })
            .collect();
        let prompt = model.template.render(&messages, "", "").unwrap();
        assert_eq!(prompt, case["prompt"].as_str().unwrap(), "{name}: the rendered prompt");
        let tokens = model.tokenizer.encode(&prompt).unwrap();
        let expected: Vec<u32> = serde_json::from_value(case["prompt_tokens"].clone()).unwrap();
        assert_eq!(tokens, expected, "{name}: the prompt's tokens for {prompt:?}");
        let greedy: Vec<u32> = serde_json::from_value(case["greedy"].clone()).unwrap();
        let mut ours = Vec::new();
        let sampler = Sampler { temperature: 0.0, top_p: None, seed: 0 };
        model
            .generate(&tokens, 24, sampler, |_, id| {
                ours.push(id);
                ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(ours, greedy, "{name}: greedy tokens after {prompt:?}");
    }
}

#[test]
#[ignore = "needs the GGUF fixtures: scripts/test runs it"]
fn hostile_files_are_refused_with_their_reason() {
    for (file, reason) in [
        ("hostile-truncated.gguf", "the file is truncated or its header is wrong: the data of 12 tensors"),
        ("hostile-trillion.gguf", "claims 1000000000000 tensors"),
        ("hostile-duplicate-vocab.gguf", "the vocabulary repeats the tokens"),
        ("hostile-unknown-arch.gguf", "the architecture jiebang-unknown is not supported"),
    ] {
        let error = match Model::load(&fixtures().join(file), None) {
            Err(e @ (LlmError::Header(_) | LlmError::Refused(_))) => e.to_string(),
            Err(other) => panic!("{file}: refused late: {other}"),
            Ok(_) => panic!("{file} loaded"),
        };
        assert!(error.contains(reason), "{file}: {error}");
    }
}
