//! The selection API end to end: applications and a consortium clash, recommendation, the formal
//! check, a seeded draw that skips a conflicted expert, reviews, ranking, 公示 with an objection
//! whose filer stays hidden from the applicant, 公告 after the period, and the exported list.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{TestApp, application_json};

async fn token_for(app: &TestApp, email: &str) -> (i64, String) {
    let user = app.t.store.create_user(email, email, "correct-horse-42").await.unwrap();
    (user.id, app.t.store.create_api_token(user.id, "t", None).await.unwrap().1)
}

/// Sends a request with a raw bearer token.
async fn as_token(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = app.request(method, path, None, body.as_ref());
    request.headers_mut().insert(axum::http::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    let (status, _, bytes) = app.send(request).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_program_goes_from_applications_to_an_announced_list_over_the_api() {
    let app = TestApp::new().await;
    let (p, a1) = (app.program, app.application);
    let ok = |status: StatusCode, body: &Value| assert!(status.is_success(), "{status}: {body}");

    // A second Jinan unit applies through the admin; taking the applicant's unit along clashes.
    let org2 = jiebang_core::organization::OrganizationInput {
        name: "济南精机".into(),
        credit_code: jiebang_core::uscc::CreditCode::with_check_character("91370100MA3DEM099").unwrap().to_string(),
        kind: "enterprise".into(),
        region: "370102".into(),
        industries: vec![],
        ..Default::default()
    };
    let org2 = app.t.store.create_organization(&org2.validate().unwrap(), None).await.unwrap().id;
    let mut clash = application_json(org2, "精机质检大模型");
    clash["joint_units"] = json!([{"organization_id": app.organization, "role": "user", "work": "应用验证"}]);
    let apply = format!("/api/v1/challenges/{}/applications", app.challenge);
    // A draft naming the test app's unit reserves nothing and is not shown to that unit.
    let (status, body) = app.json(Method::POST, &apply, Some("admin"), Some(clash)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let draft = body["id"].as_i64().unwrap();
    let (status, _) = app.json(Method::GET, &format!("/api/v1/applications/{draft}"), Some("applicant"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the named unit does not see another's draft");
    app.t.store.delete_application(draft, app.ids["admin"]).await.unwrap();
    let mut weak = application_json(org2, "精机质检大模型");
    weak["commitments"][0]["value"] = json!(0.5);
    let (status, body) = app.json(Method::POST, &apply, Some("admin"), Some(weak)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["details"][0]["field"], "commitments[0].value", "{body}");
    let (status, body) =
        app.json(Method::POST, &apply, Some("admin"), Some(application_json(org2, "精机质检大模型"))).await;
    ok(status, &body);
    let a2 = body["id"].as_i64().unwrap();
    let attach = format!("/api/v1/applications/{a2}/attachments");
    let (status, _, _) = app.send(app.upload(&attach, Some("admin"), "联合协议.pdf", b"%PDF-1.4\n%demo\n")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // 15 MiB is within the documented 20 MiB; 21 MiB is a 413 in the envelope.
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(15 << 20, b' ');
    let (status, _, body) = app.send(app.upload(&attach, Some("admin"), "可研报告.pdf", &pdf)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{}", String::from_utf8_lossy(&body));
    pdf.resize(21 << 20, b' ');
    let (status, _, body) = app.send(app.upload(&attach, Some("admin"), "过大.pdf", &pdf)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["error"]["code"], "too_large");
    let (status, _, body) = app.send(app.upload(&attach, Some("admin"), "预算.csv", b"a,b\n1,2\n")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(String::from_utf8_lossy(&body).contains("不是 PDF"));
    // The refused file is not kept.
    assert_eq!(app.t.store.execute_unchecked("DELETE FROM files WHERE name = '预算.csv'").await.unwrap(), 0);
    let act =
        |id: i64, action: &str| (format!("/api/v1/applications/{id}/actions"), json!({"action": action, "reason": ""}));
    for (who, id) in [("applicant", a1), ("admin", a2)] {
        let (path, body) = act(id, "submit");
        let (status, body) = app.json(Method::POST, &path, Some(who), Some(body)).await;
        ok(status, &body);
        assert_eq!(body["state"], "submitted");
        assert_eq!(body["snapshot_sha256"].as_str().unwrap().len(), 64);
    }
    let (status, headers, snapshot) = app
        .send(app.request(Method::GET, &format!("/api/v1/applications/{a1}/snapshot"), Some("applicant"), None))
        .await;
    assert_eq!(status, StatusCode::OK);
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&snapshot));
    assert_eq!(headers["x-snapshot-sha256"].to_str().unwrap(), digest, "the snapshot is served as hashed");
    // Signed, it verifies from its parsed value, and its hash is that of the canonical form.
    let (status, signed) = app
        .json(Method::GET, &format!("/api/v1/applications/{a1}/snapshot?signed=true"), Some("applicant"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let canonical = jiebang_core::canonical::to_string(&signed["snapshot"]);
    assert_eq!(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(canonical.as_bytes())), digest);
    let key = signed["public_key"].as_str().unwrap();
    assert!(jiebang_store::signing::verify_document(key, &signed["snapshot"], signed["signature"].as_str().unwrap()));
    let (status, _) = app.json(Method::GET, &format!("/api/v1/applications/{a2}"), Some("applicant"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another unit's application is invisible");

    // The Jinan recommender sees and recommends both; only organizers pass the formal check.
    let (_, listed) =
        app.json(Method::GET, &format!("/api/v1/programs/{p}/applications"), Some("recommender"), None).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    for id in [a1, a2] {
        let (path, body) = act(id, "pass_check");
        let (status, _) = app.json(Method::POST, &path, Some("recommender"), Some(body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (path, body) = act(id, "recommend");
        let (status, body) = app.json(Method::POST, &path, Some("recommender"), Some(body)).await;
        ok(status, &body);
        let (path, body) = act(id, "pass_check");
        let (status, body) = app.json(Method::POST, &path, Some("organizer"), Some(body)).await;
        ok(status, &body);
    }
    let transition = format!("/api/v1/programs/{p}/transition");
    for to in ["applications_closed", "under_review"] {
        let (status, body) = app.json(Method::POST, &transition, Some("organizer"), Some(json!({"to": to}))).await;
        ok(status, &body);
    }
    let mut program = crate::program_json("已发榜批次");
    program["rules"] = json!({"experts_per_application": 3});
    let (status, body) =
        app.json(Method::PUT, &format!("/api/v1/programs/{p}"), Some("organizer"), Some(program)).await;
    ok(status, &body);

    // Four experts; the last works for the applicant's unit.
    let mut experts = vec![(app.ids["expert"], app.tokens["expert"].clone())];
    for i in 1..4 {
        experts.push(token_for(&app, &format!("e{i}@example.cn")).await);
    }
    let mut expert_ids = Vec::new();
    for (i, (user, _)) in experts.iter().enumerate() {
        let current = if i == 3 { vec![app.organization] } else { vec![] };
        let body = json!({"user_id": user, "name": format!("专家{i}"), "current_organizations": current});
        let (status, body) = app.json(Method::POST, "/api/v1/experts", Some("admin"), Some(body)).await;
        ok(status, &body);
        expert_ids.push(body["id"].as_i64().unwrap());
    }
    let (status, draw) = app
        .json(Method::POST, &format!("/api/v1/programs/{p}/draws"), Some("organizer"), Some(json!({"seed": 7})))
        .await;
    ok(status, &draw);
    assert_eq!(draw["seed"], "7");
    assert!(!draw["assignments"].as_array().unwrap().contains(&json!([a1, expert_ids[3]])), "{draw}");
    let assign = format!("/api/v1/applications/{a1}/assignments");
    let (status, body) = app.json(Method::POST, &assign, Some("organizer"), Some(json!({"expert_id": 999_999}))).await;
    assert_eq!(
        (status, body["error"]["details"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("expert_id"))
    );
    let (status, _) = as_token(&app, &experts[3].1, Method::GET, &format!("/api/v1/applications/{a1}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a conflicted expert cannot see the application");
    let (status, _) =
        app.json(Method::POST, &format!("/api/v1/programs/{p}/ranking"), Some("organizer"), Some(json!({}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "ranking waits for every review");
    for pair in draw["assignments"].as_array().unwrap() {
        let (application, expert) = (pair[0].as_i64().unwrap(), pair[1].as_i64().unwrap());
        let token = &experts[expert_ids.iter().position(|e| *e == expert).unwrap()].1;
        let total = if application == a1 { 9.0 } else { 7.0 };
        let review =
            json!({"scores": [total, total, total + 4.0, total, total - 2.0, total, total - 2.0], "comment": "意见"});
        let (status, body) =
            as_token(&app, token, Method::POST, &format!("/api/v1/applications/{application}/reviews"), Some(review))
                .await;
        ok(status, &body);
    }
    let (_, reviews) =
        app.json(Method::GET, &format!("/api/v1/applications/{a1}/reviews"), Some("organizer"), None).await;
    assert_eq!(reviews.as_array().unwrap().len(), 3);
    let (status, ranked) =
        app.json(Method::POST, &format!("/api/v1/programs/{p}/ranking"), Some("organizer"), Some(json!({}))).await;
    ok(status, &ranked);
    let first = ranked.as_array().unwrap().iter().find(|a| a["id"] == a1).unwrap();
    assert_eq!((first["rank"].as_i64(), first["proposed"].as_bool()), (Some(1), Some(true)), "{ranked}");

    // 公示: public list, an objection whose filer the applicant never sees, 公告 after the period.
    let (status, body) = app
        .json(
            Method::POST,
            &format!("/api/v1/programs/{p}/publicity"),
            Some("organizer"),
            Some(json!({"contact": "0531-1234"})),
        )
        .await;
    ok(status, &body);
    let (status, notice) = app.json(Method::GET, &format!("/api/v1/programs/{p}/publicity"), None, None).await;
    ok(status, &notice);
    let rows = notice["rows"].as_array().unwrap();
    assert_eq!((rows.len(), rows[0]["project_name"].as_str()), (1, Some("云鼎化工行业大模型")));
    // The shipped calendar has 2027's statutory holidays only; a period ending then says so.
    let provisional = notice["publicity"]["ends_on"].as_str().unwrap() >= "2027-01-01";
    assert_eq!(notice["provisional"].as_bool(), Some(provisional), "{notice}");
    let (_, _, page) = app.send(app.request(Method::GET, &format!("/programs/{p}/publicity"), None, None)).await;
    assert_eq!(String::from_utf8(page).unwrap().contains("按法定节假日暂计"), provisional);
    let objection = json!({"application_id": a1, "filer_kind": "individual", "filer_name": "李秘密", "contact": "13800000000", "content": "指标承诺与公开材料不符，请核查。"});
    let (status, filed) =
        app.json(Method::POST, &format!("/api/v1/programs/{p}/objections"), Some("recommender"), Some(objection)).await;
    ok(status, &filed);
    let (_, seen) = app.json(Method::GET, &format!("/api/v1/applications/{a1}"), Some("applicant"), None).await;
    let (_, inbox) = app.json(Method::GET, "/api/v1/notifications", Some("applicant"), None).await;
    assert!(!seen.to_string().contains("李秘密") && !inbox.to_string().contains("李秘密"));
    assert!(inbox.to_string().contains("收到异议"), "{inbox}");
    let (status, _) = app.json(Method::GET, &format!("/api/v1/programs/{p}/objections"), Some("applicant"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let announce = format!("/api/v1/programs/{p}/announcement");
    let (status, body) = app.json(Method::POST, &announce, Some("organizer"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let decision = json!({"decision": "reject", "handling": "经核查，材料一致。"});
    let (status, body) = app
        .json(Method::POST, &format!("/api/v1/objections/{}/decision", filed["id"]), Some("organizer"), Some(decision))
        .await;
    ok(status, &body);
    app.clock.advance(15);
    let (status, body) = app.json(Method::POST, &announce, Some("organizer"), None).await;
    ok(status, &body);
    let (_, selected) = app.json(Method::GET, &format!("/api/v1/applications/{a1}"), Some("applicant"), None).await;
    assert_eq!(selected["state"], "selected");

    let (status, _, csv) =
        app.send(app.request(Method::GET, &format!("/api/v1/programs/{p}/list?format=csv"), None, None)).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("\u{feff}序号,项目名称,牵头单位,联合单位,所属行业,所在市,推荐单位,揭榜方向\n"), "{csv}");
    assert!(
        csv.contains("1,云鼎化工行业大模型,云鼎科技,,化学原料和化学制品制造业,济南市,recommender,人工智能+制造"),
        "{csv}"
    );
    let (_, stats) = app.json(Method::GET, &format!("/api/v1/programs/{p}/statistics"), None, None).await;
    assert_eq!((stats["total"]["applications"].as_i64(), stats["total"]["selected"].as_i64()), (Some(2), Some(1)));
    assert_eq!(stats["by_city"][0]["label"], "济南市");
}

#[tokio::test]
async fn a_named_joint_unit_answers_for_itself_before_the_application_goes_forward() {
    let app = TestApp::new().await;
    let unit = |name: &str, serial: &str| jiebang_core::organization::OrganizationInput {
        name: name.into(),
        credit_code: jiebang_core::uscc::CreditCode::with_check_character(serial).unwrap().to_string(),
        kind: "enterprise".into(),
        region: "370102".into(),
        industries: vec![],
        ..Default::default()
    };
    let store = &app.t.store;
    let lead = store.create_organization(&unit("济南精机", "91370100MA3DEM099").validate().unwrap(), None).await;
    let joint = store.create_organization(&unit("济南数联", "91370100MA3DEM107").validate().unwrap(), None).await;
    let (lead, joint) = (lead.unwrap().id, joint.unwrap().id);
    let (joint_user, joint_token) = token_for(&app, "joint@example.cn").await;
    let grant = jiebang_core::role::Grant {
        role: jiebang_core::role::Role::Applicant,
        scope: jiebang_core::role::Scope::Organization(joint),
    };
    store.add_grant(joint_user, &grant).await.unwrap();
    let mut input = application_json(lead, "精机数联质检大模型");
    input["joint_units"] = json!([{"organization_id": joint, "role": "industry", "work": "数据与部署"}]);
    let apply = format!("/api/v1/challenges/{}/applications", app.challenge);
    let (status, body) = app.json(Method::POST, &apply, Some("admin"), Some(input)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    let submit = json!({"action": "submit", "reason": ""});
    let (status, body) =
        app.json(Method::POST, &format!("/api/v1/applications/{id}/actions"), Some("admin"), Some(submit)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The named unit sees its place waiting and was told; the recommender cannot go on yet.
    let consortium = format!("/api/v1/applications/{id}/consortium");
    let (status, places) = as_token(&app, &joint_token, Method::GET, &consortium, None).await;
    assert_eq!(status, StatusCode::OK, "{places}");
    assert_eq!(places[1]["consent"], "pending", "{places}");
    let (_, inbox) = as_token(&app, &joint_token, Method::GET, "/api/v1/notifications", None).await;
    assert!(inbox.to_string().contains("请确认联合申报"), "{inbox}");
    let recommend = json!({"action": "recommend", "reason": ""});
    let actions = format!("/api/v1/applications/{id}/actions");
    let (status, body) = app.json(Method::POST, &actions, Some("recommender"), Some(recommend.clone())).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("济南数联"), "{body}");
    // Only the unit answers for itself: not the lead's applicant, not the organizer.
    let answer = json!({"organization_id": joint, "accept": true});
    let (status, _) = app.json(Method::POST, &consortium, Some("organizer"), Some(answer.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, place) = as_token(&app, &joint_token, Method::POST, &consortium, Some(answer)).await;
    assert_eq!((status, place["consent"].as_str()), (StatusCode::OK, Some("accepted")), "{place}");
    let (status, body) = app.json(Method::POST, &actions, Some("recommender"), Some(recommend)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The page shows the unit's answer.
    let (status, _, page) =
        app.send(app.request(Method::GET, &format!("/applications/{id}"), Some("admin"), None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page).contains("已确认"));
}
