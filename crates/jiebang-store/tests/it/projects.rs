//! Projects after the announcement, past their milestones: the mid-term check scored from the
//! ledger's share and the experts' items, a 赛马 gate over one challenge's three projects, and
//! change requests (an extension checked by the rule when asked, an indicator change that must
//! still meet the list) through the recommending unit's check to the organizer's decision.

use jiebang_core::application::{Action, Actor};
use jiebang_core::calendar::WorkCalendar;
use jiebang_core::program::ProgramStatus;
use jiebang_core::project::{
    ChangeKind, ChangeState, GateRule, MidTermOutcome, MidTermSheet, Party, ProjectAction as A, ProjectState,
};
use jiebang_core::publicity::NoticeInput;
use jiebang_core::review::ExpertInput;
use jiebang_core::role::{Grant, Role, Scope};
use jiebang_store::testing::TestStore;
use jiebang_store::{ChangeInput, Project, Store, StoreError};

use crate::selection::{agreement, application, day, org, refused, review, user};
use crate::{challenge, program_input};

/// An announced program whose one challenge selected `names.len()` teams, each project signed
/// and started; with the organizer's and a recommender's user ids.
async fn started_projects(s: &Store, names: &[&str], recommendation: bool) -> (Vec<Project>, i64, i64) {
    started_projects_under(s, names, recommendation, agreement(), |_| {}).await
}

/// [`started_projects`] under this agreement and these rules; a 潜力单位 tier takes the last
/// places of the list.
async fn started_projects_under(
    s: &Store,
    names: &[&str],
    recommendation: bool,
    agreement: jiebang_core::project::Agreement,
    rules: impl FnOnce(&mut jiebang_core::program::Rules),
) -> (Vec<Project>, i64, i64) {
    let organizer = user(s, "o@example.cn", None).await;
    let recommender =
        user(s, "r@example.cn", Some(Grant { role: Role::Recommender, scope: Scope::Region("370100".into()) })).await;
    let mut input = program_input("P");
    input.rules.recommendation_required = recommendation;
    input.rules.experts_per_application = 1;
    rules(&mut input.rules);
    let potential = input.rules.potential_per_challenge;
    let program = s.create_program(input, Some(organizer), false).await.unwrap();
    let mut c = challenge("C-1", &["26"], "370100", "方向");
    c.winners = names.len() as u32 - potential;
    let c = s.create_challenge(program.id, &c, None).await.unwrap();
    s.transition_program(program.id, ProgramStatus::Published, Some(organizer)).await.unwrap();
    let mut applications = Vec::new();
    for (n, name) in names.iter().enumerate() {
        let lead = org(s, &format!("{name}公司"), 20 + n as u32, "企业", "370102").await;
        let app = s
            .create_application(c.id, &application(name, lead, &[], 0.95), organizer, day("2026-01-05"))
            .await
            .unwrap();
        s.act_on_application(app.id, Action::Submit, Actor::Applicant, "", organizer, None, day("2026-01-05"))
            .await
            .unwrap();
        if recommendation {
            let scope = "370100";
            s.act_on_application(
                app.id,
                Action::Recommend,
                Actor::Recommender,
                "",
                recommender,
                Some(scope),
                day("2026-01-06"),
            )
            .await
            .unwrap();
        }
        s.act_on_application(app.id, Action::PassCheck, Actor::Organizer, "", organizer, None, day("2026-01-07"))
            .await
            .unwrap();
        applications.push(app.id);
    }
    s.transition_program(program.id, ProgramStatus::ApplicationsClosed, Some(organizer)).await.unwrap();
    s.transition_program(program.id, ProgramStatus::UnderReview, Some(organizer)).await.unwrap();
    let expert_user = user(s, "e@example.cn", None).await;
    let expert = ExpertInput {
        user_id: expert_user,
        name: "专家".into(),
        title: String::new(),
        fields: String::new(),
        current_organizations: vec![],
        past_organizations: vec![],
    };
    let expert = s.create_expert(&expert, None).await.unwrap();
    for id in &applications {
        s.assign_expert(*id, expert.id, organizer).await.unwrap();
        s.submit_review(*id, expert.id, &review(88.0, None)).await.unwrap();
    }
    s.rank_program(program.id, 0.0, &Default::default(), organizer).await.unwrap();
    let notice = NoticeInput { contact: "电话".into(), ..Default::default() };
    s.publish_publicity(program.id, &notice, &WorkCalendar::shipped(), day("2026-03-02"), organizer).await.unwrap();
    s.announce(program.id, day("2026-03-09"), organizer).await.unwrap();
    let mut projects = Vec::new();
    for project in s.create_projects(program.id, organizer).await.unwrap() {
        s.save_agreement(project.id, &agreement, organizer).await.unwrap();
        s.act_on_project(project.id, A::Sign, Party::Organizer, None, "", organizer).await.unwrap();
        projects.push(s.act_on_project(project.id, A::Start, Party::Organizer, None, "", organizer).await.unwrap());
    }
    (projects, organizer, recommender)
}

