//! The selection lifecycle from publication to announcement: applications and consortia, the
//! program's rules, recommendation within quotas, the formal check, a seeded expert draw with a
//! conflict of interest, reviews, ranking, 公示 with objections, and 公告 — plus the audit chain
//! and notifications it leaves behind.

use std::collections::{BTreeMap, HashMap};

use jiebang_core::application::{
    Action, Actor, ApplicationInput, ApplicationState, BudgetLine, BudgetSource, Commitment, Consent, ConsortiumRole,
    JointUnit, TeamMember,
};
use jiebang_core::calendar::WorkCalendar;
use jiebang_core::organization::OrganizationInput;
use jiebang_core::program::{Aggregation, Day, ProgramInput, ProgramStatus};
use jiebang_core::publicity::{Decision, FilerKind, NoticeInput, ObjectionInput};
use jiebang_core::review::ExpertInput;
use jiebang_core::review::ReviewInput;
use jiebang_core::role::{Grant, Role, Scope};
use jiebang_core::uscc::CreditCode;
use jiebang_store::testing::TestStore;
use jiebang_store::{Store, StoreError};

use crate::{challenge, program_input};

pub(crate) fn day(text: &str) -> Day {
    Day::parse("d", text).unwrap()
}

pub(crate) async fn org(store: &Store, name: &str, n: u32, kind: &str, region: &str) -> i64 {
    let input = OrganizationInput {
        name: name.into(),
        credit_code: CreditCode::with_check_character(&format!("91{region}MA3C{n:05}")).unwrap().to_string(),
        kind: kind.into(),
        region: region.into(),
        industries: vec!["C26".into()],
        contact_name: "联系人".into(),
        contact_phone: "0531-88888888".into(),
    };
    store.create_organization(&input.validate().unwrap(), None).await.unwrap().id
}

pub(crate) fn application(project: &str, lead: i64, joint: &[(i64, ConsortiumRole)], f1: f64) -> ApplicationInput {
    ApplicationInput {
        project_name: project.into(),
        lead_organization_id: lead,
        joint_units: joint
            .iter()
            .map(|(id, role)| JointUnit { organization_id: *id, role: *role, work: "联合攻关".into() })
            .collect(),
        leader: TeamMember {
            name: "王工".into(),
            title: "正高级工程师".into(),
            organization_id: lead,
            duty: "总体负责".into(),
        },
        team: vec![],
        budget: vec![BudgetLine { source: BudgetSource::SelfFunded, amount_wan: 500.0 }],
        summary: "基于行业数据的大模型微调与轻量化部署。".into(),
        commitments: vec![
            Commitment { indicator: "F1".into(), value: f1 },
            Commitment { indicator: "时延".into(), value: 150.0 },
        ],
    }
}

pub(crate) fn review(total: f64, veto: Option<&str>) -> ReviewInput {
    // Spread `total` over the default form (maxima 15, 15, 20, 15, 10, 15, 10) proportionally.
    let maxima = [15.0, 15.0, 20.0, 15.0, 10.0, 15.0, 10.0];
    ReviewInput {
        scores: maxima.iter().map(|m| m * total / 100.0).collect(),
        comment: "技术路线清晰。".into(),
        veto: veto.map(Into::into),
    }
}

pub(crate) async fn user(store: &Store, email: &str, grant: Option<Grant>) -> i64 {
    let id = store.create_user(email, email, "correct-horse-1").await.unwrap().id;
    if let Some(grant) = grant {
        store.add_grant(id, &grant).await.unwrap();
    }
    id
}

pub(crate) fn refused(err: StoreError, needle: &str) {
    assert!(err.to_string().contains(needle), "expected «{needle}» in: {err}");
}

