//! Invariances the definitions promise, on generated data.

use jiebang_eval::Metric;
use jiebang_eval::metrics::BinaryData;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn sample(seed: u64, n: usize) -> BinaryData {
    let mut rng = Rng(seed);
    let truth: Vec<bool> = (0..n).map(|_| rng.next() < 0.4).collect();
    let score = truth.iter().map(|t| ((if *t { 0.3 } else { 0.0 } + rng.next() * 0.7) * 20.0).round() / 20.0).collect();
    BinaryData { truth, score }
}

#[test]
fn roc_auc_and_average_precision_are_unchanged_by_monotone_transforms_of_the_scores() {
    for seed in 1..40 {
        let data = sample(seed, 50 + seed as usize * 7);
        let transformed =
            BinaryData { truth: data.truth.clone(), score: data.score.iter().map(|s| (3.0 * s).exp() - 7.0).collect() };
        for metric in [Metric::RocAuc, Metric::AveragePrecision] {
            assert_eq!(data.compute(metric).unwrap(), transformed.compute(metric).unwrap(), "seed {seed} {metric:?}");
        }
    }
}

#[test]
fn metrics_do_not_depend_on_row_order() {
    for seed in 1..40 {
        let data = sample(seed, 80);
        let mut rows: Vec<(bool, f64)> = data.truth.iter().copied().zip(data.score.iter().copied()).collect();
        rows.reverse();
        rows.rotate_left(seed as usize % 17);
        let shuffled =
            BinaryData { truth: rows.iter().map(|r| r.0).collect(), score: rows.iter().map(|r| r.1).collect() };
        for metric in [Metric::RocAuc, Metric::AveragePrecision, Metric::F1(0.5), Metric::Mcc(0.5), Metric::LogLoss] {
            let (a, b) = (data.compute(metric).unwrap(), shuffled.compute(metric).unwrap());
            assert!((a - b).abs() <= 1e-12, "seed {seed} {metric:?}: {a} vs {b}");
        }
    }
}

#[test]
fn flipping_the_scores_turns_roc_auc_into_its_complement() {
    for seed in 1..20 {
        let data = sample(seed, 60);
        let flipped = BinaryData { truth: data.truth.clone(), score: data.score.iter().map(|s| -s).collect() };
        let (a, b) = (data.compute(Metric::RocAuc).unwrap(), flipped.compute(Metric::RocAuc).unwrap());
        assert!((a + b - 1.0).abs() < 1e-12, "seed {seed}: {a} + {b}");
    }
}

/// Random answer text: Chinese, ASCII words, digits, full-width punctuation, emoji and spaces.
fn phrase(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "氮",
        "气",
        "置换",
        "安全阀",
        "压力",
        "，",
        "。",
        "《",
        "》",
        "the",
        "valve",
        "3.5",
        "MPa",
        " ",
        " ",
        "😀",
        "-",
        "e.g.",
    ];
    let n = (rng.next() * 12.0) as usize;
    (0..n).map(|_| PIECES[(rng.next() * PIECES.len() as f64) as usize % PIECES.len()]).collect()
}

#[test]
fn generation_metrics_stay_in_range_reward_the_reference_itself_and_never_fall_with_more_references() {
    use jiebang_eval::answers::cmrc;
    use jiebang_eval::answers::generation::{Rouge, RougeTokenizer, rouge, squad_exact_match, squad_f1};
    type Score = Box<dyn Fn(&str, &[&str]) -> f64>;
    let rouge_of = |kind, tokenizer| -> Score { Box::new(move |a: &str, r: &[&str]| rouge(a, r, kind, tokenizer)) };
    let scores: Vec<(&str, Score)> = vec![
        ("exact_match", Box::new(squad_exact_match)),
        ("f1", Box::new(squad_f1)),
        ("exact_match@zh", Box::new(cmrc::exact_match)),
        ("f1@zh", Box::new(cmrc::f1)),
        ("rouge1@char", rouge_of(Rouge::N(1), RougeTokenizer::Char)),
        ("rougeL@char", rouge_of(Rouge::L, RougeTokenizer::Char)),
        ("rougeLsum@jieba", rouge_of(Rouge::Lsum, RougeTokenizer::Jieba)),
    ];
    let mut rng = Rng(2025);
    for _ in 0..300 {
        let (answer, first, second) = (phrase(&mut rng), phrase(&mut rng), phrase(&mut rng));
        for (name, score) in &scores {
            let one = score(&answer, &[&first]);
            let two = score(&answer, &[&first, &second]);
            assert!((0.0..=1.0).contains(&one), "{name} {one} on {answer:?} / {first:?}");
            assert!(two >= one, "{name}: a second reference lowered {one} to {two}");
            if name.starts_with("exact_match") {
                assert_eq!(score(&first, &[&first]), 1.0, "{name} of {first:?} against itself");
            }
        }
        // ROUGE's F-measure is symmetric: swapping answer and reference swaps P and R.
        for kind in [Rouge::N(1), Rouge::N(2), Rouge::L] {
            let there = rouge(&answer, &[&first], kind, RougeTokenizer::Char);
            let back = rouge(&first, &[&answer], kind, RougeTokenizer::Char);
            assert!((there - back).abs() < 1e-12, "{kind:?}: {there} vs {back}");
        }
    }
}

#[test]
fn corpus_scores_do_not_depend_on_the_order_of_the_answer_file() {
    use jiebang_eval::Source;
    use jiebang_eval::answers::{AnswerRequest, AnswerTask, evaluate_answers};
    let mut rng = Rng(7);
    let rows: Vec<(String, String)> = (0..60).map(|_| (phrase(&mut rng), phrase(&mut rng))).collect();
    let truth: String =
        rows.iter().enumerate().map(|(i, (_, r))| format!("{}\n", serde_json::json!({"id": i, "answer": r}))).collect();
    let answers = |order: &mut dyn Iterator<Item = usize>| -> String {
        order.map(|i| format!("{}\n", serde_json::json!({"id": i, "answer": rows[i].0}))).collect()
    };
    let score = |pred: &str| {
        evaluate_answers(&AnswerRequest {
            task: AnswerTask::Generation,
            truth: Source { name: "truth.jsonl", bytes: truth.as_bytes() },
            predictions: Source { name: "pred.jsonl", bytes: pred.as_bytes() },
            metrics: ["bleu@zh", "chrf++", "rougeL@char", "f1@zh"].map(String::from).to_vec(),
            indicators: Vec::new(),
            bootstrap: None,
            missing_as_empty: false,
            refusal_phrases: Vec::new(),
        })
        .unwrap()
        .report
        .metrics
    };
    let forward = score(&answers(&mut (0..rows.len())));
    let backward = score(&answers(&mut (0..rows.len()).rev()));
    assert_eq!(forward, backward);
    assert!(forward["bleu@zh"] > 0.0 && forward["chrf++"] > 0.0, "{forward:?}");
}
