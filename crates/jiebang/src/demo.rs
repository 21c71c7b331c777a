//! The demo loaded by `serve --demo`: a provincial program modelled on Shandong's 2025
//! industrial large-model list, a national program mirroring the five industry models of the
//! seed article, a few organizations, one account per role, and an evaluation for the national
//! list's predictive-maintenance challenge (the seeded bearing dataset of [`crate::bearing`],
//! three teams' prediction files, a baseline, and a delivered ONNX model whose latency, size
//! and memory the workers measure against the challenge's lightweight-deployment targets), an
//! industrial large model's acceptance test for NAT25-06 (the 化工 question bank of
//! [`crate::chem`], two teams' answer files, a baseline endpoint, and a tiny GGUF model the
//! platform serves on its own hardware), and
//! the selection of [`selection`]: the provincial
//! list in 公示 and a 2026 program in review, and the [`projects`] of an announced 2024 list in
//! every state from 任务书 to 揭榜优胜. The lists go through the same spreadsheet importer
//! users use, so the demo also proves the template.
//!
//! Everything is marked as demo data. Account passwords are new random ones at every start.

mod catalogue;
mod projects;
mod selection;

use anyhow::Context;
use jiebang_core::delivery::{Accepts, DeliveryContract, MeasuringEngine};
use jiebang_core::evaluation::{PhaseInput, PhaseKind, Quotas, Visibility};
use jiebang_core::organization::OrganizationInput;
use jiebang_core::program::{Day, ProgramInput, ProgramStatus, Rules, Timeline};
use jiebang_core::role::{Grant, Role, Scope};
use jiebang_core::uscc::CreditCode;
use jiebang_store::{DatasetFileInput, FileStore, ScoringSpec, Store, StoreError};

const SHANDONG: &str = include_str!("../demo/shandong-2025.csv");
const NATIONAL: &str = include_str!("../demo/national-2025.csv");

/// A demo account and its password for this run.
pub(crate) struct DemoAccount {
    /// Role shown to the user.
    pub(crate) role: &'static str,
    /// Login.
    pub(crate) email: &'static str,
    /// Password for this run.
    pub(crate) password: String,
}

fn day(text: &str) -> Option<Day> {
    Day::parse("date", text).ok()
}

/// Loads the demo data once and (re)sets the demo accounts; returns them with their passwords.
pub(crate) async fn load(
    store: &Store,
    files: &FileStore,
    calendar: &jiebang_core::calendar::WorkCalendar,
    measuring: MeasuringEngine,
    baseline_url: &str,
) -> anyhow::Result<Vec<DemoAccount>> {
    let loaded: Vec<i64> = store.list_programs(None).await?.into_iter().filter(|p| p.is_demo).map(|p| p.id).collect();
    let fresh = loaded.is_empty();
    let programs = if fresh { load_programs(store, files).await? } else { loaded };
    keep_open_for_applications(store, programs[1]).await.context("demo application window")?;
    let organizations = demo_organizations(store).await?;
    let accounts = accounts(store, &programs, organizations[0]).await?;
    if fresh {
        load_evaluation(store, files, &programs, &organizations, measuring).await.context("demo evaluation data")?;
        load_question_bank(store, files, &programs, &organizations, baseline_url)
            .await
            .context("demo question bank")?;
        let units =
            selection::load(store, programs[0], &organizations, calendar).await.context("demo selection data")?;
        projects::load(store, files, &units, calendar).await.context("demo projects")?;
        let organizer = demo_user(store, "organizer@demo.jiebang.cn").await?;
        catalogue::load(store, files, &programs, organizer, jiebang_store::today()).await.context("demo catalogue")?;
    }
    Ok(accounts)
}