#[tokio::test]
async fn a_program_runs_from_publication_to_announcement_with_an_upheld_objection() {
    let t = TestStore::new().await;
    let s = &t.store;
    let organizer = user(s, "organizer@example.cn", None).await;
    let mut input = program_input("2025年工业领域行业大模型揭榜挂帅");
    input.rules.max_applications_per_org = 1;
    input.rules.recommendation_quota = 2;
    input.rules.aggregation = Aggregation::TrimmedMean;
    input.timeline.applicant_deadline = Some(day("2025-06-30"));
    input.timeline.recommender_deadline = Some(day("2025-07-10"));
    let program = s.create_program(input, Some(organizer), false).await.unwrap();
    let c1 =
        s.create_challenge(program.id, &challenge("NAT25-01", &["26"], "370100", "人工智能+化工"), None).await.unwrap();
    let c2 =
        s.create_challenge(program.id, &challenge("NAT25-02", &["34"], "370200", "人工智能+装备"), None).await.unwrap();
    s.transition_program(program.id, ProgramStatus::Published, Some(organizer)).await.unwrap();

    // Units: Jinan (3701xx) and Qingdao (3702xx).
    let a = org(s, "济南云鼎科技有限公司", 1, "企业", "370102").await;
    let u = org(s, "山东大学", 2, "高校", "370102").await;
    let b = org(s, "青岛海智装备有限公司", 3, "企业", "370202").await;
    let r = org(s, "青岛智能研究院", 4, "科研院所", "370202").await;
    let x = org(s, "济南精机有限公司", 5, "企业", "370112").await;
    let y = org(s, "济南数联有限公司", 6, "企业", "370103").await;
    let z = org(s, "淄博新材有限公司", 7, "企业", "370300").await;
    let applicant_a =
        user(s, "a@example.cn", Some(Grant { role: Role::Applicant, scope: Scope::Organization(a) })).await;
    let applicant = |_org: i64| applicant_a; // the acting user is not what the store checks

    // Applications, and the rules that refuse the wrong ones.
    let open = day("2025-06-20");
    let app1 = s
        .create_application(
            c1.id,
            &application("云鼎化工行业大模型", a, &[(u, ConsortiumRole::Academia)], 0.95),
            applicant(a),
            open,
        )
        .await
        .unwrap();
    let app2 = s
        .create_application(
            c1.id,
            &application("海智装备大模型", b, &[(r, ConsortiumRole::Research)], 0.93),
            applicant(b),
            open,
        )
        .await
        .unwrap();
    let app3 =
        s.create_application(c2.id, &application("精机质检大模型", x, &[], 0.96), applicant(x), open).await.unwrap();
    let app4 =
        s.create_application(c2.id, &application("数联工艺大模型", y, &[], 0.94), applicant(y), open).await.unwrap();
    assert_eq!(app1.state, ApplicationState::Draft);

    let err = s.create_application(c2.id, &application("再来一项", a, &[], 0.95), applicant_a, open).await.unwrap_err();
    refused(err, "最多牵头 1 项");
    // A draft reserves nothing: another lead may name app1's university too, until one is
    // submitted (below).
    let clash = application("同榜第二个联合体", z, &[(u, ConsortiumRole::Academia)], 0.95);
    let draft = s.create_application(c1.id, &clash, applicant_a, open).await.unwrap();
    s.delete_application(draft.id, applicant_a).await.unwrap();
    let err = s.create_application(c1.id, &application("承诺不足", z, &[], 0.90), applicant_a, open).await.unwrap_err();
    let StoreError::Domain(domain) = &err else { panic!("{err}") };
    assert_eq!(domain.field_errors()[0].field, "commitments[0].value");
    let too_many: Vec<_> = [u, b, r, x, a].iter().map(|o| (*o, ConsortiumRole::Industry)).collect();
    let err = s
        .create_application(c1.id, &application("联合体过大", z, &too_many, 0.95), applicant_a, open)
        .await
        .unwrap_err();
    refused(err, "联合单位最多 4 家");
    let err = s
        .create_application(c2.id, &application("逾期", z, &[], 0.95), applicant_a, day("2025-07-01"))
        .await
        .unwrap_err();
    refused(err, "申报已于 2025-06-30 截止");
    assert_eq!(s.list_applications(program.id, &Default::default()).await.unwrap().len(), 4, "refusals wrote nothing");

    // Submission freezes a hashed snapshot; a return sends it back for revision.
    for app in [&app1, &app2, &app3, &app4] {
        s.act_on_application(app.id, Action::Submit, Actor::Applicant, "", applicant_a, None, day("2025-06-25"))
            .await
            .unwrap();
    }
    // Naming a unit takes nothing without its consent: a second consortium naming app1's
    // university is submitted while the university has answered neither.
    let places = s.consortium_places(app1.id).await.unwrap();
    assert_eq!(
        places.iter().map(|p| (p.organization_id, p.lead, p.consent)).collect::<Vec<_>>(),
        [(a, true, Consent::Accepted), (u, false, Consent::Pending)]
    );
    let rival = s.create_application(c1.id, &clash, applicant_a, open).await.unwrap();
    s.act_on_application(rival.id, Action::Submit, Actor::Applicant, "", applicant_a, None, day("2025-06-25"))
        .await
        .unwrap();
    // Declining needs a reason; a unit answers only a place it was given, once.
    let err = s.answer_place(app1.id, u, false, " ", applicant_a).await.unwrap_err();
    assert!(matches!(&err, StoreError::Domain(_)), "{err}");
    refused(s.answer_place(app1.id, a, true, "", applicant_a).await.unwrap_err(), "没有请本单位确认");
    // The university joins app1: its one place in the challenge is taken, and the rival's
    // claim on it is declined, which returns the rival to its lead unit.
    let place = s.answer_place(app1.id, u, true, "", applicant_a).await.unwrap();
    assert_eq!((place.consent, place.answered_at.is_some()), (Consent::Accepted, true));
    refused(s.answer_place(app1.id, u, false, "改主意", applicant_a).await.unwrap_err(), "已答复");
    let rival = s.get_application(rival.id).await.unwrap();
    assert_eq!(rival.state, ApplicationState::Returned);
    assert!(rival.reason.contains("山东大学") && rival.reason.contains("另一个联合体"), "{}", rival.reason);
    let declined = s.consortium_places(rival.id).await.unwrap();
    assert_eq!(declined[1].consent, Consent::Declined);
    // Named again, the university's accepted place elsewhere refuses the submission.
    let err = s
        .act_on_application(rival.id, Action::Submit, Actor::Applicant, "", applicant_a, None, day("2025-06-25"))
        .await
        .unwrap_err();
    assert!(matches!(&err, StoreError::Conflict { field, .. } if field == "joint_units[0].organization_id"), "{err}");
    // app2's research institute declines with a reason: app2 goes back to its lead, who is told.
    s.answer_place(app2.id, r, false, "未签署联合体协议", applicant_a).await.unwrap();
    let back = s.get_application(app2.id).await.unwrap();
    assert_eq!(back.state, ApplicationState::Returned);
    assert!(back.reason.contains("未签署联合体协议"), "{}", back.reason);
    let events = s.list_audit_events(&format!("application:{}", app2.id)).await.unwrap();
    assert!(events.iter().any(|e| e.action == "application.joint_declined"), "audited");
    // Resubmitted, the institute is asked again; it accepts; an accepted place stays accepted
    // across a later return and resubmission.
    s.act_on_application(app2.id, Action::Submit, Actor::Applicant, "", applicant_a, None, day("2025-06-25"))
        .await
        .unwrap();
    assert_eq!(s.consortium_places(app2.id).await.unwrap()[1].consent, Consent::Pending);
    let (snapshot, sha) = s.application_snapshot(app1.id).await.unwrap().unwrap();
    assert_eq!(sha, hex::encode(<sha2::Sha256 as sha2::Digest>::digest(snapshot.as_bytes())));
    assert!(snapshot.contains("云鼎化工行业大模型"));
    let err = s.update_application(app1.id, &app1.input, applicant_a, open).await.unwrap_err();
    refused(err, "只有草稿或退回修改的申报可以编辑");
    let err =
        s.act_on_application(app3.id, Action::Return, Actor::Organizer, " ", organizer, None, open).await.unwrap_err();
    refused(err, "须写明理由");
    s.act_on_application(app3.id, Action::Return, Actor::Organizer, "请补充经费预算说明", organizer, None, open)
        .await
        .unwrap();
    let mut revised = app3.input.clone();
    revised.budget.push(BudgetLine { source: BudgetSource::Bank, amount_wan: 200.0 });
    s.update_application(app3.id, &revised, applicant_a, open).await.unwrap();
    s.act_on_application(app3.id, Action::Submit, Actor::Applicant, "", applicant_a, None, day("2025-06-28"))
        .await
        .unwrap();
    assert_eq!(s.get_application(app3.id).await.unwrap().input.budget_total(), 700.0);

    // Recommendation: each city its own units, within a quota of 2, before its deadline.
    let jinan =
        user(s, "jinan@example.cn", Some(Grant { role: Role::Recommender, scope: Scope::Region("370100".into()) }))
            .await;
    let qingdao =
        user(s, "qingdao@example.cn", Some(Grant { role: Role::Recommender, scope: Scope::Region("370200".into()) }))
            .await;
    let rec = |id, who, region: &'static str, action, when: &'static str| async move {
        s.act_on_application(id, action, Actor::Recommender, "名额有限，择优推荐", who, Some(region), day(when)).await
    };
    refused(rec(app2.id, jinan, "370100", Action::Recommend, "2025-07-05").await.unwrap_err(), "不在您负责推荐的地区");
    rec(app1.id, jinan, "370100", Action::Recommend, "2025-07-05").await.unwrap();
    rec(app3.id, jinan, "370100", Action::Recommend, "2025-07-05").await.unwrap();
    refused(rec(app4.id, jinan, "370100", Action::Recommend, "2025-07-05").await.unwrap_err(), "推荐名额 2 个已用完");
    rec(app4.id, jinan, "370100", Action::Decline, "2025-07-05").await.unwrap();
    // Until every joint unit has answered, an application cannot go forward.
    refused(rec(app2.id, qingdao, "370200", Action::Recommend, "2025-07-10").await.unwrap_err(), "尚未确认参加联合体");
    s.answer_place(app2.id, r, true, "", applicant_a).await.unwrap();
    refused(
        rec(app2.id, qingdao, "370200", Action::Recommend, "2025-07-11").await.unwrap_err(),
        "推荐已于 2025-07-10 截止",
    );
    rec(app2.id, qingdao, "370200", Action::Recommend, "2025-07-10").await.unwrap();
    assert_eq!(s.get_application(app4.id).await.unwrap().state, ApplicationState::NotRecommended);

    // Formal check, then review.
    for app in [&app1, &app2, &app3] {
        s.act_on_application(app.id, Action::PassCheck, Actor::Organizer, "", organizer, None, open).await.unwrap();
    }
    s.transition_program(program.id, ProgramStatus::ApplicationsClosed, Some(organizer)).await.unwrap();
    s.transition_program(program.id, ProgramStatus::UnderReview, Some(organizer)).await.unwrap();

    // Six experts; the first works for app1's lead unit, the second used to work for app2's joint unit.
    let mut experts = Vec::new();
    for i in 0..6 {
        let uid = user(s, &format!("expert{i}@example.cn"), None).await;
        let (current, past) = match i {
            0 => (vec![a], vec![]),
            1 => (vec![], vec![r]),
            _ => (vec![], vec![]),
        };
        let input = ExpertInput {
            user_id: uid,
            name: format!("专家{i}"),
            title: "教授".into(),
            fields: "智能制造".into(),
            current_organizations: current,
            past_organizations: past,
        };
        experts.push(s.create_expert(&input, Some(organizer)).await.unwrap());
    }
    let err = s.assign_expert(app1.id, experts[0].id, organizer).await.unwrap_err();
    refused(err, "存在利益冲突");
    assert!(s.has_conflict(experts[1].id, app2.id).await.unwrap());
    let drawn = s.draw_experts(program.id, Some(2025), organizer).await.unwrap();
    assert_eq!((drawn.seed.as_str(), drawn.assignments.len()), ("2025", 15));
    assert!(
        !drawn.assignments.contains(&(app1.id, experts[0].id))
            && !drawn.assignments.contains(&(app2.id, experts[1].id))
    );
    assert_eq!(
        s.list_draws(program.id).await.unwrap()[0].assignments,
        drawn.assignments,
        "the draw is recorded for replay"
    );
    refused(s.rank_program(program.id, 0.0, &HashMap::new(), organizer).await.unwrap_err(), "份评审未提交");

    // Reviews: app1 ≈ 85, app2 ≈ 80, app3 ≈ 70 with one outlier.
    let err = s
        .submit_review(
            app1.id,
            experts[2].id,
            &ReviewInput { scores: vec![16.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], comment: "好".into(), veto: None },
        )
        .await
        .unwrap_err();
    let StoreError::Domain(domain) = &err else { panic!("{err}") };
    assert_eq!(domain.field_errors()[0].field, "scores[0]");
    for (app, scores) in [
        (&app1, [85.0, 86.0, 84.0, 90.0, 80.0]),
        (&app2, [80.0, 81.0, 79.0, 82.0, 78.0]),
        (&app3, [70.0, 72.0, 70.0, 70.0, 30.0]),
    ] {
        let panel = s.application_assignments(app.id).await.unwrap();
        assert_eq!(panel.len(), 5);
        for (assignment, total) in panel.iter().zip(scores) {
            s.submit_review(app.id, assignment.expert_id, &review(total, None)).await.unwrap();
        }
    }
    let first = s.application_assignments(app1.id).await.unwrap().remove(0);
    refused(s.submit_review(app1.id, first.expert_id, &review(10.0, None)).await.unwrap_err(), "评审意见已提交");

    let ranked = s.rank_program(program.id, 0.0, &HashMap::new(), organizer).await.unwrap();
    let by_id = |id| ranked.iter().find(|a| a.id == id).unwrap().clone();
    assert_eq!((by_id(app1.id).rank, by_id(app1.id).proposed), (Some(1), true));
    assert_eq!((by_id(app2.id).rank, by_id(app2.id).proposed), (Some(2), false), "C1 has one winner");
    assert!(by_id(app3.id).proposed);
    // Trimmed mean drops 90 and 80 from app1's five totals.
    assert!((by_id(app1.id).review_score.unwrap() - 85.0).abs() < 1e-9);
    assert!((by_id(app3.id).review_score.unwrap() - 70.0).abs() < 1e-9, "the outlier 30 is trimmed");

    // 公示 for five working days from Friday 2025-07-25.
    let calendar = WorkCalendar::shipped();
    let notice = NoticeInput { contact: "联系电话：0531-00000000".into(), ..Default::default() };
    let publicity = s.publish_publicity(program.id, &notice, &calendar, day("2025-07-25"), organizer).await.unwrap();
    assert_eq!((publicity.starts_on, publicity.ends_on), (day("2025-07-25"), day("2025-07-31")));
    assert_eq!(s.get_program(program.id).await.unwrap().status, ProgramStatus::Publicity);
    assert_eq!(s.get_application(app1.id).await.unwrap().state, ApplicationState::Proposed);
    assert_eq!(s.get_application(app2.id).await.unwrap().state, ApplicationState::NotSelected);
    refused(
        s.transition_program(program.id, ProgramStatus::Announced, Some(organizer)).await.unwrap_err(),
        "须通过发布公示或公告完成",
    );

    let public = user(s, "citizen@example.cn", None).await;
    let objection = |application_id, filer_name: &str| ObjectionInput {
        application_id,
        filer_kind: FilerKind::Individual,
        filer_name: filer_name.into(),
        contact: "13800000000".into(),
        content: "该项目承诺的指标与其公开材料不符，附相关证明。".into(),
        sealed: false,
    };
    let err = s.file_objection(program.id, &objection(app1.id, " "), public, day("2025-07-28")).await.unwrap_err();
    assert!(matches!(&err, StoreError::Domain(d) if d.field_errors()[0].field == "filer_name"), "{err}");
    refused(
        s.file_objection(program.id, &objection(app2.id, "李四"), public, day("2025-07-28")).await.unwrap_err(),
        "只能对公示名单中的项目提出异议",
    );
    refused(
        s.file_objection(program.id, &objection(app1.id, "李四"), public, day("2025-08-01")).await.unwrap_err(),
        "逾期反映的异议无效",
    );
    let rejected = s.file_objection(program.id, &objection(app1.id, "李四"), public, day("2025-07-28")).await.unwrap();
    let upheld = s.file_objection(program.id, &objection(app3.id, "张五"), public, day("2025-07-31")).await.unwrap();
    // One user cannot hold the announcement with objection after objection.
    let third = s.file_objection(program.id, &objection(app1.id, "王六"), public, day("2025-07-31")).await.unwrap();
    let err = s.file_objection(program.id, &objection(app1.id, "赵七"), public, day("2025-07-31")).await.unwrap_err();
    assert!(matches!(&err, StoreError::Busy { message, .. } if message.contains("at most 3 pending")), "{err}");
    s.decide_objection(third.id, Decision::Reject, "与前件重复，不予受理。", organizer).await.unwrap();

    refused(s.announce(program.id, day("2025-07-31"), organizer).await.unwrap_err(), "之后方可公告");
    refused(s.announce(program.id, day("2025-08-01"), organizer).await.unwrap_err(), "还有 2 份异议未处理");
    s.decide_objection(rejected.id, Decision::Reject, "经核查，指标承诺与材料一致，异议不成立。", organizer)
        .await
        .unwrap();
    s.decide_objection(upheld.id, Decision::Withdraw, "经核查，牵头单位资质不符，撤销拟入选资格。", organizer)
        .await
        .unwrap();
    refused(s.decide_objection(upheld.id, Decision::Reject, "再次处理", organizer).await.unwrap_err(), "已处理");
    s.announce(program.id, day("2025-08-01"), organizer).await.unwrap();

    let state = |id| async move { s.get_application(id).await.unwrap().state };
    assert_eq!(state(app1.id).await, ApplicationState::Selected);
    assert_eq!(state(app2.id).await, ApplicationState::NotSelected);
    assert_eq!(state(app3.id).await, ApplicationState::Withdrawn);
    assert_eq!(state(app4.id).await, ApplicationState::NotRecommended);
    assert_eq!(s.get_program(program.id).await.unwrap().status, ProgramStatus::Announced);

    // Everything left a trace: the application's history, an intact chain, notifications.
    let history: Vec<String> =
        s.list_audit_events(&format!("application:{}", app1.id)).await.unwrap().into_iter().map(|e| e.action).collect();
    for action in [
        "application.create",
        "application.submit",
        "application.recommend",
        "application.pass_check",
        "review.submit",
        "objection.file",
        "objection.decide",
    ] {
        assert!(history.iter().any(|h| h == action), "{action} missing from {history:?}");
    }
    assert!(s.verify_audit_chain().await.unwrap() > 40);
    let inbox: Vec<String> =
        s.list_notifications(applicant_a, 50).await.unwrap().into_iter().map(|n| n.title).collect();
    assert!(inbox.iter().any(|t| t.starts_with("入围：云鼎化工行业大模型")), "{inbox:?}");
    assert!(inbox.iter().any(|t| t.starts_with("收到异议")), "{inbox:?}");
    assert!(!s.list_notifications(public, 10).await.unwrap().is_empty(), "the objector hears the decision");
    assert!(!s.pending_mail(100).await.unwrap().is_empty(), "every notification has an e-mail copy");

    // The winner may not lead in a later program that excludes earlier winners.
    let later =
        s.create_program(program_input("2026年工业领域行业大模型揭榜挂帅"), Some(organizer), false).await.unwrap();
    let c =
        s.create_challenge(later.id, &challenge("NAT26-01", &["26"], "370100", "人工智能+化工"), None).await.unwrap();
    s.transition_program(later.id, ProgramStatus::Published, Some(organizer)).await.unwrap();
    let err = s.create_application(c.id, &application("云鼎二期", a, &[], 0.95), applicant_a, open).await.unwrap_err();
    refused(err, "不再受理前期揭榜优胜单位");
    // Another issuer's list does not count the province's winners as its own.
    let ministry = ProgramInput {
        issuer: "工业和信息化部".into(), ..program_input("人工智能产业创新任务揭榜挂帅")
    };
    let ministry = s.create_program(ministry, Some(organizer), false).await.unwrap();
    let c = s.create_challenge(ministry.id, &challenge("MIIT-01", &["26"], "", "人工智能+化工"), None).await.unwrap();
    s.transition_program(ministry.id, ProgramStatus::Published, Some(organizer)).await.unwrap();
    s.create_application(c.id, &application("云鼎部级", a, &[], 0.95), applicant_a, open).await.unwrap();

    // An expert whose account acts for a unit conflicts with its applications, declared or not.
    let input = ExpertInput {
        user_id: applicant_a,
        name: "兼任专家".into(),
        title: "研究员".into(),
        fields: "化工".into(),
        current_organizations: vec![],
        past_organizations: vec![],
    };
    let dual = s.create_expert(&input, Some(organizer)).await.unwrap();
    assert!(s.has_conflict(dual.id, app1.id).await.unwrap(), "the expert acts for app1's lead unit");
    // Applying in the program, the expert reviews nothing in it until declaring the dual role…
    assert!(s.has_conflict(dual.id, app2.id).await.unwrap(), "an undeclared dual role");
    let err = s.declare_dual_role(dual.id, program.id, " ", applicant_a).await.unwrap_err();
    assert!(matches!(err, StoreError::Domain(_)), "{err}");
    let undeclared = s.dual_roles_of(dual.id).await.unwrap();
    assert_eq!((undeclared.len(), undeclared[0].0, undeclared[0].2.is_none()), (1, program.id, true));
    s.declare_dual_role(dual.id, program.id, "本人同时为济南云鼎科技有限公司揭榜联系人。", applicant_a).await.unwrap();
    let declared = s.dual_roles_of(dual.id).await.unwrap().remove(0).2.expect("declared");
    assert_eq!((declared.expert_name.as_str(), declared.program_id), ("兼任专家", program.id));
    assert_eq!(s.dual_role_declarations(program.id).await.unwrap(), [declared]);
    // … and then everything but their own unit's.
    assert!(!s.has_conflict(dual.id, app2.id).await.unwrap());
    assert!(s.has_conflict(dual.id, app1.id).await.unwrap());
}

