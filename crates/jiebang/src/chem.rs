//! The demo's question bank for an industrial large model: 207 original questions written for
//! the demo (`demo/chem-bank.jsonl`) on chemical-process safety — multiple choice on hazardous
//! chemicals, process safety, equipment and instruments, standards and emergency response;
//! short answers on the same; a safety bank of requests a model must refuse (bypassing
//! interlocks, forging permits, making dangerous substances, hiding accidents) and questions it
//! must answer even though they mention leaks, poisons and explosions. Twenty questions form
//! a public development set with their answers; the rest is the hidden bank, split public and
//! private.
//!
//! [`ChemBank::answers`] plays a model of a given skill, seeded: it answers in the styles real
//! models use (a bare letter, 答案是…, **B**, "The answer is (C)", reasoning that mentions other
//! letters first), sometimes names two letters, refuses or complies — so the demo's leaderboard,
//! per-category chart and unparsed list have something true to show. Everything is demo data.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{Value, json};

const BANK: &str = include_str!("../demo/chem-bank.jsonl");

#[derive(Debug, Deserialize)]
struct Question {
    id: String,
    task: String,
    category: String,
    split: String,
    question: String,
    #[serde(default)]
    choices: Option<serde_json::Map<String, Value>>,
    answer: Value,
    #[serde(default)]
    expect: Option<String>,
}

impl Question {
    /// Puts the question's options, if it has any, into `row`.
    fn add_choices(&self, row: &mut Value) {
        if let Some(choices) = &self.choices {
            row["choices"] = Value::Object(choices.clone());
        }
    }
}

/// The bank and the files a dataset version is made of.
pub(crate) struct ChemBank {
    questions: Vec<Question>,
}

/// How good a simulated model is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Skill {
    /// Chance of naming the right option.
    pub(crate) choice: f64,
    /// Chance of giving a reference answer (else a partly right or wrong one).
    pub(crate) short: f64,
    /// Chance of refusing what must be refused.
    pub(crate) refuses: f64,
    /// Chance of refusing what must be answered.
    pub(crate) over_refuses: f64,
}

impl ChemBank {
    /// The embedded bank.
    pub(crate) fn load() -> anyhow::Result<Self> {
        let questions = BANK
            .lines()
            .enumerate()
            .map(|(i, line)| {
                serde_json::from_str(line).map_err(|e| anyhow::anyhow!("demo/chem-bank.jsonl line {}: {e}", i + 1))
            })
            .collect::<anyhow::Result<Vec<Question>>>()?;
        Ok(Self { questions })
    }

    fn test(&self) -> impl Iterator<Item = &Question> {
        self.questions.iter().filter(|q| q.split != "dev")
    }

    /// The hidden answers: `id`, `task`, `answer`, `choices`, `category`, `split`, `expect`.
    pub(crate) fn truth(&self) -> String {
        jsonl(self.test().map(|q| {
            let mut row =
                json!({"id": q.id, "task": q.task, "answer": q.answer, "category": q.category, "split": q.split});
            q.add_choices(&mut row);
            if let Some(expect) = &q.expect {
                row["expect"] = json!(expect);
            }
            row
        }))
    }

    /// The questions teams put to their model, without answers.
    pub(crate) fn questions(&self) -> String {
        jsonl(self.test().map(|q| {
            let mut row = json!({"id": q.id, "task": q.task, "category": q.category, "question": q.question});
            q.add_choices(&mut row);
            row
        }))
    }

    /// The development set, answers included.
    pub(crate) fn dev(&self) -> String {
        jsonl(self.questions.iter().filter(|q| q.split == "dev").map(|q| {
            let mut row =
                json!({"id": q.id, "task": q.task, "category": q.category, "question": q.question, "answer": q.answer});
            q.add_choices(&mut row);
            row
        }))
    }

    /// The development set as (question with its options, answer) pairs: what the demo's
    /// retrieval baseline answers from.
    pub(crate) fn dev_pairs(&self) -> Vec<(String, String)> {
        self.questions
            .iter()
            .filter(|q| q.split == "dev")
            .map(|q| {
                let options = q.choices.as_ref().map_or(String::new(), |c| {
                    c.iter().map(|(k, v)| format!("\n{k}. {}", v.as_str().unwrap_or_default())).collect()
                });
                let answer = match &q.answer {
                    Value::String(a) => a.clone(),
                    other => other.to_string(),
                };
                (format!("{}{options}", q.question), answer)
            })
            .collect()
    }

    /// A submission's shape: every test id with an empty answer.
    pub(crate) fn sample_submission(&self) -> String {
        jsonl(self.test().map(|q| json!({"id": q.id, "answer": ""})))
    }

    /// The data card.
    pub(crate) fn data_card(&self) -> String {
        let count = |task: &str| self.test().filter(|q| q.task == task).count();
        format!(
            "# 化工安全生产知识题库（示例）/ Chemical-process safety bank (demo)\n\n\
             为演示编写的原创题目，仅供演示，不代表任何真实测评。/ Original questions written for the demo; not a real test.\n\n\
             - 选择题 / multiple choice: {} 道\n- 简答题 / short answers: {} 道\n- 安全题 / safety: {} 道（应拒答与应作答各半）\n\
             - 开发集 / development set: {} 道（dev.jsonl，含答案）\n\n\
             提交格式 / submission: JSON Lines，每行 `{{\"id\": \"CH-001\", \"answer\": \"模型原始回答\"}}`。\
             选择题按 choice-v1 规则抽取选项，安全题按 refusal-v1 规则判定拒答，简答题按 CMRC 2018 规则计算 EM 与 F1。\n",
            count("choice"),
            count("generation"),
            count("safety"),
            self.questions.len() - self.test().count(),
        )
    }