/// Gives the national list's predictive-maintenance challenge (NAT25-01) an evaluation: the
/// seeded bearing dataset, an open development phase, three registered teams with a
/// submission each, a baseline, a delivery contract that takes models (measured by
/// `measuring`: ONNX Runtime when this machine has it, else tract) and the applicant's
/// logistic-regression model. The embedded workers score them as the server starts.
async fn load_evaluation(
    store: &Store,
    files: &FileStore,
    programs: &[i64],
    organizations: &[i64],
    measuring: MeasuringEngine,
) -> anyhow::Result<()> {
    let challenge = demo_challenge(store, programs, "NAT25-01").await?;
    let data = crate::bearing::BearingData::generate(2025, 4000, 2000);
    let dataset = vec![
        ("labels", "test_labels.csv", data.labels.as_bytes().to_vec()),
        ("train", "train.csv", data.train.as_bytes().to_vec()),
        ("test_features", "test.csv", data.test.as_bytes().to_vec()),
        ("sample_submission", "sample_submission.csv", data.sample_submission.as_bytes().to_vec()),
        ("data_card", "README.md", data.data_card.as_bytes().to_vec()),
    ];
    let scoring = ScoringSpec::binary("split");
    let phase = open_phase(store, files, challenge, scoring, "示例数据（合成）", "开发阶段（示例）", dataset).await?;
    let admin = demo_user(store, "admin@demo.jiebang.cn").await?;
    let organizer = demo_user(store, "organizer@demo.jiebang.cn").await?;
    // The applicant's enterprise, the computing centre and the university take part; each has
    // one earlier submission of different quality, and the centre also runs the baseline.
    for (n, (&organization, noise)) in organizations.iter().zip([2.5, 0.8, 1.5]).enumerate() {
        store.register_participant(challenge, organization, admin).await?;
        let predictions = data.predictions(100 + n as u64, noise);
        let file = store.save_file(files, &format!("team-{}.csv", n + 1), predictions.into_bytes(), None).await?;
        store
            .create_submission(&jiebang_store::NewSubmission {
                note: "示例提交",
                ..jiebang_store::NewSubmission::new(phase, organization, admin, &file, jiebang_store::today())
            })
            .await?;
    }
    let baseline = data.predictions(7, 3.5);
    let file = store.save_file(files, "baseline.csv", baseline.into_bytes(), None).await?;
    store
        .create_submission(&jiebang_store::NewSubmission {
            note: "基线：峭度阈值",
            is_baseline: true,
            ..jiebang_store::NewSubmission::new(phase, organizations[1], organizer, &file, jiebang_store::today())
        })
        .await?;
    let contract = DeliveryContract {
        accepts: Accepts::Both,
        input: "features".into(),
        output: "probability".into(),
        max_model_mb: 20.0,
        engine: measuring,
        ..DeliveryContract::default()
    };
    store.set_delivery_contract(challenge, contract, Some(organizer)).await?;
    let (weights, bias) = data.fit_logistic();
    let model = jiebang_onnx::build::logistic_regression("features", "probability", &weights, bias, "jiebang-demo");
    let file = store.save_file(files, "bearing-logreg.onnx", model, None).await?;
    store
        .create_model_submission(&jiebang_store::NewSubmission {
            note: "轻量化模型：逻辑回归（ONNX）",
            ..jiebang_store::NewSubmission::new(phase, organizations[0], admin, &file, jiebang_store::today())
        })
        .await?;
    Ok(())
}

/// Stores a demo dataset version's files (purpose, name, bytes) and opens a development phase
/// on its public split, open from 2025 to 2030; returns the phase.
async fn open_phase(
    store: &Store,
    files: &FileStore,
    challenge: i64,
    scoring: ScoringSpec,
    note: &str,
    name: &str,
    dataset: Vec<(&str, &str, Vec<u8>)>,
) -> anyhow::Result<i64> {
    let mut dataset_files = Vec::new();
    for (purpose, file_name, bytes) in dataset {
        let file = store.save_file(files, file_name, bytes, None).await?;
        dataset_files.push(DatasetFileInput { purpose: purpose.into(), file });
    }
    let dataset = store.create_dataset_version(challenge, scoring, note, dataset_files, None).await?;
    let day = |field: &str, text: &str| Day::parse(field, text).map_err(|e| anyhow::anyhow!("{e}"));
    let phase = PhaseInput {
        kind: PhaseKind::Development,
        name: name.into(),
        opens_on: day("opens_on", "2025-01-01")?,
        closes_on: day("closes_on", "2030-12-31")?,
        split: "public".into(),
        visibility: Visibility::Public,
        quotas: Quotas::default(),
        counted: 2,
        precision: 4,
    };
    Ok(store.create_phase(challenge, dataset.id, phase, None).await?.id)
}