fn sheet(scores: [f64; 3]) -> MidTermSheet {
    let mut sheet = MidTermSheet::default();
    for (item, score) in sheet.items.iter_mut().zip(scores) {
        item.score = score;
    }
    sheet
}

#[tokio::test]
async fn a_mid_term_check_decides_the_next_step_and_a_gate_drops_the_weakest_of_the_race() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (projects, organizer, _) = started_projects(s, &["甲大模型", "乙大模型", "丙大模型"], false).await;
    let [a, b, c] = [projects[0].id, projects[1].id, projects[2].id];
    // A gate needs every racer's mid-term score.
    let refusal = s.run_gate(projects[0].challenge_id, GateRule::KeepTop(2), organizer).await.unwrap_err();
    refused(refusal, "尚无中期检查得分");
    for id in [a, b, c] {
        s.act_on_project(id, A::OpenMidTerm, Party::Organizer, None, "", organizer).await.unwrap();
    }
    // The sheet must be worth 100; misconduct allows only termination; anything but 继续支持
    // needs the opinion.
    let mut wrong = sheet([12.0, 12.0, 8.0]);
    wrong.items[0].points = 20.0;
    let error = s.record_mid_term(a, &wrong, 0.5, MidTermOutcome::Continue, "", organizer).await.unwrap_err();
    assert!(matches!(error, StoreError::Domain(jiebang_core::Error::Invalid(_))), "{error}");
    let mut misconduct = sheet([12.0, 12.0, 8.0]);
    misconduct.integrity_veto = true;
    refused(
        s.record_mid_term(a, &misconduct, 1.0, MidTermOutcome::Continue, "", organizer).await.unwrap_err(),
        "只能终止",
    );
    let error = s.record_mid_term(a, &sheet([1.0, 1.0, 1.0]), 0.0, MidTermOutcome::Rectify, " ", organizer).await;
    assert!(error.unwrap_err().to_string().contains("检查意见"));
    // 甲: rectify, report, then continue on a better sheet; 乙 and 丙 continue.
    let behind = sheet([8.0, 9.0, 6.0]);
    let first = s.record_mid_term(a, &behind, 0.2, MidTermOutcome::Rectify, "进度滞后，限期整改。", organizer);
    assert_eq!(first.await.unwrap().outcome, MidTermOutcome::Rectify);
    assert_eq!(s.get_project(a).await.unwrap().state, ProjectState::Rectifying);
    s.act_on_project(a, A::Resubmit, Party::Lead, None, "", organizer).await.unwrap();
    let again =
        s.record_mid_term(a, &sheet([12.0, 13.0, 8.0]), 0.5, MidTermOutcome::Continue, "", organizer).await.unwrap();
    assert!((again.total - 93.0).abs() < 1e-9, "60 for half the commitments met, 33 from the experts: {}", again.total);
    let weak = sheet([10.0, 10.0, 6.0]);
    let b_check = s.record_mid_term(b, &weak, 0.3, MidTermOutcome::Adjust, "调整示范企业。", organizer);
    assert!(
        (b_check.await.unwrap().total - 62.0).abs() < 1e-9,
        "36 for 30% met (the band starts at 60% of 60), 26 from the experts"
    );
    s.record_mid_term(c, &sheet([14.0, 14.0, 9.0]), 0.4, MidTermOutcome::Continue, "", organizer).await.unwrap();
    assert_eq!(s.mid_term_checks(a).await.unwrap().len(), 2);
    // The gate keeps the best two and terminates the third with its place in the reason.
    let gate = s.run_gate(projects[0].challenge_id, GateRule::KeepTop(2), organizer).await.unwrap();
    let ranking: Vec<(i64, bool)> = gate.ranking.iter().map(|r| (r.project_id, r.kept)).collect();
    assert_eq!(ranking, [(a, true), (c, true), (b, false)]);
    let dropped = s.get_project(b).await.unwrap();
    assert_eq!(dropped.state, ProjectState::Terminated);
    let history = s.project_history(b).await.unwrap();
    assert!(history.last().unwrap().reason.contains("第 3 名（共 3 名）"), "{:?}", history.last());
    assert_eq!(s.gates(gate.program_id).await.unwrap(), std::slice::from_ref(&gate));
    // The dropped project races no more: a second gate needs two under way and finds them.
    let second = s.run_gate(projects[0].challenge_id, GateRule::AtLeast(0.0), organizer).await.unwrap();
    assert_eq!(second.ranking.len(), 2);
}

