//! The supply–demand catalogue on both databases: a demand read back whole and withheld by
//! field, its path through matching to a signed engagement, promotion into a challenge with its
//! requirements carried over, and every refusal with its reason.

use jiebang_core::catalogue::{
    Channel, Claim, DemandAction, DemandField, DemandInput, DemandState, EngagementStage, Evidence, SolutionInput,
    Visibility,
};
use jiebang_core::evaluation::Quotas;
use jiebang_core::indicator::IndicatorInput;
use jiebang_core::program::ProgramStatus;
use jiebang_store::testing::{Arena, TestStore};
use jiebang_store::{DemandFilter, NewSubmission, Outcome, StoreError, today};

use crate::program_input;
use crate::selection::{day, org, refused, user};

fn recall(threshold: f64) -> IndicatorInput {
    IndicatorInput {
        name: "泄漏识别召回率".into(),
        metric: "recall@0.5".into(),
        op: ">=".into(),
        threshold: Some(threshold),
        ..IndicatorInput::default()
    }
}

fn demand(number: &str) -> DemandInput {
    DemandInput {
        number: number.into(),
        title: "化工园区危化品泄漏智能预警".into(),
        organization: "某化工集团有限公司".into(),
        demander_kind: "state_owned".into(),
        industries: vec!["26".into()],
        region: "370100".into(),
        field: "智能制造".into(),
        pain_points: "人工巡检难以及时发现微量泄漏。".into(),
        requirements: vec![recall(0.95)],
        cooperation: "challenge".into(),
        budget_wan: Some(300.0),
        contact_name: "王工".into(),
        contact_phone: "0531-00000000".into(),
        visibility: [("budget".to_owned(), "registered".to_owned())].into(),
        ..DemandInput::default()
    }
}

fn solution() -> SolutionInput {
    SolutionInput {
        title: "化工泄漏预警大模型".into(),
        provider: "某科技有限公司".into(),
        kind: "industry_model".into(),
        industries: vec!["26".into()],
        region: "370102".into(),
        summary: "多模态泄漏预警，端侧部署。".into(),
        contact_name: "李工".into(),
        contact_email: "li@example.cn".into(),
        ..SolutionInput::default()
    }
}

/// The fields a refusal names.
fn fields(err: StoreError) -> Vec<String> {
    match err {
        StoreError::Domain(jiebang_core::Error::Invalid(problems)) => problems.into_iter().map(|p| p.field).collect(),
        other => panic!("not a field error: {other}"),
    }
}