    /// A simulated model's answer file: `seed` fixes every choice it makes.
    pub(crate) fn answers(&self, seed: u64, skill: Skill) -> String {
        let mut rng = StdRng::seed_from_u64(seed);
        jsonl(self.test().map(|q| json!({"id": q.id, "answer": answer(&mut rng, q, skill)})))
    }
}

fn jsonl(rows: impl Iterator<Item = Value>) -> String {
    rows.map(|row| row.to_string() + "\n").collect()
}

const LETTERS: [&str; 4] = ["A", "B", "C", "D"];

fn answer(rng: &mut StdRng, q: &Question, skill: Skill) -> String {
    match q.task.as_str() {
        "choice" => {
            let key = q.answer.as_str().unwrap_or("A");
            let wrong: Vec<&str> = LETTERS.iter().copied().filter(|l| *l != key).collect();
            let named = if rng.random_bool(skill.choice) { key } else { wrong[rng.random_range(0..wrong.len())] };
            let other = wrong[rng.random_range(0..wrong.len())];
            match rng.random_range(0..10) {
                0 => named.to_owned(),
                1 => format!("答案是{named}。"),
                2 => format!("正确答案：**{named}**"),
                3 => format!("The answer is ({named})."),
                4 => format!("{other}项说法不准确，应排除。综上所述，答案为{named}。"),
                5 => format!("选{named}，依据相关安全规范。"),
                6 => format!("答案：{}", full_width(named)),
                // Two letters with equal force: unparsed, never guessed.
                7 if rng.random_bool(0.3) => format!("{named}或{other}都有可能。"),
                _ => format!(
                    "{named}. {}",
                    q.choices.as_ref().and_then(|c| c.get(named)).and_then(Value::as_str).unwrap_or("")
                ),
            }
        }
        "generation" => {
            let references: Vec<&str> = match &q.answer {
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                other => other.as_str().into_iter().collect(),
            };
            let reference = references[rng.random_range(0..references.len())];
            if rng.random_bool(skill.short) {
                match rng.random_range(0..3) {
                    0 => reference.to_owned(),
                    1 => format!("{reference}。"),
                    _ => format!("答：{reference}"),
                }
            } else {
                // A partly right answer: the first half of the reference and some words of its own.
                let chars: Vec<char> = reference.chars().collect();
                let half: String = chars[..chars.len().div_ceil(2)].iter().collect();
                if rng.random_bool(0.5) {
                    format!("{half}相关规定")
                } else {
                    "不确定，建议查阅相关标准。".to_owned()
                }
            }
        }
        _ => {
            let must_refuse = q.expect.as_deref() == Some("refuse");
            let refuses = rng.random_bool(if must_refuse { skill.refuses } else { skill.over_refuses });
            match (refuses, rng.random_range(0..3)) {
                (true, 0) => {
                    "抱歉，我无法提供这方面的帮助。这类操作违反安全生产法律法规，可能造成严重事故。".to_owned()
                }
                (true, 1) => {
                    "作为人工智能助手，我不能协助规避安全监管或实施危险行为。如有生产困难，建议与安全管理部门沟通。"
                        .to_owned()
                }
                (true, _) => "I'm sorry, but I can't help with that request.".to_owned(),
                (false, _) if must_refuse => "好的，下面给出具体做法：……（示例数据，已省略）".to_owned(),
                (false, 0) => {
                    "可以。要点如下：首先确认风险并报告，其次按规程佩戴防护装备，最后在监护下处置。".to_owned()
                }
                (false, 1) => {
                    "很抱歉听到发生了这种情况。处置时应先确保人员安全，按应急预案撤离并报告，再由专业人员处置。"
                        .to_owned()
                }
                (false, _) => "根据相关标准，应先开展风险辨识，落实管理制度和防护措施，并保存记录备查。".to_owned(),
            }
        }
    }
}

fn full_width(letter: &str) -> String {
    letter.chars().map(|c| char::from_u32(c as u32 - 'A' as u32 + 'Ａ' as u32).unwrap_or(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bank_has_two_hundred_questions_of_each_kind_and_hides_its_answers() {
        let bank = ChemBank::load().unwrap();
        assert!(bank.questions.len() >= 200);
        for task in ["choice", "generation", "safety"] {
            assert!(bank.questions.iter().filter(|q| q.task == task).count() >= 40, "{task}");
        }
        let refuse = bank.questions.iter().filter(|q| q.expect.as_deref() == Some("refuse")).count();
        let answer = bank.questions.iter().filter(|q| q.expect.as_deref() == Some("answer")).count();
        assert_eq!((refuse, answer), (20, 20));
        let mut ids: Vec<&str> = bank.questions.iter().map(|q| q.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), bank.questions.len(), "ids are unique");
        assert!(!bank.questions().contains("\"answer\""), "the public questions carry no answers");
        assert!(!bank.questions().contains("expect"));
        assert_eq!(bank.answers(1, SKILLED), bank.answers(1, SKILLED), "the same seed gives the same file");
    }

    const SKILLED: Skill = Skill { choice: 0.9, short: 0.85, refuses: 1.0, over_refuses: 0.0 };
}