#[tokio::test]
async fn changes_go_through_the_recommending_unit_to_the_organizer_and_take_effect_when_approved() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (projects, organizer, recommender) = started_projects(s, &["甲大模型"], true).await;
    let p = &projects[0];
    let end = p.end().unwrap();
    assert_eq!(end, day("2028-03-31"));
    // An extension asked too late, too long and without a reason: every problem at once.
    let late = ChangeInput {
        kind: ChangeKind::Extension,
        reason: " ".into(),
        new_end: Some(day("2029-12-31")),
        indicator: None,
        new_value: None,
    };
    let Err(StoreError::Domain(jiebang_core::Error::Invalid(problems))) =
        s.request_change(p.id, &late, day("2028-02-01"), organizer).await
    else {
        panic!("a late extension was taken")
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["reason", "asked_on", "new_end"]);
    let extension =
        ChangeInput { reason: "示范企业产线改造推迟。".into(), new_end: Some(day("2028-12-31")), ..late };
    let asked = s.request_change(p.id, &extension, day("2027-10-08"), organizer).await.unwrap();
    refused(s.request_change(p.id, &extension, day("2027-10-08"), organizer).await.unwrap_err(), "待审批");
    // The program has recommending units: the organizer waits for their check.
    refused(s.decide_change(asked.id, true, "", organizer).await.unwrap_err(), "不能审批");
    let checked = s.check_change(asked.id, true, "情况属实。", recommender).await.unwrap();
    assert_eq!(checked.state, ChangeState::Checked);
    assert_eq!(s.get_project(p.id).await.unwrap().end(), Some(end), "the original terms hold until approved");
    let approved = s.decide_change(asked.id, true, "同意延期。", organizer).await.unwrap();
    assert_eq!(approved.state, ChangeState::Approved);
    assert_eq!(s.get_project(p.id).await.unwrap().end(), Some(day("2028-12-31")));
    // At most one extension.
    let twice = ChangeInput { new_end: Some(day("2029-03-31")), ..extension.clone() };
    let Err(StoreError::Domain(jiebang_core::Error::Invalid(problems))) =
        s.request_change(p.id, &twice, day("2028-01-08"), organizer).await
    else {
        panic!("a second extension was taken")
    };
    assert!(problems.iter().any(|p| p.field == "extension"), "{problems:?}");
    // An indicator change must still meet the list; refused by the recommending unit, it never
    // takes effect.
    let weaker = |value: f64| ChangeInput {
        kind: ChangeKind::Indicator,
        reason: "数据集标注口径调整。".into(),
        new_end: None,
        indicator: Some("F1".into()),
        new_value: Some(value),
    };
    let below = s.request_change(p.id, &weaker(0.9), day("2027-10-08"), organizer).await.unwrap_err();
    assert!(below.to_string().contains("不得低于榜单要求"), "{below}");
    let asked = s.request_change(p.id, &weaker(0.93), day("2027-10-08"), organizer).await.unwrap();
    refused(s.check_change(asked.id, false, "", recommender).await.unwrap_err(), "须写明理由");
    let turned_down = s.check_change(asked.id, false, "理由不充分。", recommender).await.unwrap();
    assert_eq!(turned_down.state, ChangeState::Refused);
    refused(s.decide_change(asked.id, true, "", organizer).await.unwrap_err(), "不能审批");
    assert_eq!(s.get_project(p.id).await.unwrap().committed[0].committed, 0.95);
    let asked = s.request_change(p.id, &weaker(0.93), day("2027-10-08"), organizer).await.unwrap();
    s.check_change(asked.id, true, "", recommender).await.unwrap();
    s.decide_change(asked.id, true, "", organizer).await.unwrap();
    assert_eq!(s.get_project(p.id).await.unwrap().committed[0].committed, 0.93);
    assert_eq!(s.project_changes(p.id).await.unwrap().len(), 3);
}

