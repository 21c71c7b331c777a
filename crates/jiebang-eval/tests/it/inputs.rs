//! Files through the whole engine: every bad input of the list gets an error naming the
//! problem, and a GBK file with Chinese labels scores exactly as scikit-learn does.

use jiebang_core::indicator::IndicatorExpr;
use jiebang_eval::{Columns, EvalError, Metric, Request, Source, Task, evaluate};
use serde_json::Value;

fn request<'a>(task: Task, truth: &'a [u8], pred: &'a [u8], metrics: &[&str]) -> Request<'a> {
    Request {
        task,
        truth: Source { name: "truth.csv", bytes: truth },
        predictions: Source { name: "pred.csv", bytes: pred },
        columns: Columns::default(),
        metrics: metrics.iter().map(|m| Metric::parse(task, m).unwrap()).collect(),
        indicators: vec![],
        bootstrap: None,
        positive_label: None,
        max_bytes: 1 << 30,
    }
}

fn binary_error(truth: &str, pred: &str, metric: &str) -> String {
    evaluate(&request(Task::Binary, truth.as_bytes(), pred.as_bytes(), &[metric])).unwrap_err().to_string()
}

const TRUTH: &str = "id,label\n1,1\n2,0\n3,1\n4,0\n";

#[test]
fn each_bad_input_is_refused_with_a_message_that_names_it() {
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (TRUTH, "id,score\n1,0.1\n2,0.2\n", "roc_auc", &["2 id(s) have no prediction", "3, 4"]),
        (TRUTH, "id,score\n1,0.1\n1,0.2\n2,0.3\n3,0.1\n4,0.2\n", "roc_auc", &["duplicate id '1'", "line 2"]),
        ("id,label\n1,1\n1,0\n", "id,score\n1,0.1\n", "roc_auc", &["truth.csv", "duplicate id '1'"]),
        (
            TRUTH,
            "id,score\n1,0.1\n2,0.2\n3,0.3\n4,0.4\n9,0.5\n",
            "roc_auc",
            &["1 id(s) not in the truth", "9", "line 6"],
        ),
        (TRUTH, "id,score\n1,0.1\n2,abc\n3,0.3\n4,0.4\n", "roc_auc", &["line 3", "column score", "'abc'", "id '2'"]),
        (TRUTH, "id,score\n1,0.1\n2,\n3,0.3\n4,0.4\n", "roc_auc", &["line 3", "empty", "id '2'"]),
        (TRUTH, "id,score\n1,0.1\n2,NaN\n3,0.3\n4,0.4\n", "roc_auc", &["'NaN'", "not finite"]),
        (TRUTH, "id,score\n1,0.1\n2,inf\n3,0.3\n4,0.4\n", "roc_auc", &["'inf'", "not finite"]),
        (TRUTH, "", "roc_auc", &["pred.csv", "empty"]),
        (TRUTH, "id,score\n", "roc_auc", &["pred.csv", "no rows"]),
        (TRUTH, "id,prob\n1,0.1\n", "roc_auc", &["no column 'score'", "「id」、「prob」"]),
        (TRUTH, "id,score\n1,0.1\n2\n", "roc_auc", &["line 3", "1 fields", "header has 2"]),
        (TRUTH, "\u{0}\u{1}PK garbage \u{0}", "roc_auc", &["binary data"]),
        (TRUTH, "id,score\n1,0.1\n2,1.5\n3,0.3\n4,0.4\n", "log_loss", &["row 2", "not a probability"]),
        ("id,label\n1,1\n2,1\n", "id,score\n1,0.1\n2,0.2\n", "roc_auc", &["only one class"]),
        ("id,label\n1,yes\n2,no\n", "id,score\n1,0.1\n2,0.2\n", "roc_auc", &["'yes'", "--positive-label"]),
    ];
    for (truth, pred, metric, expected) in cases {
        let message = binary_error(truth, pred, metric);
        for part in *expected {
            assert!(message.contains(part), "pred {pred:?}: expected «{part}» in: {message}");
        }
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_parsing() {
    let mut r = request(Task::Binary, TRUTH.as_bytes(), b"id,score\n1,0.1\n", &["roc_auc"]);
    r.max_bytes = 10;
    assert!(evaluate(&r).unwrap_err().to_string().contains("over the limit"));
}

#[test]
fn string_labels_work_with_a_named_positive_class_and_a_third_label_is_refused() {
    let mut r = request(
        Task::Binary,
        "id,label\n1,缺陷\n2,合格\n3,缺陷\n".as_bytes(),
        b"id,score\n1,0.9\n2,0.2\n3,0.4\n",
        &["roc_auc"],
    );
    r.positive_label = Some("缺陷".into());
    assert_eq!(evaluate(&r).unwrap().metrics["roc_auc"], 1.0);
    let mut r = request(
        Task::Binary,
        "id,label\n1,缺陷\n2,合格\n3,其他\n".as_bytes(),
        b"id,score\n1,0.9\n2,0.2\n3,0.4\n",
        &["roc_auc"],
    );
    r.positive_label = Some("缺陷".into());
    assert!(evaluate(&r).unwrap_err().to_string().contains("third label"));
}

#[test]
fn indicators_give_verdicts_and_splits_are_scored_apart() {
    let truth = "id,label,split\n1,1,public\n2,0,public\n3,1,private\n4,0,private\n";
    let mut r = request(Task::Binary, truth.as_bytes(), b"id,score\n4,0.6\n3,0.7\n2,0.4\n1,0.8\n", &["accuracy"]);
    r.columns.split = Some("split".into());
    r.indicators =
        vec![IndicatorExpr::parse("accuracy@0.5>=0.75").unwrap(), IndicatorExpr::parse("roc_auc>0.99").unwrap()];
    let report = evaluate(&r).unwrap();
    assert_eq!(report.metrics["accuracy@0.5"], 0.75);
    assert_eq!(report.splits["public"]["accuracy@0.5"], 1.0);
    assert_eq!(report.splits["private"]["accuracy@0.5"], 0.5);
    assert_eq!(report.indicators.iter().map(|i| i.pass).collect::<Vec<_>>(), [true, true]);
    assert_eq!(report.verdict, Some("pass"));
    r.indicators.push(IndicatorExpr::parse("f1<=0.1").unwrap());
    assert_eq!(evaluate(&r).unwrap().verdict, Some("fail"));
}

#[test]
fn a_bootstrap_interval_brackets_the_value_and_a_seed_reproduces_it() {
    let truth: String = std::iter::once("id,label".to_owned())
        .chain((0..200).map(|i| format!("{i},{}", i % 3 == 0)))
        .collect::<Vec<_>>()
        .join("\n");
    let pred: String = std::iter::once("id,score".to_owned())
        .chain(
            (0..200).map(|i| format!("{i},{}", ((i * 37) % 100) as f64 / 100.0 + if i % 3 == 0 { 0.3 } else { 0.0 })),
        )
        .collect::<Vec<_>>()
        .join("\n");
    let mut r = request(Task::Binary, truth.as_bytes(), pred.as_bytes(), &["roc_auc"]);
    r.bootstrap = Some(jiebang_eval::Bootstrap { resamples: 300, seed: 42 });
    let a = evaluate(&r).unwrap();
    let [low, high] = a.intervals["roc_auc"];
    assert!(low < a.metrics["roc_auc"] && a.metrics["roc_auc"] < high, "{low} < {} < {high}", a.metrics["roc_auc"]);
    assert_eq!(evaluate(&r).unwrap().intervals, a.intervals);
    r.bootstrap = Some(jiebang_eval::Bootstrap { resamples: 300, seed: 43 });
    assert_ne!(evaluate(&r).unwrap().intervals, a.intervals);
    // Rows are drawn by truth row: the same predictions in another order give the same interval.
    let mut lines: Vec<&str> = pred.lines().collect();
    lines[1..].reverse();
    let reversed = lines.join("\n");
    let mut r = request(Task::Binary, truth.as_bytes(), reversed.as_bytes(), &["roc_auc"]);
    r.bootstrap = Some(jiebang_eval::Bootstrap { resamples: 300, seed: 42 });
    assert_eq!(evaluate(&r).unwrap().intervals, a.intervals);
}

#[test]
fn rows_the_fast_path_leaves_to_the_general_one_score_the_same() {
    let clean = "id,score\n1,0.1\n2,0.2\n3,0.3\n4,0.4\n";
    // Spaces, an exponent, a leading '+', a 17-digit mantissa, CRLF, a blank line, a text id.
    let unusual = "id,score\r\n 1,0.1\r\n2, 2e-1\r\n\r\n3,+0.30000000000000000\r\n4 ,0.4";
    let scored =
        |pred: &str| evaluate(&request(Task::Binary, TRUTH.as_bytes(), pred.as_bytes(), &["roc_auc", "log_loss"]));
    assert_eq!(scored(unusual).unwrap().metrics, scored(clean).unwrap().metrics);
    let message = scored("id,score\n1,0.1\nx7,0.2\n3,0.3\n4,0.4\n2,0.2\n").unwrap_err().to_string();
    assert!(message.contains("1 id(s) not in the truth") && message.contains("x7（第3行"), "{message}");
}

#[test]
fn number_like_text_ids_join_as_text() {
    // "007" makes the truth's ids text; "12" and "8" must still find their rows, and "0012"
    // (12 as a number) must not.
    let truth = "id,label\n007,1\n12,0\nb,1\n8,0\n";
    let scored = |pred: &str| evaluate(&request(Task::Binary, truth.as_bytes(), pred.as_bytes(), &["roc_auc"]));
    let report = scored("id,score\n12,0.1\n8,0.3\n007,0.9\nb,0.5\n").unwrap();
    assert_eq!(report.metrics["roc_auc"], 1.0);
    let report = scored("id,score\n12,0.6\n8,0.3\n007,0.9\nb,0.5\n").unwrap();
    assert_eq!(report.metrics["roc_auc"], 0.75);
    let message = scored("id,score\n0012,0.1\n8,0.3\n007,0.9\nb,0.5\n").unwrap_err().to_string();
    assert!(message.contains("0012（第2行"), "{message}");
}

#[test]
fn a_gbk_file_with_chinese_labels_scores_as_scikit_learn_does() {
    let fixtures: Value = serde_json::from_str(include_str!("../fixtures/metrics.json")).unwrap();
    let datasets = fixtures["datasets"].as_array().unwrap();
    let (index, data) = datasets
        .iter()
        .enumerate()
        .find(|(_, d)| d["classes"].as_array().is_some_and(|c| c.iter().any(|l| l == "正常")))
        .unwrap();
    let classes: Vec<&str> = data["classes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let truth_labels = data["truth"].as_array().unwrap();
    let n = truth_labels.len();
    let mut truth = String::from("id,label\n");
    let mut pred =
        format!("prediction\tid\t{}\n", classes.iter().map(|c| format!("p_{c}")).collect::<Vec<_>>().join("\t"));
    // Predictions in reverse order, ids as text: the join must not rely on order.
    for (i, label) in truth_labels.iter().enumerate() {
        truth.push_str(&format!("row-{i},{}\r\n", label.as_str().unwrap()));
    }
    for i in (0..n).rev() {
        let probabilities: Vec<String> =
            data["probabilities"][i].as_array().unwrap().iter().map(|p| format!("{:e}", p.as_f64().unwrap())).collect();
        pred.push_str(&format!("{}\trow-{i}\t{}\n", data["predicted"][i].as_str().unwrap(), probabilities.join("\t")));
    }
    let (truth_gbk, _, lossy) = encoding_rs::GBK.encode(&truth);
    assert!(!lossy);
    let (pred_gbk, _, _) = encoding_rs::GBK.encode(&pred);
    let cases: Vec<&Value> = fixtures["cases"].as_array().unwrap().iter().filter(|c| c["dataset"] == index).collect();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["metric"].as_str().unwrap();
        let report = evaluate(&request(Task::Multiclass, &truth_gbk, &pred_gbk, &[name]))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = report.metrics[&Metric::parse(Task::Multiclass, name).unwrap().key()];
        let want = case["expected"].as_f64().unwrap();
        assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "{name}: scikit-learn {want}, jiebang {got}");
    }
}