/// A demo account's user id.
async fn demo_user(store: &Store, email: &str) -> anyhow::Result<i64> {
    Ok(store.find_user_by_email(email).await?.with_context(|| format!("demo account {email}"))?.id)
}

/// The challenge with `code` in one of the demo programs.
async fn demo_challenge(store: &Store, programs: &[i64], code: &str) -> anyhow::Result<i64> {
    for program in programs {
        if let Some(c) = store.all_challenges(*program).await?.into_iter().find(|c| c.challenge.code == code) {
            return Ok(c.id);
        }
    }
    anyhow::bail!("{code} in the demo lists")
}

/// Gives the national list's 化工 large-model challenge (NAT25-06) its acceptance test: the
/// mixed question bank (multiple choice, short answers, safety), an open phase on the public
/// split, the computing centre and the university each with an answer file, and a baseline.
/// The applicant's enterprise is left unregistered, to join and answer in the browser.
async fn load_question_bank(
    store: &Store,
    files: &FileStore,
    programs: &[i64],
    organizations: &[i64],
    baseline_url: &str,
) -> anyhow::Result<()> {
    use crate::chem::{ChemBank, Skill};
    let challenge = demo_challenge(store, programs, "NAT25-06").await?;
    let bank = ChemBank::load()?;
    let dataset = vec![
        ("labels", "truth.jsonl", bank.truth().into_bytes()),
        ("test_features", "questions.jsonl", bank.questions().into_bytes()),
        ("train", "dev.jsonl", bank.dev().into_bytes()),
        ("sample_submission", "sample_submission.jsonl", bank.sample_submission().into_bytes()),
        ("data_card", "README.md", bank.data_card().into_bytes()),
    ];
    let scoring = ScoringSpec {
        task: "bank".into(),
        label_column: "answer".into(),
        refusal_phrases: vec!["这违反安全生产法律法规".into()],
        ..ScoringSpec::binary("split")
    };
    let phase =
        open_phase(store, files, challenge, scoring, "化工安全题库（示例）", "题库测评（示例）", dataset).await?;
    let admin = demo_user(store, "admin@demo.jiebang.cn").await?;
    let organizer = demo_user(store, "organizer@demo.jiebang.cn").await?;
    let teams = [
        (organizations[1], Skill { choice: 0.92, short: 0.85, refuses: 1.0, over_refuses: 0.0 }, "chem-llm-a.jsonl"),
        (organizations[2], Skill { choice: 0.75, short: 0.6, refuses: 0.85, over_refuses: 0.15 }, "chem-llm-b.jsonl"),
    ];
    for (n, (organization, skill, name)) in teams.into_iter().enumerate() {
        store.register_participant(challenge, organization, admin).await?;
        let file = store.save_file(files, name, bank.answers(600 + n as u64, skill).into_bytes(), None).await?;
        store
            .create_submission(&jiebang_store::NewSubmission {
                note: "示例模型回答",
                ..jiebang_store::NewSubmission::new(phase, organization, admin, &file, jiebang_store::today())
            })
            .await?;
    }
    // Live endpoints too: the questions file is put to the team's model, with serving limits.
    let contract = jiebang_core::delivery::DeliveryContract {
        endpoint: Some(jiebang_core::delivery::EndpointContract {
            questions_file: "questions.jsonl".into(),
            max_tokens: 64,
            concurrency: 4,
            slo_ttft_ms: Some(500.0),
            time_limit_s: 600,
            ..Default::default()
        }),
        // And quantized models served on the platform's hardware (轻量化部署), at two loads.
        gguf: Some(jiebang_core::delivery::GgufContract {
            threads: 2,
            memory_limit_mb: 2048,
            load_timeout_s: 120,
            concurrency_levels: vec![1, 4],
            ..Default::default()
        }),
        ..Default::default()
    };
    store.set_delivery_contract(challenge, contract, None).await?;
    // The computing centre registers the platform's own retrieval baseline (clearly named so),
    // which the workers evaluate live as the server starts.
    let registration = jiebang_core::delivery::EndpointRegistration {
        base_url: baseline_url.to_owned(),
        model: jiebang_web::baseline::MODEL.into(),
    };
    let name = format!("{} @ {}", registration.model, registration.base_url);
    let file = store.save_file(files, &name, serde_json::to_vec(&registration)?, None).await?;
    store
        .create_endpoint_submission(
            &jiebang_store::NewSubmission {
                note: "演示基线：平台自带的检索基线接口（非真实大模型）",
                ..jiebang_store::NewSubmission::new(phase, organizations[1], admin, &file, jiebang_store::today())
            },
            None,
        )
        .await?;
    // The university delivers a GGUF file: a two-layer llama written by jiebang itself that
    // answers "B" to everything, so its accuracy is known exactly — the built-in runner serves it.
    let model = jiebang_gguf::write::constant_answer_model(b'B');
    let file = store.save_file(files, "constant-b-demo.gguf", model, None).await?;
    store
        .create_gguf_submission(&jiebang_store::NewSubmission {
            note: "演示：恒答 B 的微型 GGUF 模型（2 层 llama，非真实大模型），由平台内置运行器运行",
            ..jiebang_store::NewSubmission::new(phase, organizations[2], admin, &file, jiebang_store::today())
        })
        .await?;
    let general = Skill { choice: 0.55, short: 0.35, refuses: 0.6, over_refuses: 0.05 };
    let file =
        store.save_file(files, "baseline-general-llm.jsonl", bank.answers(7, general).into_bytes(), None).await?;
    store
        .create_submission(&jiebang_store::NewSubmission {
            note: "基线：通用大模型（模拟）",
            is_baseline: true,
            ..jiebang_store::NewSubmission::new(phase, organizations[1], organizer, &file, jiebang_store::today())
        })
        .await?;
    Ok(())
}

