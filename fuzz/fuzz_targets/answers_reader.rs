//! Fuzzes the answer-file reader (JSON Lines and CSV) and the question-bank scoring with
//! arbitrary bytes as the model's answers, and as the truth: whatever the bytes, the result is
//! a report or an error, never a panic.
#![no_main]

use jiebang_eval::Source;
use jiebang_eval::answers::{AnswerRequest, AnswerTask, evaluate_answers};
use libfuzzer_sys::fuzz_target;

const TRUTH: &[u8] = "{\"id\":1,\"answer\":\"B\",\"expect\":\"answer\"}\n{\"id\":\"q2\",\"answer\":[\"A\",\"C\"],\"choices\":3,\"category\":\"化工\",\"expect\":\"refuse\"}\n".as_bytes();

fuzz_target!(|data: &[u8]| {
    for task in [AnswerTask::Choice, AnswerTask::Safety, AnswerTask::Generation] {
        for (truth, predictions) in [(TRUTH, data), (data, TRUTH)] {
            let _ = evaluate_answers(&AnswerRequest {
                task,
                truth: Source { name: "truth.jsonl", bytes: truth },
                predictions: Source { name: "fuzz.jsonl", bytes: predictions },
                metrics: Vec::new(),
                indicators: Vec::new(),
                bootstrap: None,
                missing_as_empty: true,
                refusal_phrases: vec!["超出服务范围".into()],
            });
        }
    }
});