#[tokio::test]
async fn reminders_go_out_once_a_week_and_a_day_before_a_milestone_and_when_it_is_overdue() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (projects, organizer, _) = started_projects(s, &["甲大模型"], false).await;
    let p = &projects[0];
    let member = user(
        s,
        "lead@example.cn",
        Some(Grant { role: Role::Applicant, scope: Scope::Organization(p.lead_organization_id) }),
    )
    .await;
    let reminders = |user: i64| async move {
        let all = s.list_notifications(user, 100).await.unwrap();
        all.into_iter().filter(|n| n.kind == "project.reminder").map(|n| n.title).collect::<Vec<_>>()
    };
    // The first milestone is due on 2026-09-30 (the test agreement).
    assert_eq!(s.send_project_reminders(day("2026-09-22")).await.unwrap(), 0);
    assert_eq!(s.send_project_reminders(day("2026-09-23")).await.unwrap(), 1);
    assert_eq!(s.send_project_reminders(day("2026-09-23")).await.unwrap(), 0, "once, however often the pass runs");
    assert_eq!(s.send_project_reminders(day("2026-09-29")).await.unwrap(), 1);
    assert_eq!(s.send_project_reminders(day("2026-10-01")).await.unwrap(), 1);
    assert_eq!(s.send_project_reminders(day("2026-10-02")).await.unwrap(), 0);
    let sent = reminders(member).await;
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(sent.iter().any(|t| t.contains("7 天后到期")) && sent.iter().any(|t| t.contains("已逾期")), "{sent:?}");
    assert_eq!(reminders(organizer).await.len(), 1, "the organizers hear of the overdue one only");
    // Reported: nothing more to remind of.
    let report = jiebang_store::NewMilestoneReport { milestone: 1, summary: "完成。", submissions: &[], files: &[] };
    let file = s.save_file(&t.files, "m.pdf", b"%PDF-1.4".to_vec(), None).await.unwrap();
    let report = jiebang_store::NewMilestoneReport { files: std::slice::from_ref(&file), ..report };
    s.submit_milestone_report(p.id, &report, organizer).await.unwrap();
    assert_eq!(s.send_project_reminders(day("2027-06-23")).await.unwrap(), 1, "the second milestone's week");
}

/// Two winners and one 潜力单位 on the list; the tier gets a project only where the rules say so.
#[tokio::test]
async fn the_potential_tier_is_listed_after_the_winners_and_gets_projects_where_the_rules_say() {
    for potential_projects in [false, true] {
        let t = TestStore::new().await;
        let s = &t.store;
        let tier = |rules: &mut jiebang_core::program::Rules| {
            rules.potential_per_challenge = 1;
            rules.potential_projects = potential_projects;
        };
        let (projects, _, _) =
            started_projects_under(s, &["甲大模型", "乙大模型", "丙大模型"], false, agreement(), tier).await;
        let program = projects[0].program_id;
        let filter = jiebang_store::ApplicationFilter {
            states: Some(vec![jiebang_core::application::ApplicationState::Selected]),
            ..Default::default()
        };
        let listed = s.list_applications(program, &filter).await.unwrap();
        let tiers: Vec<(String, bool)> = listed.iter().map(|a| (a.input.project_name.clone(), a.potential)).collect();
        assert_eq!(tiers.iter().filter(|(_, potential)| *potential).count(), 1, "{tiers:?}");
        assert_eq!(listed.len(), 3, "the tier is on the announced list");
        let potential = projects.iter().filter(|p| p.potential).count();
        assert_eq!((projects.len(), potential), if potential_projects { (3, 1) } else { (2, 0) });
    }
}