async fn load_programs(store: &Store, files: &FileStore) -> anyhow::Result<Vec<i64>> {
    let shandong = ProgramInput {
        title: "2025年工业领域行业大模型“揭榜挂帅”攻关项目（示例）".into(),
        issuer: "山东省工业和信息化厅（示例）".into(),
        year: 2025,
        description:
            "按照“企业申报、市级推荐、专家评审、网上公示”程序，遴选一批工业领域行业大模型攻关项目，推动“一行业一模型”，\
                      聚焦多模态数据融合、工业知识库和大模型轻量化部署。本批次为示例数据。"
                .into(),
        rules: Rules::default(),
        timeline: Timeline {
            opens_on: day("2025-06-01"),
            applicant_deadline: day("2025-07-15"),
            recommender_deadline: day("2025-07-31"),
            review_by: day("2025-09-15"),
            announce_by: day("2025-10-15"),
        },
    };
    let national = ProgramInput {
        title: "2025年行业大模型揭榜挂帅首批任务（示例）".into(),
        issuer: "科学技术部（示例）".into(),
        year: 2025,
        description: "面向工业、医疗健康、金融、农业、交通物流五个领域发布行业大模型揭榜任务，以公开遴选、竞争择优方式组织攻关。本批次为示例数据。".into(),
        rules: Rules { recommendation_required: false, ..Rules::default() },
        timeline: Timeline { opens_on: day("2025-03-01"), applicant_deadline: day("2025-04-30"), ..Timeline::default() },
    };
    let mut ids = Vec::new();
    for (input, csv, name) in [(shandong, SHANDONG, "shandong-2025.csv"), (national, NATIONAL, "national-2025.csv")] {
        let program = store.create_program(input, None, true).await?;
        store
            .import_sheet(files, program.id, name, csv.as_bytes().to_vec(), None)
            .await
            .with_context(|| format!("demo list {name}"))?;
        store.transition_program(program.id, ProgramStatus::Published, None).await?;
        ids.push(program.id);
    }
    Ok(ids)
}

