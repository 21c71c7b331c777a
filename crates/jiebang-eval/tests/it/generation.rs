//! Generation metrics against their reference tools: every tokenization, SQuAD normalisation and
//! corpus score in `fixtures/generation.json` (written by `scripts/generation-fixtures.py` with
//! sacrebleu 2.6.0, rouge-score 0.1.2, jieba 0.42.1, NLTK 3.9.1 and the SQuAD v1.1 and CMRC 2018
//! scripts) must be reproduced — strings exactly, scores to 1e-9 — directly and through
//! `evaluate_answers`.

use jiebang_eval::Source;
use jiebang_eval::answers::generation::{
    Rouge, RougeTokenizer, Tokenizer, bleu_score, bleu_segment, chrf_score, chrf_segment, is_python_space, rouge,
    squad_exact_match, squad_f1, squad_normalize,
};
use jiebang_eval::answers::{AnswerRequest, AnswerTask, cmrc, evaluate_answers};
use serde_json::{Value, json};

fn fixture() -> Value {
    let text =
        std::fs::read_to_string(format!("{}/tests/fixtures/generation.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect()
}

#[test]
fn tokenizers_and_squad_normalisation_match_sacrebleu_and_the_squad_script() {
    let f = fixture();
    let mut wrong = Vec::new();
    for case in f["tokenize"].as_array().unwrap() {
        let line = case["line"].as_str().unwrap().trim_end_matches(is_python_space);
        for (name, tokenizer) in
            [("13a", Tokenizer::T13a), ("zh", Tokenizer::Zh), ("intl", Tokenizer::Intl), ("char", Tokenizer::Char)]
        {
            let got = tokenizer.tokenize(line);
            if got != case[name].as_str().unwrap() {
                wrong.push(format!("{name} {line:?}: {got:?} vs {:?}", case[name]));
            }
        }
        let raw = case["line"].as_str().unwrap();
        for (name, got) in [
            ("nltk", cmrc::nltk_word_tokenize(raw)),
            ("cmrc", cmrc::mixed_segmentation(raw)),
            ("jieba", RougeTokenizer::Jieba.tokenize(raw)),
        ] {
            if got != strings(&case[name]) {
                wrong.push(format!("{name} {raw:?}: {got:?} vs {}", case[name]));
            }
        }
    }
    for case in f["squad"].as_array().unwrap() {
        let got = squad_normalize(case["answer"].as_str().unwrap());
        if got != case["normalized"].as_str().unwrap() {
            wrong.push(format!("squad {:?}: {got:?} vs {:?}", case["answer"], case["normalized"]));
        }
    }
    assert!(wrong.is_empty(), "{} differ:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn corpus_scores_match_the_reference_tools_to_1e_9() {
    let f = fixture();
    let mut worst = 0.0f64;
    for case in f["corpora"].as_array().unwrap() {
        let hyps = strings(&case["hyps"]);
        let refs: Vec<Vec<&str>> = case["refs"].as_array().unwrap().iter().map(strings).collect();
        let sum = |stats: Vec<Vec<u64>>| -> Vec<f64> {
            let mut total = vec![0.0; stats[0].len()];
            for s in stats {
                for (t, x) in total.iter_mut().zip(s) {
                    *t += x as f64;
                }
            }
            total
        };
        let mut ours = serde_json::Map::new();
        for (name, tokenizer) in [
            ("bleu", Tokenizer::T13a),
            ("bleu@zh", Tokenizer::Zh),
            ("bleu@intl", Tokenizer::Intl),
            ("bleu@char", Tokenizer::Char),
            ("bleu@none", Tokenizer::None),
        ] {
            let stats = hyps.iter().zip(&refs).map(|(h, r)| bleu_segment(h, r, tokenizer).to_vec()).collect();
            ours.insert(name.into(), json!(bleu_score(&sum(stats))));
        }
        for (name, order) in [("chrf", 0), ("chrf++", 2)] {
            let stats = hyps.iter().zip(&refs).map(|(h, r)| chrf_segment(h, r, order)).collect();
            ours.insert(name.into(), json!(chrf_score(&sum(stats))));
        }
        let n = hyps.len() as f64;
        ours.insert(
            "exact_match".into(),
            json!(hyps.iter().zip(&refs).map(|(h, r)| squad_exact_match(h, r)).sum::<f64>() / n),
        );
        ours.insert("f1".into(), json!(hyps.iter().zip(&refs).map(|(h, r)| squad_f1(h, r)).sum::<f64>() / n));
        let mean = |score: fn(&str, &[&str]) -> f64| hyps.iter().zip(&refs).map(|(h, r)| score(h, r)).sum::<f64>() / n;
        ours.insert("exact_match@zh".into(), json!(mean(cmrc::exact_match)));
        ours.insert("f1@zh".into(), json!(mean(cmrc::f1)));
        for (suffix, tokenizer) in
            [("", RougeTokenizer::Default), ("@char", RougeTokenizer::Char), ("@jieba", RougeTokenizer::Jieba)]
        {
            for (name, kind) in
                [("rouge1", Rouge::N(1)), ("rouge2", Rouge::N(2)), ("rougeL", Rouge::L), ("rougeLsum", Rouge::Lsum)]
            {
                let mean = hyps.iter().zip(&refs).map(|(h, r)| rouge(h, r, kind, tokenizer)).sum::<f64>() / n;
                ours.insert(format!("{name}{suffix}"), json!(mean));
            }
        }
        for (name, expected) in case["scores"].as_object().unwrap() {
            let (a, b) = (ours[name].as_f64().unwrap(), expected.as_f64().unwrap());
            assert!((a - b).abs() <= 1e-9, "{name}: {a} vs sacrebleu/SQuAD {b} on {hyps:?} / {refs:?}");
            worst = worst.max((a - b).abs());
        }
    }
    eprintln!("largest difference: {worst:e}");
}

#[test]
fn the_answer_files_give_the_same_scores_with_their_signatures() {
    let f = fixture();
    let case = f["corpora"].as_array().unwrap().iter().find(|c| c["hyps"].as_array().unwrap().len() == 40).unwrap();
    let (mut truth, mut pred) = (String::new(), String::new());
    for (i, (h, r)) in case["hyps"].as_array().unwrap().iter().zip(case["refs"].as_array().unwrap()).enumerate() {
        truth.push_str(&format!(
            "{}\n",
            json!({"id": i, "answer": r, "category": if i % 2 == 0 { "工艺" } else { "设备" }})
        ));
        pred.push_str(&format!("{}\n", json!({"id": i, "answer": h})));
    }
    let report = evaluate_answers(&AnswerRequest {
        task: AnswerTask::Generation,
        truth: Source { name: "truth.jsonl", bytes: truth.as_bytes() },
        predictions: Source { name: "pred.jsonl", bytes: pred.as_bytes() },
        metrics: Vec::new(),
        indicators: vec![jiebang_core::indicator::IndicatorExpr::parse("bleu@zh>=0").unwrap()],
        bootstrap: None,
        missing_as_empty: false,
        refusal_phrases: Vec::new(),
    })
    .unwrap();
    for (name, expected) in case["scores"].as_object().unwrap() {
        let got = report.report.metrics[name];
        assert!((got - expected.as_f64().unwrap()).abs() <= 1e-9, "{name}: {got} vs {expected}");
    }
    assert_eq!(report.signatures["bleu@zh"], "nrefs:var|case:mixed|eff:no|tok:zh|smooth:exp|version:2.6.0");
    assert_eq!(report.signatures["chrf++"], "nrefs:var|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0");
    assert_eq!(
        report.signatures["rougeL@jieba"],
        "nrefs:var|tok:jieba-0.42|stem:no|agg:max-ref,mean|version:rouge-score-0.1.2"
    );
    assert_eq!(report.signatures["f1@zh"], "nrefs:var|norm:cmrc2018-v5|seg:mixed|nltk:preserve-line|agg:max-ref,mean");
    assert_eq!(report.categories.len(), 2);
    assert_eq!(report.report.verdict, Some("pass"));
}