#[test]
fn multiclass_without_any_prediction_column_says_what_it_needs() {
    let err = evaluate(&request(Task::Multiclass, b"id,label\n1,a\n", b"id,other\n1,x\n", &["accuracy"])).unwrap_err();
    assert!(matches!(err, EvalError::Usage(ref m) if m.contains("p_<class>")), "{err}");
}

#[cfg(feature = "parquet")]
#[test]
fn a_parquet_prediction_file_scores_like_the_same_csv_and_a_null_is_named() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
    let write = |scores: Vec<Option<f64>>| {
        let ids: ArrayRef = Arc::new(Int64Array::from(vec![4, 3, 2, 1]));
        let scores: ArrayRef = Arc::new(Float64Array::from(scores));
        let batch = RecordBatch::try_from_iter([("id", ids), ("score", scores)]).unwrap();
        let mut bytes = Vec::new();
        let mut writer = parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        bytes
    };
    let parquet = write(vec![Some(0.1), Some(0.7), Some(0.25), Some(0.9)]);
    let csv = b"id,score\n4,0.1\n3,0.7\n2,0.25\n1,0.9\n";
    let metrics = ["roc_auc", "f1", "log_loss"];
    let from_parquet = evaluate(&request(Task::Binary, TRUTH.as_bytes(), &parquet, &metrics)).unwrap();
    let from_csv = evaluate(&request(Task::Binary, TRUTH.as_bytes(), csv, &metrics)).unwrap();
    assert_eq!(from_parquet.metrics, from_csv.metrics);
    let with_null = write(vec![Some(0.1), None, Some(0.25), Some(0.9)]);
    let err = evaluate(&request(Task::Binary, TRUTH.as_bytes(), &with_null, &metrics)).unwrap_err().to_string();
    assert!(err.contains("empty") && err.contains("id '3'"), "{err}");
}

#[cfg(not(feature = "parquet"))]
#[test]
fn a_parquet_file_without_the_feature_says_how_to_get_it() {
    let err =
        evaluate(&request(Task::Binary, TRUTH.as_bytes(), b"PAR1\x00\x00PAR1", &["roc_auc"])).unwrap_err().to_string();
    assert!(err.contains("--features parquet"), "{err}");
}