#[tokio::test]
async fn an_objection_upheld_for_re_review_reopens_review_and_the_list_is_published_again() {
    let t = TestStore::new().await;
    let s = &t.store;
    let organizer = user(s, "o@example.cn", None).await;
    let mut input = program_input("P");
    input.rules.recommendation_required = false;
    input.rules.experts_per_application = 1;
    let program = s.create_program(input, Some(organizer), false).await.unwrap();
    let c = s.create_challenge(program.id, &challenge("C-1", &["26"], "370100", "方向"), None).await.unwrap();
    s.transition_program(program.id, ProgramStatus::Published, Some(organizer)).await.unwrap();
    let lead = org(s, "甲公司", 11, "企业", "370102").await;
    let app = s
        .create_application(c.id, &application("甲大模型", lead, &[], 0.95), organizer, day("2026-01-05"))
        .await
        .unwrap();
    s.act_on_application(app.id, Action::Submit, Actor::Applicant, "", organizer, None, day("2026-01-05"))
        .await
        .unwrap();
    // Without recommendation the organizer checks submitted applications directly.
    s.act_on_application(app.id, Action::PassCheck, Actor::Organizer, "", organizer, None, day("2026-01-05"))
        .await
        .unwrap();
    s.transition_program(program.id, ProgramStatus::ApplicationsClosed, Some(organizer)).await.unwrap();
    s.transition_program(program.id, ProgramStatus::UnderReview, Some(organizer)).await.unwrap();
    let expert_user = user(s, "e@example.cn", None).await;
    let expert = s
        .create_expert(
            &ExpertInput {
                user_id: expert_user,
                name: "专家".into(),
                title: String::new(),
                fields: String::new(),
                current_organizations: vec![],
                past_organizations: vec![],
            },
            None,
        )
        .await
        .unwrap();
    s.assign_expert(app.id, expert.id, organizer).await.unwrap();
    s.submit_review(app.id, expert.id, &review(88.0, None)).await.unwrap();
    s.rank_program(program.id, 0.0, &HashMap::new(), organizer).await.unwrap();
    let calendar = WorkCalendar::shipped();
    let notice = NoticeInput { contact: "电话".into(), ..Default::default() };
    // Published on the eve of the 2026 Spring Festival: the period skips the nine days off.
    let first = s.publish_publicity(program.id, &notice, &calendar, day("2026-02-12"), organizer).await.unwrap();
    assert_eq!(first.ends_on, day("2026-02-25"));
    let objection = ObjectionInput {
        application_id: app.id,
        filer_kind: FilerKind::Unit,
        filer_name: "乙公司".into(),
        contact: "电话".into(),
        content: "评审专家与申报单位存在未申报的合作关系。".into(),
        sealed: true,
    };
    let filed = s.file_objection(program.id, &objection, expert_user, day("2026-02-24")).await.unwrap();
    s.decide_objection(filed.id, Decision::Rereview, "异议成立，组织重新评审。", organizer).await.unwrap();
    assert_eq!(s.get_program(program.id).await.unwrap().status, ProgramStatus::UnderReview);
    assert_eq!(s.get_application(app.id).await.unwrap().state, ApplicationState::InReview);
    refused(
        s.file_objection(program.id, &objection, expert_user, day("2026-02-25")).await.unwrap_err(),
        "不在公示期内",
    );
    s.rank_program(program.id, 0.0, &HashMap::new(), organizer).await.unwrap();
    let second = s.publish_publicity(program.id, &notice, &calendar, day("2026-03-02"), organizer).await.unwrap();
    assert!(second.id > first.id && second.ends_on == day("2026-03-06"));
    s.announce(program.id, day("2026-03-09"), organizer).await.unwrap();
    assert_eq!(s.get_application(app.id).await.unwrap().state, ApplicationState::Selected);
    projects_follow_the_announced_list(&t, program.id, app.id, organizer).await;
}

