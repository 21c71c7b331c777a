//! The serving measurements against NumPy: `scripts/serving-fixtures.py` computes 300 seeded
//! random runs (answers of 1 to 11 chunks, usage sent or counted, truncations, failures) with
//! `np.percentile` and `np.mean` as vLLM does; `scripts/test` regenerates the file unchanged.

#![allow(missing_docs)]

mod client;
mod load;

use jiebang_chat::exchange::{Exchange, Failure, Usage};
use jiebang_chat::measure::{Slo, measure};
use serde_json::Value;

fn exchange(json: &Value) -> Exchange {
    if json["failed"] == true {
        return Exchange::failed(Failure::Cut);
    }
    let chunks: Vec<f64> = json["chunks_ms"].as_array().unwrap().iter().map(|t| t.as_f64().unwrap()).collect();
    Exchange {
        // One character a chunk: what a count without usage counts.
        answer: "字".repeat(chunks.len()),
        first_token_ms: chunks.first().copied(),
        first_any_token_ms: chunks.first().copied(),
        last_token_ms: chunks.last().copied(),
        usage: json["usage_tokens"].as_u64().map(|completion_tokens| Usage { prompt_tokens: 10, completion_tokens }),
        finish_reason: Some(if json["truncated"] == true { "length" } else { "stop" }.into()),
        answer_chunks_ms: chunks,
        ..Exchange::default()
    }
}

#[test]
fn the_measurements_agree_with_numpy_to_1e_9() {
    let fixture: Value =
        serde_json::from_str(include_str!("../fixtures/serving.json")).expect("scripts/serving-fixtures.py's output");
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 300);
    for (i, case) in cases.iter().enumerate() {
        let exchanges: Vec<Exchange> = case["exchanges"].as_array().unwrap().iter().map(exchange).collect();
        let slo = Slo { ttft_ms: case["slo"]["ttft_ms"].as_f64(), tpot_ms: case["slo"]["tpot_ms"].as_f64() };
        let got = measure(&exchanges, case["wall_ms"].as_f64().unwrap(), slo, |e| e.answer.chars().count() as u64);
        let expected = case["expected"].as_object().unwrap();
        let names: Vec<&str> = got.values.keys().copied().collect();
        let mut want: Vec<&str> = expected.keys().map(String::as_str).collect();
        want.sort_unstable();
        assert_eq!(names, want, "case {i}: the same measurements are defined");
        for (name, value) in expected {
            let (want, got) = (value.as_f64().unwrap(), got.values[name.as_str()]);
            assert!((want - got).abs() <= 1e-9 * want.abs().max(1.0), "case {i} {name}: numpy {want}, jiebang {got}");
        }
    }
}