#[tokio::test]
async fn a_demand_is_matched_engaged_and_signed_and_withholds_its_narrow_fields() {
    let t = TestStore::new().await;
    let s = &t.store;
    let organizer = user(s, "o@example.cn", None).await;
    let demander = org(s, "某化工集团有限公司", 1, "企业", "370100").await;
    let d = s.create_demand(&demand("JQ-D-001"), Some(demander), Some(organizer)).await.unwrap();
    assert_eq!((d.state, d.organization_id), (DemandState::Collecting, Some(demander)));
    let err = s.create_demand(&demand("JQ-D-001"), None, Some(organizer)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { ref field, .. } if field == "number"), "{err}");
    let bad = DemandInput { title: String::new(), budget_wan: Some(-5.0), ..demand("JQ-D-002") };
    let err = s.create_demand(&bad, None, Some(organizer)).await.unwrap_err();
    assert_eq!(fields(err), ["title", "budget_wan"]);
    let unknown = s.create_demand(&demand("JQ-D-003"), Some(999_999), Some(organizer)).await.unwrap_err();
    assert_eq!(fields(unknown), ["organization_id"]);
    assert_eq!(s.list_demands(&DemandFilter::default()).await.unwrap().len(), 1, "nothing half-written");

    // Read back, the registered-only budget and the internal contact never reach the public.
    let public = s.get_demand(d.id).await.unwrap().demand.visible_to(Visibility::Public);
    assert_eq!(public.withheld, [DemandField::Budget, DemandField::Contact]);
    assert!(public.budget_wan.is_none() && public.contact.is_none());
    let registered = d.demand.visible_to(Visibility::Registered);
    assert_eq!((registered.budget_wan, registered.contact.is_none()), (Some(Some(300.0)), true));

    let report = s.save_file(&t.files, "检测报告.pdf", b"%PDF-1.4".to_vec(), Some(organizer)).await.unwrap();
    let lab = Claim {
        indicator: recall(0.9),
        value: 0.96,
        evidence: Evidence::LabReport {
            file_id: report.id, lab: "某检测中心".into(), tested_on: day("2026-10-01")
        },
    };
    let evidenced = SolutionInput { claims: vec![lab], ..solution() };
    let sol = s.create_solution(&evidenced, None, None, Some(organizer)).await.unwrap();
    assert!(sol.solution.claims[0].holds);
    let e = s.record_engagement(d.id, sol.id, Channel::Fair, "对接会上达成意向", organizer).await.unwrap();
    assert_eq!(e.stage, EngagementStage::Intention);
    assert_eq!(s.get_demand(d.id).await.unwrap().state, DemandState::Matching, "the first engagement");
    let again = s.record_engagement(d.id, sol.id, Channel::Online, "", organizer).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict { .. }), "{again}");
    let skip = s.advance_engagement(e.id, EngagementStage::Signed, Some(120.0), Some(day("2026-11-30")), organizer);
    assert!(skip.await.unwrap_err().to_string().contains("下一阶段"));
    s.advance_engagement(e.id, EngagementStage::Negotiation, None, None, organizer).await.unwrap();
    let unsigned = s.advance_engagement(e.id, EngagementStage::Signed, None, None, organizer).await.unwrap_err();
    assert_eq!(fields(unsigned), ["amount_wan", "signed_on"]);
    let signed = s
        .advance_engagement(e.id, EngagementStage::Signed, Some(120.0), Some(day("2026-11-30")), organizer)
        .await
        .unwrap();
    assert_eq!((signed.amount_wan, signed.signed_on), (Some(120.0), Some(day("2026-11-30"))));
    assert_eq!(s.get_demand(d.id).await.unwrap().state, DemandState::Signed);
    refused(s.act_on_demand(d.id, DemandAction::Withdraw, organizer).await.unwrap_err(), "不能撤回");
    assert_eq!(s.act_on_demand(d.id, DemandAction::Complete, organizer).await.unwrap().state, DemandState::Completed);
    refused(s.record_engagement(d.id, sol.id, Channel::Online, "", organizer).await.unwrap_err(), "不再对接");
    assert_eq!(s.list_engagements().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_demand_promoted_into_a_challenge_carries_its_requirements_and_is_linked_once() {
    let t = TestStore::new().await;
    let s = &t.store;
    let organizer = user(s, "o@example.cn", None).await;
    let program = s.create_program(program_input("2027年揭榜挂帅"), Some(organizer), false).await.unwrap();
    let d = s.create_demand(&demand("JQ-D-010"), None, Some(organizer)).await.unwrap();
    let challenge = s.promote_demand(d.id, program.id, "JQ27-01", organizer).await.unwrap();
    assert_eq!((challenge.program_id, challenge.challenge.code.as_str()), (program.id, "JQ27-01"));
    assert_eq!(challenge.challenge.title, "化工园区危化品泄漏智能预警");
    let indicator = &challenge.challenge.indicators[0];
    assert_eq!((indicator.name.as_str(), indicator.expr.threshold), ("泄漏识别召回率", 0.95));
    assert_eq!(challenge.challenge.background, "人工巡检难以及时发现微量泄漏。");
    assert_eq!(s.get_demand(d.id).await.unwrap().challenge_id, Some(challenge.id));
    refused(s.promote_demand(d.id, program.id, "JQ27-02", organizer).await.unwrap_err(), "已转为榜题");
    // A withdrawn demand is not promoted.
    let w = s.create_demand(&demand("JQ-D-011"), None, Some(organizer)).await.unwrap();
    s.act_on_demand(w.id, DemandAction::Withdraw, organizer).await.unwrap();
    refused(s.promote_demand(w.id, program.id, "JQ27-03", organizer).await.unwrap_err(), "不能转为榜题");
    s.transition_program(program.id, ProgramStatus::Published, Some(organizer)).await.unwrap();
    assert_eq!(s.all_challenges(program.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn every_write_to_something_searchable_is_in_the_search_feed() {
    let t = TestStore::new().await;
    let s = &t.store;
    let organizer = user(s, "o@example.cn", None).await;
    let head = s.search_feed_head().await.unwrap();
    let program = s.create_program(program_input("2027年揭榜挂帅"), Some(organizer), false).await.unwrap();
    let d = s.create_demand(&demand("JQ-D-020"), None, Some(organizer)).await.unwrap();
    let challenge = s.promote_demand(d.id, program.id, "JQ27-01", organizer).await.unwrap();
    let sol = s.create_solution(&solution(), None, None, Some(organizer)).await.unwrap();
    s.transition_program(program.id, ProgramStatus::Published, Some(organizer)).await.unwrap();
    let changes = s.search_changes_after(head).await.unwrap();
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));
    let named = |kind: &str, id: i64| changes.iter().any(|c| c.kind == kind && c.entity_id == id);
    assert!(named("program", program.id));
    assert!(named("demand", d.id));
    assert!(named("challenge", challenge.id));
    assert!(named("solution", sol.id));
    // The promotion's link back to the challenge is a change of the demand after the challenge.
    let last_demand = changes.iter().rposition(|c| c.kind == "demand").unwrap();
    let first_challenge = changes.iter().position(|c| c.kind == "challenge").unwrap();
    assert!(last_demand > first_challenge);
    let after = s.search_feed_head().await.unwrap();
    assert_eq!(after, changes.last().unwrap().seq);
    assert!(s.search_changes_after(after).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_sheet_of_demands_is_imported_whole_or_not_at_all() {
    let t = TestStore::new().await;
    let s = &t.store;
    let organizer = user(s, "o@example.cn", None).await;
    s.create_demand(&demand("JQ-D-001"), None, Some(organizer)).await.unwrap();
    let sheet = "需求编号,需求名称,需求单位,单位类型,所属行业,所在地区,痛点问题,合作方式,联系人,联系电话
JQ-D-101,港口集装箱调度,某港口集团,国企,55,青岛市,等待时间长。,联合研发,张工,0532-1
JQ-D-001,重复的编号,某单位,民企,26,济南市,巡检难。,揭榜攻关,王工,0531-1
";
    let error = s.import_demands("需求.csv", sheet.as_bytes().to_vec(), organizer).await.unwrap_err();
    assert!(error.to_string().contains("第3行") && error.to_string().contains("已存在"), "{error}");
    assert_eq!(s.list_demands(&DemandFilter::default()).await.unwrap().len(), 1, "nothing half-imported");
    let fixed = sheet.replace("JQ-D-001,重复的编号", "JQ-D-102,重复的编号");
    let imported = s.import_demands("需求.csv", fixed.into_bytes(), organizer).await.unwrap();
    assert_eq!(imported.iter().map(|d| d.demand.number.as_str()).collect::<Vec<_>>(), ["JQ-D-101", "JQ-D-102"]);
    assert_eq!(imported[0].state, DemandState::Collecting);
    assert_eq!(imported[0].demand.region.code(), "370200");

    let solutions = "方案名称,供给方,类型,适用行业,所在地区,方案简介,联系人,电子邮箱
港口调度系统,某科技,解决方案,55,青岛市,岸桥协同调度。,李工,li@example.cn
坏行,某科技,不存在的类型,55,火星,,李工,li@example.cn
";
    let error = s.import_solutions("方案.csv", solutions.as_bytes().to_vec(), organizer).await.unwrap_err();
    assert!(error.to_string().contains("第3行"), "{error}");
    assert!(s.list_solutions().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_matchmaking_event_presents_open_demands_and_solutions_once() {
    let t = TestStore::new().await;
    let s = &t.store;
    let organizer = user(s, "o@example.cn", None).await;
    let input = jiebang_core::catalogue::MatchEventInput {
        name: "2026年济青先导区供需对接会".into(),
        held_on: Some(day("2026-11-20")),
        region: "青岛市".into(),
        venue: "青岛国际会展中心".into(),
        host: "某工业和信息化局".into(),
    };
    let missing = jiebang_core::catalogue::MatchEventInput { held_on: None, region: "火星".into(), ..input.clone() };
    assert_eq!(fields(s.create_match_event(&missing, organizer).await.unwrap_err()), ["held_on", "region"]);
    let event = s.create_match_event(&input, organizer).await.unwrap();
    assert_eq!(event.event.region.code(), "370200");
    let open = s.create_demand(&demand("JQ-E-001"), None, Some(organizer)).await.unwrap();
    let withdrawn = s.create_demand(&demand("JQ-E-002"), None, Some(organizer)).await.unwrap();
    s.act_on_demand(withdrawn.id, DemandAction::Withdraw, organizer).await.unwrap();
    let sol = s.create_solution(&solution(), None, None, Some(organizer)).await.unwrap();
    let refused = s.add_to_match_event(event.id, &[open.id, withdrawn.id], &[sol.id, 999_999], organizer).await;
    assert_eq!(fields(refused.unwrap_err()), ["demand_ids[1]", "solution_ids[1]"]);
    assert!(s.get_match_event(event.id).await.unwrap().demand_ids.is_empty(), "nothing added");
    s.add_to_match_event(event.id, &[open.id], &[sol.id], organizer).await.unwrap();
    let again = s.add_to_match_event(event.id, &[open.id], &[sol.id], organizer).await.unwrap();
    assert_eq!((again.demand_ids, again.solution_ids), (vec![open.id], vec![sol.id]));
    assert_eq!(s.list_match_events().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_typical_case_is_filed_under_a_known_scenario() {
    let t = TestStore::new().await;
    let s = &t.store;
    let organizer = user(s, "o@example.cn", None).await;
    let case = jiebang_core::scenario::TypicalCaseInput {
        title: "轴承产线预测性维护".into(),
        organization: "某轴承公司".into(),
        region: "370200".into(),
        industries: vec!["34".into()],
        scenario: "ZNZZ-2025-24".into(),
        year: Some(2025),
        summary: "振动监测，提前七天预警。".into(),
        results: "非计划停机减少 35%。".into(),
    };
    let unknown = jiebang_core::scenario::TypicalCaseInput { scenario: "X-1".into(), ..case.clone() };
    assert_eq!(fields(s.create_typical_case(&unknown, organizer).await.unwrap_err()), ["scenario"]);
    let created = s.create_typical_case(&case, organizer).await.unwrap();
    assert_eq!(s.get_typical_case(created.id).await.unwrap().case.scenario, "ZNZZ-2025-24");
    assert_eq!(s.list_typical_cases().await.unwrap().len(), 1);
}

/// A claimed value is only as good as its evidence: a signed report must be the providing unit's
/// own scored submission and say the value in the part that unit sees; a lab's report must be a
/// file the claimant uploaded. Every problem is named at once and nothing is written.
#[tokio::test]
async fn a_claimed_value_must_be_the_one_its_evidence_shows() {
    let t = TestStore::new().await;
    let s = &t.store;
    let labels = "id,label,split\n1,1,public\n2,0,private\n";
    let arena = Arena::new(s, &t.files, labels, &["recall@0.5>=0.5"], Quotas::default()).await;
    let file = s.save_file(&t.files, "pred.csv", b"id,score\n1,0.9\n2,0.1\n".to_vec(), None).await.unwrap();
    let new = NewSubmission::new(arena.phase, arena.organization, arena.user, &file, today());
    let submission = s.create_submission(&new).await.unwrap();
    let other_org = org(s, "某科技有限公司", 7, "企业", "370102").await;
    let organizer = user(s, "o@example.cn", None).await;
    let signed = |value: f64| Claim {
        indicator: recall(0.5),
        value,
        evidence: Evidence::SignedReport { submission_id: submission.id },
    };
    let entered = SolutionInput { claims: vec![signed(0.75)], ..solution() };
    let unscored = s.create_solution(&entered, Some(arena.organization), None, Some(arena.user)).await;
    assert!(unscored.unwrap_err().to_string().contains("尚无签名成绩"));

    s.register_worker("w", "host", "test").await.unwrap();
    let job = s.claim_job("w", 60_000).await.unwrap().unwrap();
    // The whole set measures 0.5; the public split, all the team sees until the private rows are
    // published, 0.75.
    let report = r#"{"metrics": {"recall@0.5": 0.5}, "splits": {"public": {"recall@0.5": 0.75}}}"#;
    s.finish_job(&job, "w", Outcome::Scored { report: report.into(), signature: "00".into() }).await.unwrap();

    let someone_elses = s.create_solution(&entered, Some(other_org), None, Some(organizer)).await.unwrap_err();
    assert!(someone_elses.to_string().contains("不是提供单位的"), "{someone_elses}");
    let hidden = SolutionInput { claims: vec![signed(0.5)], ..solution() };
    let probe = s.create_solution(&hidden, Some(arena.organization), None, Some(arena.user)).await.unwrap_err();
    assert_eq!(fields(probe), ["claims[0].value"], "the hidden rows' value is not the team's to cite");
    let stranger = s.save_file(&t.files, "别人的报告.pdf", b"%PDF-1.4".to_vec(), Some(organizer)).await.unwrap();
    let lab = |file_id| Claim {
        indicator: recall(0.5),
        value: 0.9,
        evidence: Evidence::LabReport { file_id, lab: "某检测中心".into(), tested_on: day("2026-10-01") },
    };
    let many = SolutionInput { claims: vec![signed(0.7), lab(stranger.id), lab(999_999)], ..solution() };
    let all = s.create_solution(&many, Some(arena.organization), None, Some(arena.user)).await.unwrap_err();
    assert_eq!(fields(all), ["claims[0].value", "claims[1].evidence.file_id", "claims[2].evidence.file_id"]);
    assert!(s.list_solutions().await.unwrap().is_empty(), "nothing half-written");

    let listed = s.create_solution(&entered, Some(arena.organization), None, Some(arena.user)).await.unwrap();
    assert!(listed.solution.claims[0].holds);
    // A claim added later is checked the same way and numbered after the others.
    let wrong = s.add_claim(listed.id, &signed(0.8), arena.user, &[]).await.unwrap_err();
    assert_eq!(fields(wrong), ["claims[1].value"]);
    // The same bytes sent with the claim: the record is the one stored first, under another name.
    let sent = s.save_file(&t.files, "检测报告.pdf", b"%PDF-1.4".to_vec(), Some(arena.user)).await.unwrap();
    assert_eq!(sent.id, stranger.id);
    let added = s.add_claim(listed.id, &lab(sent.id), arena.user, &[sent.id]).await.unwrap();
    assert_eq!(added.solution.claims.len(), 2);
    // A cited report is kept when unreferenced uploads are collected.
    s.collect_unreferenced(&t.files, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(s.get_file(sent.id).await.unwrap().sha256, sent.sha256);
}

/// A new guide's edition is imported from its TSV all or none — every bad line named, a code
/// another edition holds refused — and its scenarios then take typical cases.
#[tokio::test]
async fn a_scenario_edition_is_imported_whole_and_its_codes_stay_unique() {
    let t = TestStore::new().await;
    let s = &t.store;
    let organizer = user(s, "o@example.cn", None).await;
    let edition = "人工智能+制造典型场景（2026年版，示例）";
    let bad = "# 示例\nAIZZ-01\t1\t研发设计\t工艺参数智能寻优\tconfirmed\nAIZZ-02\tx\t生产作业\t质量检测\tconfirmed\nAIZZ-03\t3\t生产作业\n";
    let err = s.import_scenario_edition(edition, "场景.tsv", bad.as_bytes(), organizer).await.unwrap_err();
    let StoreError::Sheet(jiebang_sheets::SheetError::Rows { errors, .. }) = err else { panic!("{err}") };
    assert_eq!(errors.iter().map(|e| e.row).collect::<Vec<_>>(), [3, 4], "every bad line");
    let clash = "AIZZ-01\t1\t研发设计\t工艺参数智能寻优\tconfirmed\nZNZZ-2025-24\t2\t生产作业\t质量检测\tconfirmed\n";
    let err = s.import_scenario_edition(edition, "场景.tsv", clash.as_bytes(), organizer).await.unwrap_err();
    assert!(err.to_string().contains("ZNZZ-2025-24"), "{err}");
    assert_eq!(s.scenarios().await.unwrap().len(), 40, "nothing imported");

    let good = "AIZZ-01\t1\t研发设计\t工艺参数智能寻优\tconfirmed\t26\t配方与工艺参数\t试错成本高\t贝叶斯优化\t试验次数减少 50%\n";
    let imported = s.import_scenario_edition(edition, "场景.tsv", good.as_bytes(), organizer).await.unwrap();
    assert_eq!((imported.len(), imported[0].edition.as_str()), (1, edition));
    let again = s.import_scenario_edition(edition, "场景.tsv", good.as_bytes(), organizer).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict { ref field, .. } if field == "edition"), "{again}");
    let all = s.scenarios().await.unwrap();
    assert_eq!((all.len(), all[40].problem.as_str()), (41, "试错成本高"));
    let case = jiebang_core::scenario::TypicalCaseInput {
        title: "某化工企业配方寻优".into(),
        organization: "某化工企业".into(),
        region: "370100".into(),
        scenario: "AIZZ-01".into(),
        summary: "以贝叶斯优化寻找工艺参数。".into(),
        ..Default::default()
    };
    assert_eq!(s.create_typical_case(&case, organizer).await.unwrap().case.scenario, "AIZZ-01");
    let feed = s.search_changes_after(0).await.unwrap();
    assert!(feed.iter().any(|c| c.kind == "edition"), "the new scenarios enter the search");
}