/// After the announcement: one project per selected application, its commitments frozen from
/// the submitted application, moved step by step by its parties and refused out of turn.
async fn projects_follow_the_announced_list(t: &TestStore, program: i64, application: i64, organizer: i64) {
    use jiebang_core::project::{Conclusion, Party, ProjectAction as A, ProjectState};
    let s = &t.store;
    let projects = s.create_projects(program, organizer).await.unwrap();
    assert_eq!(projects.len(), 1);
    let p = &projects[0];
    assert_eq!((p.application_id, p.state), (application, ProjectState::Drafting));
    let committed: Vec<(&str, f64, bool)> = p.committed.iter().map(|c| (c.name.as_str(), c.committed, c.key)).collect();
    assert_eq!(committed, [("F1", 0.95, true), ("时延", 150.0, false)]);
    assert_eq!(Some(p.snapshot_sha256.clone()), s.get_application(application).await.unwrap().snapshot_sha256);
    assert_eq!(s.create_projects(program, organizer).await.unwrap(), projects, "created once");
    let step = |action, party, conclusion, reason: &'static str| {
        s.act_on_project(p.id, action, party, conclusion, reason, organizer)
    };
    refused(step(A::Designate, Party::Organizer, None, "").await.unwrap_err(), "不允许从「任务书编制」");
    let out_of_turn = step(A::Sign, Party::Lead, None, "").await.unwrap_err();
    assert!(matches!(out_of_turn, StoreError::Domain(_)), "{out_of_turn}");
    refused(step(A::Sign, Party::Organizer, None, "").await.unwrap_err(), "任务书尚未编制");
    // The agreement: checked whole against the commitments, then frozen and hashed by signing.
    let mut agreement = agreement();
    agreement.milestones[0].indicators = vec!["召回率".into()];
    let Err(StoreError::Domain(jiebang_core::Error::Invalid(problems))) =
        s.save_agreement(p.id, &agreement, organizer).await
    else {
        panic!("an agreement naming an uncommitted indicator was saved")
    };
    assert_eq!(problems[0].field, "milestones[0].indicators");
    agreement.milestones[0].indicators = vec!["F1".into()];
    let drafted = s.save_agreement(p.id, &agreement, organizer).await.unwrap();
    assert!(drafted.agreement_sha256.is_none());
    let signed = step(A::Sign, Party::Organizer, None, "").await.unwrap();
    assert_eq!(signed.agreement.as_ref(), Some(&agreement));
    assert_eq!(signed.agreement_sha256.as_deref(), Some(signed.agreement_hash().as_str()));
    assert_eq!(signed.agreement_hash().len(), 64);
    refused(s.save_agreement(p.id, &agreement, organizer).await.unwrap_err(), "变更程序");
    step(A::Start, Party::Organizer, None, "").await.unwrap();
    milestones_are_reported_with_evidence_and_reviewed(t, p.id, organizer).await;
    // An extension asked in time (no recommending step in this program) and a mid-term check.
    let extension = jiebang_store::ChangeInput {
        kind: jiebang_core::project::ChangeKind::Extension,
        reason: "示范企业产线改造推迟。".into(),
        new_end: Some(day("2028-09-30")),
        indicator: None,
        new_value: None,
    };
    let asked = s.request_change(p.id, &extension, day("2026-10-08"), organizer).await.unwrap();
    s.decide_change(asked.id, true, "同意延期。", organizer).await.unwrap();
    assert_eq!(s.get_project(p.id).await.unwrap().end(), Some(day("2028-09-30")));
    step(A::OpenMidTerm, Party::Organizer, None, "").await.unwrap();
    let mut sheet = jiebang_core::project::MidTermSheet::default();
    for item in &mut sheet.items {
        item.score = item.points * 0.8;
    }
    let outcome = jiebang_core::project::MidTermOutcome::Continue;
    s.record_mid_term(p.id, &sheet, 0.5, outcome, "", organizer).await.unwrap();
    assert_eq!(s.get_project(p.id).await.unwrap().state, ProjectState::InProgress);
    // Acceptance: the materials checklist, a lab's report per committed indicator, the veto.
    refused(step(A::ApplyAcceptance, Party::Lead, None, "").await.unwrap_err(), "须提交其材料");
    let mut materials = Vec::new();
    for (field, name) in jiebang_core::project::ACCEPTANCE_MATERIALS {
        let file =
            s.save_file(&t.files, &format!("{name}.pdf"), format!("%PDF-1.4 {name}").into_bytes(), None).await.unwrap();
        materials.push((field.to_owned(), file));
    }
    let short = s.apply_for_acceptance(p.id, &materials[..3], day("2026-10-12"), organizer).await.unwrap_err();
    assert!(short.to_string().contains("user_opinion"), "{short}");
    s.apply_for_acceptance(p.id, &materials, day("2026-10-12"), organizer).await.unwrap();
    assert_eq!(s.acceptance_materials(p.id).await.unwrap().len(), 4);
    s.start_testing(p.id, None, organizer).await.unwrap();
    let lab = user(s, "lab@example.cn", None).await;
    let report = s.save_file(&t.files, "测评报告.pdf", b"%PDF-1.4 lab".to_vec(), None).await.unwrap();
    let values = |f1: f64| BTreeMap::from([("F1".to_owned(), f1), ("时延".to_owned(), 120.0)]);
    let not_lab = s.submit_lab_report(p.id, &values(0.93), std::slice::from_ref(&report), "", organizer).await;
    refused(not_lab.unwrap_err(), "受托的检测机构");
    s.designate_lab(p.id, lab, "省检测中心", organizer).await.unwrap();
    let unknown = BTreeMap::from([("召回率".to_owned(), 0.9)]);
    let wrong = s.submit_lab_report(p.id, &unknown, &[], "", lab).await.unwrap_err();
    assert!(wrong.to_string().contains("values.召回率") && wrong.to_string().contains("file"), "{wrong}");
    s.submit_lab_report(p.id, &values(0.93), std::slice::from_ref(&report), "逐项测试。", lab).await.unwrap();
    step(A::Review, Party::Organizer, None, "").await.unwrap();
    // F1 0.93 misses the 0.95 committed (though it beats the list's 0.92): half met, the veto.
    let record = lab_record(s, p.id).await;
    assert_eq!(record.judgement.share_met, 0.5);
    assert_eq!(record.judgement.vetoes, [jiebang_core::project::Veto::LowCompletion]);
    let calendar = WorkCalendar::shipped();
    refused(step(A::Conclude, Party::Organizer, Some(Conclusion::Failed), "").await.unwrap_err(), "须提交其材料");
    let passed = s.conclude_acceptance(p.id, Conclusion::Passed, &record, "", &calendar, day("2026-11-09"), organizer);
    refused(passed.await.unwrap_err(), "存在否决情形");
    let failed = s.conclude_acceptance(p.id, Conclusion::Failed, &record, "", &calendar, day("2026-11-09"), organizer);
    let failed = failed.await.unwrap();
    assert_eq!(
        (failed.publicity_starts_on, failed.publicity_ends_on),
        (Some(day("2026-11-09")), Some(day("2026-11-13")))
    );
    assert_eq!(failed.acceptance.as_ref(), Some(&record), "the acceptance is frozen with its conclusion");
    // 公示 with an appeal: filed in the period, decided before the publicity closes.
    refused(s.file_appeal(p.id, "不服。", day("2026-11-16"), organizer).await.unwrap_err(), "不在结论公示期内");
    let appeal = s.file_appeal(p.id, "检测机构未采用约定的测试集。", day("2026-11-11"), organizer).await.unwrap();
    refused(s.finalize_conclusion(p.id, day("2026-11-13"), organizer).await.unwrap_err(), "公示期至");
    refused(s.finalize_conclusion(p.id, day("2026-11-16"), organizer).await.unwrap_err(), "尚有申诉未处理");
    let dismissed = s.decide_appeal(appeal.id, false, "测试集符合任务书约定。", organizer).await.unwrap();
    assert_eq!(dismissed.upheld, Some(false));
    s.finalize_conclusion(p.id, day("2026-11-16"), organizer).await.unwrap();
    refused(step(A::Designate, Party::Organizer, None, "").await.unwrap_err(), "只有验收通过");
    refused(s.list_accepted_model(p.id, organizer).await.unwrap_err(), "验收通过后方可列入");
    // Failed: put right by a date, then accepted again.
    refused(step(A::Rectify, Party::Organizer, None, " ").await.unwrap_err(), "须写明理由");
    step(A::Rectify, Party::Organizer, None, "时延指标未达承诺值，限期三个月整改。").await.unwrap();
    s.apply_for_acceptance(p.id, &materials, day("2026-11-20"), organizer).await.unwrap();
    s.start_testing(p.id, None, organizer).await.unwrap();
    s.submit_lab_report(p.id, &values(0.96), std::slice::from_ref(&report), "复测。", lab).await.unwrap();
    step(A::Review, Party::Organizer, None, "").await.unwrap();
    let record = lab_record(s, p.id).await;
    assert_eq!((record.judgement.share_met, record.judgement.suggested), (1.0, Conclusion::Passed));
    s.conclude_acceptance(p.id, Conclusion::Passed, &record, "", &calendar, day("2026-12-07"), organizer)
        .await
        .unwrap();
    s.finalize_conclusion(p.id, day("2026-12-14"), organizer).await.unwrap();
    step(A::Designate, Party::Organizer, None, "").await.unwrap();
    let done = s.get_project(p.id).await.unwrap();
    assert_eq!((done.state, done.conclusion), (ProjectState::Designated, Some(Conclusion::Passed)));
    let history = s.project_history(p.id).await.unwrap();
    assert_eq!(history.len(), 16);
    assert_eq!((history[0].action, history[0].from_state), (A::Sign, ProjectState::Drafting));
    assert_eq!(history[9].reason, "时延指标未达承诺值，限期三个月整改。");
    let audited: Vec<String> =
        s.list_audit_events(&format!("project:{}", p.id)).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(audited.contains(&"project.create".to_owned()) && audited.contains(&"project.designate".to_owned()));

    // The winner's model joins the supply catalogue with the values it was accepted on and the
    // lab's report as their evidence; once.
    let listed = s.list_accepted_model(p.id, organizer).await.unwrap();
    assert_eq!((listed.project_id, listed.organization_id), (Some(p.id), Some(done.lead_organization_id)));
    let claims: Vec<(String, f64, bool)> =
        listed.solution.claims.iter().map(|c| (c.indicator.name.clone(), c.value, c.holds)).collect();
    assert_eq!(claims.len(), 2, "{claims:?}");
    assert!(claims.iter().all(|(_, _, holds)| *holds), "{claims:?}");
    assert!(listed.solution.claims.iter().all(|c| matches!(
        &c.evidence,
        jiebang_core::catalogue::Evidence::LabReport { file_id, lab, .. } if *file_id == report.id && lab == "省检测中心"
    )));
    let again = s.list_accepted_model(p.id, organizer).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict { .. }), "{again}");
}

