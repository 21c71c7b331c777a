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

#[test]
fn after_the_lock_down_only_the_bound_port_and_the_model_file_are_left() {
    const PROBE: &str = "JIEBANG_CONFINE_PROBE";
    const EPERM: i32 = 1;
    const EACCES: i32 = 13;
    if let Some(dir) = std::env::var_os(PROBE) {
        // In a process of its own: a lock-down cannot be lifted.
        let dir = PathBuf::from(dir);
        let (model, other) = (dir.join("model.gguf"), dir.join("other.txt"));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let waiting = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let held = jiebang_llm::confine::lock_down(&model, true).unwrap();
        assert!(held.contains("landlock") && held.contains("seccomp"), "{held}");
        assert_eq!(std::fs::read(&model).unwrap(), b"weights");
        assert_eq!(std::fs::read(&other).unwrap_err().raw_os_error(), Some(EACCES));
        assert_eq!(std::fs::write(dir.join("new"), b"x").unwrap_err().raw_os_error(), Some(EACCES));
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap_err();
        assert_eq!(socket.raw_os_error(), Some(EPERM), "{socket}");
        let program = std::process::Command::new("/bin/true").status().unwrap_err();
        assert_eq!(program.raw_os_error(), Some(EPERM), "{program}");
        // What it listened on before still takes connections.
        let (accepted, _) = listener.accept().unwrap();
        assert_eq!(accepted.peer_addr().unwrap(), waiting.local_addr().unwrap());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.gguf"), b"weights").unwrap();
    std::fs::write(dir.path().join("other.txt"), b"the data directory").unwrap();
    let probe = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "after_the_lock_down_only_the_bound_port_and_the_model_file_are_left", "--nocapture"])
        .args(["--test-threads=1"])
        .env(PROBE, dir.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&probe.stdout).into_owned() + &String::from_utf8_lossy(&probe.stderr);
    assert!(probe.status.success() && said.contains("1 passed"), "{said}");
}

#[test]
fn a_model_the_platform_writes_itself_answers_its_letter_then_ends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("constant-c.gguf");
    std::fs::write(&path, jiebang_gguf::write::constant_answer_model(b'C')).unwrap();
    let mut model = Model::load(&path, None).unwrap();
    let messages = [Message {
        role: "user".into(),
        content: "反应釜超温时应？\nA. 继续\nB. 停车\nC. 切断进料\n答案：".into(),
    }];
    let prompt = model.template.render(&messages, "", "").unwrap();
    let tokens = model.tokenizer.encode(&prompt).unwrap();
    let mut answer = Vec::new();
    let sampler = Sampler { temperature: 0.0, top_p: None, seed: 0 };
    let finish = model
        .generate(&tokens, 16, sampler, |tokenizer, id| {
            answer.extend_from_slice(tokenizer.piece(id));
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!((answer.as_slice(), finish), (&b"C"[..], jiebang_llm::model::Finish::Stop));
    assert_eq!(model.summary.parameter_count, 2 * 260 * 64 + 64 + 2 * (2 * 64 + 4 * 64 * 64 + 3 * 64 * 128));
}
