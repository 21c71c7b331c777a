//! Projects over the API: each step by its own party, the history to the parties only.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::TestApp;
use sha2::Digest;

#[tokio::test]
async fn each_project_step_is_taken_by_its_party_and_the_history_stays_with_the_parties() {
    let app = TestApp::new().await;
    let actions = format!("/api/v1/projects/{}/actions", app.project);
    let step = |who: &'static str, action: &str| {
        let (app, actions) = (&app, actions.clone());
        let body = json!({"action": action});
        async move { app.json(Method::POST, &actions, Some(who), Some(body)).await }
    };
    // The lead unit cannot sign for the organizers, nor the organizers apply for the team.
    assert_eq!(step("applicant", "sign").await.0, StatusCode::FORBIDDEN);
    let (status, refusal) = step("organizer", "sign").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(refusal.to_string().contains("任务书尚未编制"), "{refusal}");
    let agreement = json!({
        "start": "2026-01-01", "end": "2026-12-31", "content": "研制。",
        "milestones": [{"title": "初版", "due": "2026-06-30", "goal": "完成"}],
        "budget": [{"source": "self_raised", "amount_cny": 1000000.0}], "tranches": [], "refund_factor": 0.5
    });
    let path = format!("/api/v1/projects/{}/agreement", app.project);
    assert_eq!(app.json(Method::PUT, &path, Some("applicant"), Some(agreement)).await.0, StatusCode::OK);
    let (status, signed) = step("organizer", "sign").await;
    assert_eq!((status, signed["state"].as_str()), (StatusCode::OK, Some("signed")), "{signed}");
    assert_eq!(step("organizer", "start").await.0, StatusCode::OK);
    assert_eq!(step("organizer", "apply_acceptance").await.0, StatusCode::FORBIDDEN);
    // Acceptance is applied for with its materials, not by a bare step.
    let (status, refusal) = step("applicant", "apply_acceptance").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(refusal.to_string().contains("须提交其材料"), "{refusal}");
    // Out of turn: a conflict that names both states.
    let (status, refusal) = step("organizer", "designate").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(refusal.to_string().contains("实施中"), "{refusal}");
    // Termination needs its reason.
    let (status, refusal) = step("organizer", "terminate").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(refusal.to_string().contains("理由"), "{refusal}");
    let history = format!("/api/v1/projects/{}/history", app.project);
    let (status, steps) = app.json(Method::GET, &history, Some("applicant"), None).await;
    let actions: Vec<&str> = steps.as_array().unwrap().iter().map(|s| s["action"].as_str().unwrap()).collect();
    assert_eq!((status, actions), (StatusCode::OK, vec!["sign", "start"]));
    assert_eq!(app.json(Method::GET, &history, Some("other_organizer"), None).await.0, StatusCode::FORBIDDEN);
    // Anyone reads the project and its committed indicators.
    let (status, project) = app.json(Method::GET, &format!("/api/v1/projects/{}", app.project), None, None).await;
    assert_eq!((status, project["name"].as_str()), (StatusCode::OK, Some("云鼎化工行业大模型")));
}