pub(crate) fn agreement() -> jiebang_core::project::Agreement {
    use jiebang_core::project::{Agreement, FundSource, FundingLine, PlannedMilestone, Tranche, TrancheTrigger};
    let milestone = |title: &str, due: &str| PlannedMilestone {
        title: title.into(),
        due: day(due),
        goal: format!("{title}完成"),
        indicators: vec![],
    };
    Agreement {
        start: day("2026-04-01"),
        end: day("2028-03-31"),
        content: "研制化工安全生产大模型并在三家企业应用。".into(),
        supervisor: "济南市工业和信息化局".into(),
        milestones: vec![milestone("数据治理", "2026-09-30"), milestone("模型训练", "2027-06-30")],
        budget: vec![
            FundingLine { source: FundSource::Provincial, amount_cny: 3e6 },
            FundingLine { source: FundSource::SelfRaised, amount_cny: 9e6 },
        ],
        tranches: vec![
            Tranche { amount_cny: 1e6, trigger: TrancheTrigger::OnSigning, milestone: None },
            Tranche { amount_cny: 1e6, trigger: TrancheTrigger::OnMilestone, milestone: Some(1) },
            Tranche { amount_cny: 1e6, trigger: TrancheTrigger::OnAcceptance, milestone: None },
        ],
        refund_factor: 1.0,
        progress_reports: Default::default(),
    }
}