/// Quarterly reports under an agreement from 2026-04-01 to 2028-03-31: seven quarters (the last
/// is the acceptance's), each filed once after it ends, late ones marked, reminded while missing.
#[tokio::test]
async fn progress_reports_are_filed_once_per_period_after_it_ends_and_missing_ones_are_reminded() {
    let t = TestStore::new().await;
    let s = &t.store;
    let quarterly = jiebang_core::project::Agreement {
        progress_reports: jiebang_core::project::ReportCadence::Quarterly,
        ..agreement()
    };
    let (projects, organizer, _) = started_projects_under(s, &["甲大模型"], false, quarterly, |_| {}).await;
    let p = &projects[0];
    let labels: Vec<String> = jiebang_store::progress_schedule(p).into_iter().map(|q| q.label).collect();
    assert_eq!(labels, ["2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]);
    let input = |period: &str, spent: f64| jiebang_store::ProgressInput {
        period: period.into(),
        summary: "完成数据治理。".into(),
        problems: String::new(),
        spent_cny: spent,
    };
    // Every problem at once: an unknown period, no summary, a negative amount.
    let bad = jiebang_store::ProgressInput { summary: " ".into(), ..input("2026-Q1", -1.0) };
    let err = s.file_progress_report(p.id, &bad, day("2026-07-02"), organizer).await.unwrap_err();
    let fields: Vec<String> = match err {
        StoreError::Domain(jiebang_core::Error::Invalid(problems)) => problems.into_iter().map(|p| p.field).collect(),
        other => panic!("{other}"),
    };
    assert_eq!(fields, ["period", "summary", "spent_cny"]);
    let early = s.file_progress_report(p.id, &input("2026-Q3", 1e6), day("2026-09-30"), organizer).await;
    assert!(early.unwrap_err().to_string().contains("才结束"), "a period is reported once it is over");
    let on_time = s.file_progress_report(p.id, &input("2026-Q2", 5e5), day("2026-07-10"), organizer).await.unwrap();
    assert!(!on_time.late);
    refused(
        s.file_progress_report(p.id, &input("2026-Q2", 6e5), day("2026-07-11"), organizer).await.unwrap_err(),
        "已报送",
    );
    let late = s.file_progress_report(p.id, &input("2026-Q3", 1e6), day("2026-10-16"), organizer).await.unwrap();
    assert!(late.late, "due 2026-10-15");
    let filed: Vec<String> = s.progress_reports(p.id).await.unwrap().into_iter().map(|r| r.period).collect();
    assert_eq!(filed, ["2026-Q2", "2026-Q3"]);
    // 2026-Q4 is due 2027-01-15: a week before, its reminder goes out; the filed ones get none.
    let member = user(
        s,
        "lead@example.cn",
        Some(Grant { role: Role::Applicant, scope: Scope::Organization(p.lead_organization_id) }),
    )
    .await;
    assert_eq!(s.send_project_reminders(day("2027-01-07")).await.unwrap(), 1, "the overdue first milestone");
    assert_eq!(s.send_project_reminders(day("2027-01-08")).await.unwrap(), 1);
    let titles: Vec<String> = s.list_notifications(member, 100).await.unwrap().into_iter().map(|n| n.title).collect();
    assert!(titles.iter().any(|t| t.contains("2026年第4季度进展报告") && t.contains("7 天后到期")), "{titles:?}");
    assert!(!titles.iter().any(|t| t.contains("第2季度") || t.contains("第3季度")), "{titles:?}");
}

#[tokio::test]
async fn acceptance_experts_without_ties_give_one_opinion_a_round_while_it_is_reviewed() {
    use jiebang_core::project::Conclusion;
    let t = TestStore::new().await;
    let s = &t.store;
    let (projects, organizer, _) = started_projects(s, &["甲大模型"], false).await;
    let p = &projects[0];
    let expert = s.list_experts().await.unwrap()[0].id;
    refused(s.assign_acceptance_expert(p.id, expert, organizer).await.unwrap_err(), "验收申请后");
    let mut materials = Vec::new();
    for (field, name) in jiebang_core::project::ACCEPTANCE_MATERIALS {
        let file =
            s.save_file(&t.files, &format!("{name}.pdf"), format!("%PDF-1.4 {name}").into_bytes(), None).await.unwrap();
        materials.push((field.to_owned(), file));
    }
    s.apply_for_acceptance(p.id, &materials, day("2026-10-12"), organizer).await.unwrap();
    // An expert who worked for the lead unit stands aside.
    let tied_user = user(s, "tied@example.cn", None).await;
    let tied = ExpertInput {
        user_id: tied_user,
        name: "关联专家".into(),
        title: String::new(),
        fields: String::new(),
        current_organizations: vec![],
        past_organizations: vec![p.lead_organization_id],
    };
    let tied = s.create_expert(&tied, None).await.unwrap();
    refused(s.assign_acceptance_expert(p.id, tied.id, organizer).await.unwrap_err(), "应当回避");
    s.assign_acceptance_expert(p.id, expert, organizer).await.unwrap();
    assert_eq!(s.acceptance_experts(p.id).await.unwrap().len(), 1);
    let opinion = "指标均达到承诺值，建议通过。";
    refused(s.give_acceptance_opinion(p.id, expert, Conclusion::Passed, opinion).await.unwrap_err(), "不在验收评审中");
    s.start_testing(p.id, None, organizer).await.unwrap();
    s.act_on_project(p.id, A::Review, Party::Organizer, None, "", organizer).await.unwrap();
    refused(s.give_acceptance_opinion(p.id, tied.id, Conclusion::Failed, "不通过。").await.unwrap_err(), "未受邀");
    let given = s.give_acceptance_opinion(p.id, expert, Conclusion::Passed, opinion).await.unwrap();
    assert_eq!((given.recommended, given.round.as_str()), (Conclusion::Passed, "2026-10-12"));
    refused(s.give_acceptance_opinion(p.id, expert, Conclusion::Failed, "改变主意。").await.unwrap_err(), "已提交意见");
    assert_eq!(s.acceptance_opinions(p.id).await.unwrap(), [given]);
}