/// The lead unit drafts the agreement (refused whole when wrong), the organizers sign it (its
/// hash and signature check out), the team reports a milestone with a signed report as evidence,
/// the ledger reads the committed value against what the team itself may see, a passed milestone
/// makes its tranche releasable, and the agreement stays with the parties.
#[tokio::test]
async fn an_agreement_is_signed_and_a_milestone_with_evidence_fills_the_ledger_and_releases_its_tranche() {
    let app = TestApp::new().await;
    let project = app.project;
    // The team sees the report of its scored submission; commit to a little more than one metric
    // reached, and to a little less than another.
    let (status, report) =
        app.json(Method::GET, &format!("/api/v1/submissions/{}/report", app.scored), Some("applicant"), None).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let metrics = report["report"]["metrics"].as_object().unwrap().clone();
    let (metric, value) = metrics.iter().find_map(|(k, v)| Some((k.clone(), v.as_f64()?))).expect("a metric");
    let committed = json!([
        {"name": "甲指标", "target": {"metric": metric, "op": ">=", "threshold": value / 2.0}, "committed": value + 0.01, "key": true},
        {"name": "乙指标", "target": {"metric": metric, "op": ">=", "threshold": 0.0}, "committed": value - 0.01, "key": false},
        {"name": "丙指标", "target": {"metric": "ttft_p99_ms", "op": "<=", "threshold": 1000.0}, "committed": 500.0, "key": false},
    ]);
    app.t
        .store
        .execute_unchecked(&format!("UPDATE projects SET committed = '{committed}' WHERE id = {project}"))
        .await
        .unwrap();
    let agreement_path = format!("/api/v1/projects/{project}/agreement");
    let mut agreement = json!({
        "start": "2026-01-01", "end": "2027-12-31", "content": "研制化工安全生产大模型。", "supervisor": "济南市工业和信息化局",
        "milestones": [
            {"title": "模型初版", "due": "2026-06-30", "goal": "甲指标达到承诺值", "indicators": ["甲指标", "丁指标"]},
            {"title": "应用验证", "due": "2027-06-30", "goal": "三家企业应用"}
        ],
        "budget": [{"source": "provincial", "amount_cny": 2000000.0}, {"source": "self_raised", "amount_cny": 6000000.0}],
        "tranches": [
            {"amount_cny": 1000000.0, "trigger": "on_signing"},
            {"amount_cny": 500000.0, "trigger": "on_milestone", "milestone": 1},
            {"amount_cny": 500000.0, "trigger": "on_acceptance"}
        ],
        "refund_factor": 1.0,
        "progress_reports": "quarterly"
    });
    let (status, refused) = app.json(Method::PUT, &agreement_path, Some("applicant"), Some(agreement.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused.to_string().contains("milestones[0].indicators"), "{refused}");
    agreement["milestones"][0]["indicators"] = json!(["甲指标"]);
    assert_eq!(
        app.json(Method::PUT, &agreement_path, Some("organizer"), Some(agreement.clone())).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, drafted) = app.json(Method::PUT, &agreement_path, Some("applicant"), Some(agreement.clone())).await;
    assert_eq!((status, drafted["agreement_sha256"].is_null()), (StatusCode::OK, true), "{drafted}");
    let actions = format!("/api/v1/projects/{project}/actions");
    for action in ["sign", "start"] {
        let (status, body) = app.json(Method::POST, &actions, Some("organizer"), Some(json!({"action": action}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(
        app.json(Method::PUT, &agreement_path, Some("applicant"), Some(agreement)).await.0,
        StatusCode::CONFLICT,
        "a signed agreement changes only through an approved change"
    );

    // Quarterly reports from 2026-Q1 to 2027-Q3 (2027-Q4 goes with the acceptance): the lead
    // unit files one, late, through the page; the recommending unit reads it.
    let progress = format!("/api/v1/projects/{project}/progress");
    let (_, periods) = app.json(Method::GET, &progress, Some("recommender"), None).await;
    let periods = periods.as_array().unwrap().clone();
    assert_eq!((periods.len(), periods[0]["period"]["label"].as_str()), (7, Some("2026-Q1")));
    assert_eq!(periods[0]["status"], "overdue", "due 2026-04-15");
    let filed = vec![("period", "2026-Q1"), ("summary", "完成数据治理。"), ("spent_cny", "300000")];
    let cookie = app.login_cookie("applicant").await;
    let (status, headers, _) =
        app.send(app.form(&format!("/projects/{project}/progress"), Some(&cookie), &filed)).await;
    assert_eq!(
        (status, headers["location"].to_str().unwrap()),
        (StatusCode::SEE_OTHER, &*format!("/projects/{project}"))
    );
    let (_, periods) = app.json(Method::GET, &progress, Some("recommender"), None).await;
    assert_eq!(
        (periods[0]["status"].as_str(), periods[0]["report"]["spent_cny"].as_f64()),
        (Some("filed_late"), Some(3e5))
    );
    let again = json!({"period": "2026-Q1", "summary": "重复", "spent_cny": 1.0});
    assert_eq!(app.json(Method::POST, &progress, Some("applicant"), Some(again.clone())).await.0, StatusCode::CONFLICT);
    assert_eq!(app.json(Method::POST, &progress, Some("organizer"), Some(again)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.json(Method::GET, &progress, None, None).await.0, StatusCode::UNAUTHORIZED);
    let (status, signed) = app.json(Method::GET, &agreement_path, Some("applicant"), None).await;
    assert_eq!(status, StatusCode::OK);
    let text = jiebang_core::canonical::to_string(&signed["agreement"]);

    assert_eq!(signed["sha256"].as_str().unwrap(), hex::encode(sha2::Sha256::digest(text.as_bytes())));
    assert!(jiebang_store::signing::verify(
        signed["public_key"].as_str().unwrap(),
        text.as_bytes(),
        signed["signature"].as_str().unwrap()
    ));
    assert_eq!(app.json(Method::GET, &agreement_path, None, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.json(Method::GET, &agreement_path, Some("other_organizer"), None).await.0, StatusCode::FORBIDDEN);

    // A milestone report: a file that is not a PDF is refused and not kept; then the evidence.
    let milestones = format!("/api/v1/projects/{project}/milestones");
    let fields = |submissions: String| {
        vec![("milestone", "1".to_owned()), ("summary", "模型初版完成。".to_owned()), ("submissions", submissions)]
    };
    let (status, _, body) =
        app.send(app.upload_with(&milestones, Some("applicant"), &fields(String::new()), "a.txt", b"text")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", String::from_utf8_lossy(&body));
    let (status, _, body) = app
        .send(app.upload_with(
            &milestones,
            Some("applicant"),
            &fields(format!("{}, 999999", app.scored)),
            "m.pdf",
            b"%PDF-1.4 m",
        ))
        .await;
    let body = String::from_utf8_lossy(&body);
    assert!(status == StatusCode::UNPROCESSABLE_ENTITY && body.contains("不存在"), "{status} {body}");
    // The signed report is the team's until a milestone report cites it; then anyone reads it.
    let signed_report = format!("/api/v1/submissions/{}/report", app.scored);
    assert_eq!(app.json(Method::GET, &signed_report, None, None).await.0, StatusCode::UNAUTHORIZED);
    // A submission still queued counts once scored; the ledger reads the scored one now.
    let evidence = format!("#{}，{}", app.scored, app.queued);
    let (status, _, body) =
        app.send(app.upload_with(&milestones, Some("applicant"), &fields(evidence), "m.pdf", b"%PDF-1.4 m")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let report: serde_json::Value = serde_json::from_slice(&body).unwrap();

    // The ledger, for anyone: the committed value decides, and nothing unmeasured is met.
    let (status, ledger) = app.json(Method::GET, &format!("/api/v1/projects/{project}/ledger"), None, None).await;
    assert_eq!(status, StatusCode::OK);
    let rows = ledger["rows"].as_array().unwrap();
    let row = |i: usize| (rows[i]["achieved"].as_f64(), rows[i]["met"].as_bool().unwrap());
    assert_eq!(row(0), (Some(value), false));
    assert_eq!(row(1), (Some(value), true));
    assert_eq!(row(2), (None, false));
    assert_eq!(rows[0]["source"], format!("submission:{}", app.scored));
    let (status, evidence) = app.json(Method::GET, &signed_report, None, None).await;
    assert_eq!((status, evidence["canonicalization"].as_str()), (StatusCode::OK, Some("RFC8785")), "{evidence}");
    let (status, _, page) =
        app.send(app.request(Method::GET, &format!("/submissions/{}/report", app.scored), None, None)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&page));

    // Reviewed: the organizers only; a passed milestone releases its tranche.
    let review = format!("/api/v1/milestone-reports/{}/review", report["id"]);
    let pass = json!({"decision": "passed"});
    assert_eq!(app.json(Method::POST, &review, Some("applicant"), Some(pass.clone())).await.0, StatusCode::FORBIDDEN);
    let tranches = format!("/api/v1/projects/{project}/tranches");
    let releasable = |body: serde_json::Value| -> Vec<bool> {
        body.as_array().unwrap().iter().map(|t| t["releasable"].as_bool().unwrap()).collect()
    };
    assert_eq!(releasable(app.json(Method::GET, &tranches, Some("applicant"), None).await.1), [true, false, false]);
    assert_eq!(app.json(Method::POST, &review, Some("organizer"), Some(pass)).await.0, StatusCode::OK);
    assert_eq!(releasable(app.json(Method::GET, &tranches, Some("organizer"), None).await.1), [true, true, false]);
    // In numbers: the tranches to the organizers only; the list as a sheet to anyone.
    let statistics = format!("/api/v1/programs/{}/projects/statistics", app.program);
    let (_, numbers) = app.json(Method::GET, &statistics, Some("organizer"), None).await;
    assert_eq!(
        (numbers["tranches"]["releasable_cny"].as_f64(), numbers["tranches"]["withheld_cny"].as_f64()),
        (Some(1.5e6), Some(5e5))
    );
    assert!(app.json(Method::GET, &statistics, None, None).await.1["tranches"].is_null());
    let export = format!("/api/v1/programs/{}/projects/export?format=csv", app.program);
    let (status, _, csv) = app.send(app.request(Method::GET, &export, None, None)).await;
    let csv = String::from_utf8_lossy(&csv);
    assert!(status == StatusCode::OK && csv.contains("项目名称") && csv.contains("云鼎化工行业大模型,"), "{csv}");
    let (status, views) = app.json(Method::GET, &milestones, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(views[0]["status"], "passed");
    assert!(views[0]["reports"].as_array().unwrap().is_empty(), "reports are the parties' own");

    // The page shows the ledger and the chart to the public, the evidence to the parties.
    let (status, _, page) = app.send(app.request(Method::GET, &format!("/projects/{project}"), None, None)).await;
    let page = String::from_utf8_lossy(&page);
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"ledger-chart\"") && page.contains("甲指标"), "{page}");
    assert!(!page.contains("m.pdf") && !page.contains("project-tranches"));
    let (_, _, page) =
        app.send(app.request(Method::GET, &format!("/projects/{project}"), Some("applicant"), None)).await;
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("m.pdf") && page.contains("project-tranches") && page.contains("模型初版完成"));
    assert!(page.contains("data-status=\"filed_late\"") && page.contains("data-testid=\"progress-form\""));
    let (status, _, printed) =
        app.send(app.request(Method::GET, &format!("/projects/{project}/agreement"), Some("organizer"), None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&printed).contains(signed["sha256"].as_str().unwrap()));

    // Terminated: nothing more is released, and what was (signing, milestone 1) is owed back at
    // the agreement's factor.
    let terminate = json!({"action": "terminate", "reason": "核心团队解散"});
    let (status, body) = app.json(Method::POST, &actions, Some("organizer"), Some(terminate)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, views) = app.json(Method::GET, &tranches, Some("applicant"), None).await;
    let owed: Vec<Option<f64>> = views.as_array().unwrap().iter().map(|t| t["refund_cny"].as_f64()).collect();
    assert_eq!(owed, [Some(1e6), Some(5e5), None]);
    assert_eq!(releasable(views), [false, false, false]);
    let (_, numbers) = app.json(Method::GET, &statistics, Some("organizer"), None).await;
    assert_eq!(numbers["tranches"]["refund_cny"].as_f64(), Some(1.5e6));
    let (_, _, page) =
        app.send(app.request(Method::GET, &format!("/projects/{project}"), Some("applicant"), None)).await;
    assert!(String::from_utf8_lossy(&page).contains("合计（元）：1500000"));
}

/// A change goes from the lead unit through the recommending unit (the recommender of its
/// region) to the organizers, each refused the others' step; a mid-term check scores the
/// completion item from the ledger, not from what the organizers say.
#[tokio::test]
async fn a_change_passes_through_each_party_in_turn_and_a_mid_term_check_scores_from_the_ledger() {
    let app = TestApp::new().await;
    let project = app.project;
    let agreement = json!({
        "start": "2026-01-01", "end": "2030-12-31", "content": "研制。",
        "milestones": [{"title": "初版", "due": "2026-06-30", "goal": "完成"}],
        "budget": [{"source": "self_raised", "amount_cny": 1000000.0}], "tranches": [], "refund_factor": 1
    });
    let path = format!("/api/v1/projects/{project}/agreement");
    assert_eq!(app.json(Method::PUT, &path, Some("applicant"), Some(agreement)).await.0, StatusCode::OK);
    let actions = format!("/api/v1/projects/{project}/actions");
    for action in ["sign", "start"] {
        assert_eq!(
            app.json(Method::POST, &actions, Some("organizer"), Some(json!({"action": action}))).await.0,
            StatusCode::OK
        );
    }
    let changes = format!("/api/v1/projects/{project}/changes");
    let extension = json!({"kind": "extension", "reason": "示范企业产线改造推迟。", "new_end": "2031-06-30"});
    assert_eq!(
        app.json(Method::POST, &changes, Some("organizer"), Some(extension.clone())).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, asked) = app.json(Method::POST, &changes, Some("applicant"), Some(extension)).await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    let check = format!("/api/v1/changes/{}/check", asked["id"]);
    let decide = format!("/api/v1/changes/{}/decision", asked["id"]);
    let yes = json!({"approve": true, "note": "同意。"});
    assert_eq!(app.json(Method::POST, &check, Some("organizer"), Some(yes.clone())).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.json(Method::POST, &decide, Some("recommender"), Some(yes.clone())).await.0, StatusCode::FORBIDDEN);
    // The test program asks for recommendations: the organizers wait for the check.
    assert_eq!(app.json(Method::POST, &decide, Some("organizer"), Some(yes.clone())).await.0, StatusCode::CONFLICT);
    let (status, checked) = app.json(Method::POST, &check, Some("recommender"), Some(yes.clone())).await;
    assert_eq!((status, checked["state"].as_str()), (StatusCode::OK, Some("checked")), "{checked}");
    let (status, approved) = app.json(Method::POST, &decide, Some("organizer"), Some(yes)).await;
    assert_eq!((status, approved["state"].as_str()), (StatusCode::OK, Some("approved")), "{approved}");
    let (_, moved) = app.json(Method::GET, &format!("/api/v1/projects/{project}"), None, None).await;
    assert_eq!(moved["extended_end"], "2031-06-30");
    assert_eq!(app.json(Method::GET, &changes, Some("recommender"), None).await.0, StatusCode::OK);
    assert_eq!(app.json(Method::GET, &changes, Some("expert"), None).await.0, StatusCode::FORBIDDEN);

    // The mid-term check: nothing is measured yet, so the completion item scores nothing.
    assert_eq!(
        app.json(Method::POST, &actions, Some("organizer"), Some(json!({"action": "open_mid_term"}))).await.0,
        StatusCode::OK
    );
    let sheet = json!({"completion_points": 60, "integrity_veto": false, "items": [
        {"name": "技术路线", "points": 20, "score": 18}, {"name": "经费", "points": 20, "score": 15}]});
    let mid_term = format!("/api/v1/projects/{project}/mid-term");
    let body = json!({"sheet": sheet, "outcome": "continue"});
    assert_eq!(app.json(Method::POST, &mid_term, Some("applicant"), Some(body.clone())).await.0, StatusCode::FORBIDDEN);
    let (status, check) = app.json(Method::POST, &mid_term, Some("organizer"), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{check}");
    assert_eq!((check["share_met"].as_f64(), check["total"].as_f64()), (Some(0.0), Some(33.0)));
    let (_, continued) = app.json(Method::GET, &format!("/api/v1/projects/{project}"), None, None).await;
    assert_eq!(continued["state"], "in_progress");
}

/// A multipart body of PDFs, one under each field.
fn pdfs(path: &str, who: &str, app: &TestApp, fields: &[&str]) -> axum::http::Request<axum::body::Body> {
    let boundary = "jiebang-test-boundary";
    let mut body = Vec::new();
    for field in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{field}.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 {field}\r\n").into_bytes());
    }
    body.extend(format!("--{boundary}--\r\n").into_bytes());
    axum::http::Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(axum::http::header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {}", app.tokens[who]))
        .body(axum::body::Body::from(body))
        .unwrap()
}

/// Acceptance over the API: the materials checklist, testing on the challenge's phase (the
/// platform's signed report is the evidence), the veto refusing 通过, the conclusion in
/// publicity with an appeal, and the concluded record public.
#[tokio::test]
async fn an_acceptance_is_judged_from_the_acceptance_phase_and_its_conclusion_is_public() {
    let app = TestApp::new().await;
    let project = app.project;
    // Commit to beat what the scored submission reached on every row: a miss, so a veto.
    let (_, report) =
        app.json(Method::GET, &format!("/api/v1/submissions/{}/report", app.scored), Some("organizer"), None).await;
    let (metric, value) = report["report"]["metrics"]
        .as_object()
        .unwrap()
        .iter()
        .find_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
        .unwrap();
    let committed = json!([{"name": "甲指标", "target": {"metric": metric, "op": ">=", "threshold": 0.0}, "committed": value + 0.01, "key": true}]);
    app.t
        .store
        .execute_unchecked(&format!("UPDATE projects SET committed = '{committed}' WHERE id = {project}"))
        .await
        .unwrap();
    let agreement = json!({
        "start": "2026-01-01", "end": "2026-12-31", "content": "研制。",
        "milestones": [{"title": "初版", "due": "2026-06-30", "goal": "完成"}],
        "budget": [{"source": "self_raised", "amount_cny": 1000000.0}], "tranches": [], "refund_factor": 1
    });
    let path = format!("/api/v1/projects/{project}/agreement");
    assert_eq!(app.json(Method::PUT, &path, Some("applicant"), Some(agreement)).await.0, StatusCode::OK);
    let actions = format!("/api/v1/projects/{project}/actions");
    let act = |who: &'static str, body: serde_json::Value| {
        let (app, actions) = (&app, actions.clone());
        async move { app.json(Method::POST, &actions, Some(who), Some(body)).await }
    };
    for action in ["sign", "start"] {
        assert_eq!(act("organizer", json!({"action": action})).await.0, StatusCode::OK);
    }
    let acceptance = format!("/api/v1/projects/{project}/acceptance");
    let (status, _, body) =
        app.send(pdfs(&acceptance, "applicant", &app, &["application_form", "summary_report"])).await;
    let body = String::from_utf8_lossy(&body);
    assert!(
        status == StatusCode::UNPROCESSABLE_ENTITY && body.contains("finance_report") && body.contains("user_opinion"),
        "{body}"
    );
    let all = ["application_form", "summary_report", "finance_report", "user_opinion"];
    assert_eq!(app.send(pdfs(&acceptance, "organizer", &app, &all)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.send(pdfs(&acceptance, "applicant", &app, &all)).await.0, StatusCode::OK);
    let (status, started) = act("organizer", json!({"action": "start_testing", "phase_id": app.phase})).await;
    assert_eq!((status, started["acceptance_phase_id"].as_i64()), (StatusCode::OK, Some(app.phase)), "{started}");
    assert_eq!(act("organizer", json!({"action": "review"})).await.0, StatusCode::OK);
    let (_, view) = app.json(Method::GET, &acceptance, Some("organizer"), None).await;
    let current = &view["current"];
    assert_eq!(current["rows"][0]["achieved"].as_f64(), Some(value), "{view}");
    assert_eq!(current["rows"][0]["source"], format!("submission:{}", app.scored));
    assert_eq!(current["judgement"]["vetoes"], json!(["low_completion"]));
    assert_eq!(view["materials"].as_array().unwrap().len(), 4);
    let (status, refusal) = act("organizer", json!({"action": "conclude", "conclusion": "passed"})).await;
    assert!(status == StatusCode::CONFLICT && refusal.to_string().contains("否决"), "{refusal}");
    let evidence = format!("/api/v1/submissions/{}/report", app.scored);
    assert_eq!(app.json(Method::GET, &evidence, None, None).await.0, StatusCode::UNAUTHORIZED);
    let (status, concluded) =
        act("organizer", json!({"action": "conclude", "conclusion": "failed", "findings": {"false_data": true}})).await;
    // Concluded, the record and the signed report it was judged from are public.
    assert_eq!(app.json(Method::GET, &evidence, None, None).await.0, StatusCode::OK);
    assert_eq!((status, concluded["state"].as_str()), (StatusCode::OK, Some("conclusion_publicity")), "{concluded}");
    assert_eq!(concluded["acceptance"]["judgement"]["vetoes"], json!(["low_completion", "false_data"]));
    // The team appeals within the period; the publicity cannot close before its last day.
    let appeals = format!("/api/v1/projects/{project}/appeals");
    let content = json!({"content": "测试集不是任务书约定的版本。"});
    assert_eq!(
        app.json(Method::POST, &appeals, Some("organizer"), Some(content.clone())).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, appeal) = app.json(Method::POST, &appeals, Some("applicant"), Some(content)).await;
    assert_eq!(status, StatusCode::OK, "{appeal}");
    let (status, refusal) = act("organizer", json!({"action": "finalize"})).await;
    assert!(status == StatusCode::CONFLICT && refusal.to_string().contains("公示期至"), "{refusal}");
    let decision = format!("/api/v1/appeals/{}/decision", appeal["id"]);
    let upheld = json!({"upheld": true, "note": "核实测试集版本。"});
    assert_eq!(
        app.json(Method::POST, &decision, Some("applicant"), Some(upheld.clone())).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.json(Method::POST, &decision, Some("organizer"), Some(upheld)).await.0, StatusCode::OK);
    let (_, back) = app.json(Method::GET, &format!("/api/v1/projects/{project}"), None, None).await;
    assert_eq!(back["state"], "acceptance_review", "an upheld appeal sends it back to review");
    // The public reads the concluded record, not the materials.
    let (status, public) = app.json(Method::GET, &acceptance, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        public["concluded"]["rows"][0]["achieved"].is_number() && public["materials"].as_array().unwrap().is_empty()
    );
}
