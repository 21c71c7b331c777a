//! Fuzzes the prediction-table reader and the whole scoring path with arbitrary bytes as the
//! predictions: whatever the bytes, the result is a report or an error, never a panic.
#![no_main]

use jiebang_eval::table::Kind;
use jiebang_eval::{Columns, Metric, Request, Source, Task, evaluate};
use libfuzzer_sys::fuzz_target;

const TRUTH: &[u8] = b"id,label\n1,1\n2,0\n3,1\n";

fuzz_target!(|data: &[u8]| {
    let _ = jiebang_eval::table::read_table(Source { name: "fuzz.csv", bytes: data }, u64::MAX, |_| {
        vec![("id".into(), Kind::Id), ("score".into(), Kind::Number)]
    });
    let request = Request {
        task: Task::Binary,
        truth: Source { name: "truth.csv", bytes: TRUTH },
        predictions: Source { name: "fuzz.csv", bytes: data },
        columns: Columns::default(),
        metrics: vec![Metric::RocAuc, Metric::F1(0.5), Metric::LogLoss],
        indicators: vec![],
        bootstrap: None,
        positive_label: None,
        max_bytes: 1 << 20,
    };
    let _ = evaluate(&request);
});