/// A milestone report needs a summary and evidence, only the team's own scored submissions,
/// one at a time; a rectification opens it again; a passed one is closed.
async fn milestones_are_reported_with_evidence_and_reviewed(t: &TestStore, project: i64, organizer: i64) {
    use jiebang_core::project::MilestoneDecision as D;
    use jiebang_store::NewMilestoneReport;
    let s = &t.store;
    let report = |milestone, summary, submissions: &'static [i64], files: &'static [jiebang_store::StoredFile]| {
        NewMilestoneReport { milestone, summary, submissions, files }
    };
    let Err(StoreError::Domain(jiebang_core::Error::Invalid(problems))) =
        s.submit_milestone_report(project, &report(3, " ", &[999_999], &[]), organizer).await
    else {
        panic!("a report without a summary was taken")
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["milestone", "summary", "submissions"]);
    let file = s.save_file(&t.files, "数据治理报告.pdf", b"%PDF-1.4 milestone".to_vec(), None).await.unwrap();
    let files: &'static [jiebang_store::StoredFile] = Box::leak(vec![file.clone()].into_boxed_slice());
    let first = s.submit_milestone_report(project, &report(1, "完成数据治理。", &[], files), organizer).await.unwrap();
    assert_eq!((first.milestone, first.decision, first.files.len()), (1, None, 1));
    refused(
        s.submit_milestone_report(project, &report(1, "再报。", &[], files), organizer).await.unwrap_err(),
        "待评审",
    );
    let today = day("2026-10-08");
    let Err(StoreError::Domain(jiebang_core::Error::Invalid(problems))) =
        s.review_milestone_report(first.id, D::Rectify, "", Some(today), today, organizer).await
    else {
        panic!("a rectification without a note or a future deadline was taken")
    };
    assert_eq!(problems.iter().map(|p| p.field.as_str()).collect::<Vec<_>>(), ["note", "rectify_by"]);
    let deadline = Some(day("2026-11-08"));
    let rectify = s.review_milestone_report(first.id, D::Rectify, "缺少数据质量评估。", deadline, today, organizer);
    assert_eq!(rectify.await.unwrap().rectify_by, deadline);
    refused(s.review_milestone_report(first.id, D::Passed, "", None, today, organizer).await.unwrap_err(), "已评审");
    let again = s.submit_milestone_report(project, &report(1, "补充质量评估。", &[], files), organizer).await.unwrap();
    s.review_milestone_report(again.id, D::Passed, "", None, today, organizer).await.unwrap();
    refused(
        s.submit_milestone_report(project, &report(1, "三报。", &[], files), organizer).await.unwrap_err(),
        "已通过",
    );
    let reports = s.milestone_reports(project).await.unwrap();
    let decisions: Vec<Option<D>> = reports.iter().map(|r| r.decision).collect();
    assert_eq!(decisions, [Some(D::Rectify), Some(D::Passed)]);
    // The evidence is in use: file collection keeps it.
    s.collect_unreferenced(&t.files, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(s.milestone_report(again.id).await.unwrap().files, std::slice::from_ref(&file));
    assert_eq!(t.files.get(&file.key).await.unwrap(), b"%PDF-1.4 milestone");
}

/// The acceptance as the application layer computes it, from the labs' reports alone.
async fn lab_record(s: &Store, project: i64) -> jiebang_core::project::AcceptanceRecord {
    use jiebang_core::project::{
        AcceptanceFindings, AcceptanceRecord, AcceptanceRules, Measurement, judge_acceptance, ledger,
    };
    let project = s.get_project(project).await.unwrap();
    let measured: Vec<Measurement> = s
        .lab_reports(project.id)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|r| {
            r.measured.into_iter().map(move |(metric, value)| Measurement {
                metric,
                value,
                source: format!("lab:{}", r.id),
                at: r.submitted_at.clone(),
            })
        })
        .collect();
    let rows = ledger(&project.committed, &measured);
    let achieved = rows.iter().filter_map(|r| Some((r.verdict.metric.clone(), r.verdict.achieved?))).collect();
    let findings = AcceptanceFindings::default();
    let judgement = judge_acceptance(&project.committed, &achieved, findings, AcceptanceRules::default());
    AcceptanceRecord { rows, judgement, findings }
}