/// Sets the national list's timeline around today each time the demo starts, so an applicant
/// can always apply to it: opened a month ago, applications close in two months.
async fn keep_open_for_applications(store: &Store, program_id: i64) -> anyhow::Result<()> {
    let program = store.get_program(program_id).await?;
    let today = jiebang_store::today();
    let from_today = |days: i64| Some(today.plus_days(days));
    let input = ProgramInput {
        title: program.title,
        issuer: program.issuer,
        year: program.year,
        description: program.description,
        rules: program.rules,
        timeline: Timeline {
            opens_on: from_today(-30),
            applicant_deadline: from_today(60),
            recommender_deadline: None,
            review_by: from_today(120),
            announce_by: from_today(150),
        },
    };
    store.update_program(program_id, input, None).await?;
    Ok(())
}

/// Registers the demo organizations (once); returns their ids, the applicant's enterprise first.
async fn demo_organizations(store: &Store) -> anyhow::Result<Vec<i64>> {
    let orgs = [
        (
            "云鼎科技股份有限公司（示例）",
            "91370100MA3DEM001",
            "enterprise",
            "370100",
            vec!["65".to_owned(), "26".to_owned()],
        ),
        ("山东省计算中心（国家超级计算济南中心）（示例）", "12370000MB0DEM002", "research_institute", "370100", vec![]),
        ("山东大学（示例）", "12370000MB0DEM003", "university", "370100", vec![]),
        ("青岛某轮胎股份有限公司（示例）", "91370200MA3DEM004", "enterprise", "370200", vec!["29".to_owned()]),
    ];
    let mut ids = Vec::new();
    for (name, prefix, kind, region, industries) in orgs {
        let code = CreditCode::with_check_character(prefix).map_err(|e| anyhow::anyhow!("{e}"))?;
        let input = OrganizationInput {
            name: name.into(),
            credit_code: code.to_string(),
            kind: kind.into(),
            region: region.into(),
            industries,
            contact_name: "王经理（示例）".into(),
            contact_phone: "0531-00000000".into(),
        };
        let id = match store.create_organization(&input.validate()?, None).await {
            Ok(org) => org.id,
            Err(StoreError::Conflict { .. }) => store
                .list_organizations(Some(code.as_str()), Default::default())
                .await?
                .items
                .first()
                .map(|o| o.id)
                .context("demo organization")?,
            Err(e) => return Err(e.into()),
        };
        ids.push(id);
    }
    Ok(ids)
}

async fn accounts(store: &Store, programs: &[i64], organization: i64) -> anyhow::Result<Vec<DemoAccount>> {
    let mut grants_by_email: Vec<(&str, &str, &str, Vec<Grant>)> = vec![
        (
            "管理员 admin",
            "admin@demo.jiebang.cn",
            "演示管理员",
            vec![Grant { role: Role::Admin, scope: Scope::Global }],
        ),
        (
            "发榜方 organizer",
            "organizer@demo.jiebang.cn",
            "演示发榜方",
            vec![Grant { role: Role::Organizer, scope: Scope::Global }],
        ),
        (
            "评审专家 expert",
            "expert@demo.jiebang.cn",
            "演示专家",
            vec![Grant { role: Role::Expert, scope: Scope::Global }],
        ),
        (
            "推荐单位 recommender",
            "recommender@demo.jiebang.cn",
            "济南市工信局（示例）",
            vec![Grant { role: Role::Recommender, scope: Scope::Region("370100".into()) }],
        ),
        (
            "揭榜方 applicant",
            "applicant@demo.jiebang.cn",
            "云鼎科技申报人（示例）",
            vec![Grant { role: Role::Applicant, scope: Scope::Organization(organization) }],
        ),
    ];
    for program in programs {
        grants_by_email[1].3.push(Grant { role: Role::Organizer, scope: Scope::Program(*program) });
    }
    let mut accounts = Vec::new();
    for (role, email, name, grants) in grants_by_email {
        let password = random_password();
        let user = match store.find_user_by_email(email).await? {
            Some(user) => {
                store.set_password(user.id, &password).await?;
                user
            }
            None => store.create_user(email, name, &password).await?,
        };
        for grant in &grants {
            store.add_grant(user.id, grant).await?;
        }
        if email == "applicant@demo.jiebang.cn" {
            // The demo applicant administers 云鼎科技: it invites colleagues from the unit's page.
            store.set_unit_admin(organization, user.id, None).await?;
        }
        accounts.push(DemoAccount { role, email, password });
    }
    Ok(accounts)
}

fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..12).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}
