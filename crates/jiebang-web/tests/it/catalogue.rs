//! The catalogue over the API: a demand's fields reach each reader at its level, matches rank a
//! solution with its reasons (none naming a requirement the reader may not see), the organizers
//! record and sign an engagement, and a demand becomes a challenge of a program.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::TestApp;
use crate::roles::{catalogue_demand, catalogue_solution};

#[tokio::test]
async fn a_demand_is_read_at_each_level_matched_engaged_and_promoted() {
    let app = TestApp::new().await;
    let mut demand = serde_json::to_value(catalogue_demand("JQ-D-100")).unwrap();
    demand["visibility"]["requirements"] = json!("registered");
    let new = json!({"demand": demand, "organization_id": app.organization});
    let (status, _) = app.json(Method::POST, "/api/v1/demands", Some("expert"), Some(new.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not the unit's, not an organizer");
    let (status, created) = app.json(Method::POST, "/api/v1/demands", Some("applicant"), Some(new)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/v1/demands/{id}");

    // Public: no budget, no requirements, no contact; registered: budget and requirements; the
    // unit: everything.
    let (_, public) = app.json(Method::GET, &path, None, None).await;
    assert!(public["demand"]["budget_wan"].is_null() && public["demand"]["contact"].is_null(), "{public}");
    assert!(public["demand"]["requirements"].is_null());
    assert_eq!(public["demand"]["withheld"], json!(["requirements", "budget", "contact"]));
    let (_, registered) = app.json(Method::GET, &path, Some("expert"), None).await;
    assert_eq!(registered["demand"]["budget_wan"], 300.0);
    assert!(registered["demand"]["contact"].is_null() && registered["demand"]["requirements"].is_array());
    let (_, own) = app.json(Method::GET, &path, Some("applicant"), None).await;
    assert_eq!(own["demand"]["contact"]["name"], "王工");
    let (_, listed) = app.json(Method::GET, "/api/v1/demands", None, None).await;
    assert!(!listed.to_string().contains("0531-1"), "the contact never reaches the public: {listed}");

    // A solution matched with its reasons; the public does not learn the requirement it meets.
    // Its value is the unit's signed report's, in the part the unit sees (the public rows:
    // 0.9 → 1 on a positive and 0.2 → 0 on a negative, an F1 of 1).
    let mut evidenced = catalogue_solution();
    evidenced.claims = vec![signed_f1(app.scored, 1.0)];
    let solution = json!({"solution": evidenced, "organization_id": app.organization});
    let (status, sol) = app.json(Method::POST, "/api/v1/solutions", Some("organizer"), Some(solution)).await;
    assert_eq!(status, StatusCode::CREATED, "{sol}");
    let matches = format!("{path}/matches");
    let (_, ranked) = app.json(Method::GET, &matches, Some("expert"), None).await;
    assert_eq!(ranked[0]["solution_id"], sol["id"], "{ranked}");
    let kinds = |ranked: &serde_json::Value| -> Vec<String> {
        ranked[0]["reasons"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap().to_owned()).collect()
    };
    assert!(
        kinds(&ranked).contains(&"meets_requirement".to_owned()) && kinds(&ranked).contains(&"industry".to_owned())
    );
    let (_, ranked) = app.json(Method::GET, &matches, None, None).await;
    assert!(!kinds(&ranked).contains(&"meets_requirement".to_owned()) && kinds(&ranked).contains(&"city".to_owned()));

    // The organizers record an intention, talk and sign; the demand follows.
    let engagement = json!({"demand_id": id, "solution_id": sol["id"], "channel": "fair", "note": "对接会"});
    let (status, _) = app.json(Method::POST, "/api/v1/engagements", Some("applicant"), Some(engagement.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, e) = app.json(Method::POST, "/api/v1/engagements", Some("organizer"), Some(engagement)).await;
    assert_eq!((status, e["stage"].as_str()), (StatusCode::CREATED, Some("intention")), "{e}");
    let advance = format!("/api/v1/engagements/{}/advance", e["id"]);
    let step = |stage: serde_json::Value| app.json(Method::POST, &advance, Some("organizer"), Some(stage));
    assert_eq!(step(json!({"stage": "negotiation"})).await.0, StatusCode::OK);
    let (status, refused) = step(json!({"stage": "signed"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, signed) = step(json!({"stage": "signed", "amount_wan": 120.0, "signed_on": "2026-11-30"})).await;
    assert_eq!((status, signed["amount_wan"].as_f64()), (StatusCode::OK, Some(120.0)), "{signed}");
    assert_eq!(app.json(Method::GET, &path, None, None).await.1["state"], "signed");

    // Another demand becomes a challenge of the program its organizer runs.
    let new = json!({"demand": catalogue_demand("JQ-D-101"), "organization_id": null});
    let (_, other) = app.json(Method::POST, "/api/v1/demands", Some("organizer"), Some(new)).await;
    let promote = format!("/api/v1/demands/{}/promote", other["id"]);
    let promotion = json!({"program_id": app.program, "code": "JQ26-01"});
    let (status, _) = app.json(Method::POST, &promote, Some("other_organizer"), Some(promotion.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not that program's organizer");
    let (status, challenge) = app.json(Method::POST, &promote, Some("organizer"), Some(promotion)).await;
    assert_eq!((status, challenge["code"].as_str()), (StatusCode::CREATED, Some("JQ26-01")), "{challenge}");
    assert_eq!(
        app.json(Method::GET, &format!("/api/v1/demands/{}", other["id"]), None, None).await.1["challenge_id"],
        challenge["id"]
    );

    // In numbers, from the records: two demands and a solution in 化学原料 (26) and 济南 (the
    // solution's 历下区 counts under its city), one signed contract of 120 万元, one promoted.
    let (_, numbers) = app.json(Method::GET, "/api/v1/catalogue/statistics", None, None).await;
    let totals = ["demands", "solutions", "engagements", "signed", "promoted"].map(|k| numbers[k].as_u64().unwrap());
    assert_eq!(totals, [2, 1, 1, 1, 1], "{numbers}");
    assert_eq!(numbers["signed_value_wan"], 120.0);
    let row = |list: &str| {
        let r = &numbers[list][0];
        (
            r["code"].as_str().unwrap().to_owned(),
            r["demands"].as_u64(),
            r["solutions"].as_u64(),
            r["signed_value_wan"].as_f64(),
        )
    };
    assert_eq!(row("by_industry"), ("26".to_owned(), Some(2), Some(1), Some(120.0)));
    assert_eq!(row("by_city"), ("370100".to_owned(), Some(2), Some(1), Some(120.0)));

    let (_, scenarios) = app.json(Method::GET, "/api/v1/scenarios", None, None).await;
    let scenarios = scenarios.as_array().unwrap();
    assert_eq!((scenarios.len(), scenarios[0]["stage"].as_str()), (40, Some("工厂建设")));
    assert_eq!(scenarios.iter().filter(|s| s["source"] == "confirmed").count(), 8);
}

/// Organizers' sheets over the API: a GBK file with a bad row is refused with the row and the
/// header of each problem and nothing stored; once fixed it is imported, and the export holds
/// what each reader may see.
#[tokio::test]
async fn demands_are_imported_from_a_gbk_sheet_and_exported_as_each_reader_sees_them() {
    let app = TestApp::new().await;
    let sheet = "需求编号,需求名称,需求单位,单位类型,所属行业,所在地区,痛点问题,合作方式,预算（万元）,联系人,联系电话
JQ-I-01,港口集装箱调度,某港口集团,国企,55,青岛市,等待时间长。,联合研发,200,张工,0532-7654321
JQ-I-02,化工泄漏预警,某化工集团,国企,26,济南,巡检难。,揭榜攻关,三百,王工,0531-7654321
";
    let gbk = |text: &str| encoding_rs::GBK.encode(text).0.into_owned();
    let path = "/api/v1/demands/import";
    let (status, _, _) = app.send(app.upload(path, Some("applicant"), "需求.csv", &gbk(sheet))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) = app.send(app.upload(path, Some("organizer"), "需求.csv", &gbk(sheet))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (body["error"]["details"][0]["row"].as_i64(), body["error"]["details"][0]["column"].as_str()),
        (Some(3), Some("预算（万元）"))
    );
    let (_, listed) = app.json(Method::GET, "/api/v1/demands", None, None).await;
    assert_eq!(listed.as_array().unwrap().len(), 0, "nothing half-imported");

    let fixed = sheet.replace(",三百,", ",300,");
    let (status, _, _) = app.send(app.upload(path, Some("organizer"), "需求.csv", &gbk(&fixed))).await;
    assert_eq!(status, StatusCode::CREATED);
    async fn export(
        app: &TestApp,
        who: Option<&str>,
    ) -> Result<Vec<jiebang_sheets::Imported<jiebang_core::catalogue::DemandInput>>, jiebang_sheets::SheetError> {
        let (status, _, bytes) = app.send(app.request(Method::GET, "/api/v1/demands/export", who, None)).await;
        assert_eq!(status, StatusCode::OK);
        jiebang_sheets::read_demands("demands.xlsx", &bytes)
    }
    // The organizers' export reads back whole; the public's lacks the contacts.
    let full = export(&app, Some("organizer")).await.unwrap();
    assert_eq!(full.len(), 2);
    assert_eq!(full[0].input.contact_phone, "0531-7654321");
    let public = export(&app, None).await.unwrap_err().to_string();
    assert!(public.contains("联系人") && !public.contains("7654321"), "{public}");
}

/// The card of a challenge's dataset version: its program's organizer enters it, evaluation-only
/// because the version holds the hidden labels; the challenge page links it, its page says the
/// data is not offered, and the search finds it.
#[tokio::test]
async fn a_challenge_dataset_card_is_evaluation_only_linked_and_searchable() {
    let app = TestApp::new().await;
    let card = |access: &str| {
        json!({"card": {"name": "危化品泄漏视频测试集", "version": "v1", "builder": "某研究院", "modality": "video",
            "stage": "test_only", "records": 400, "access": access, "labels": ["泄漏", "正常"],
            "sources": [{"name": "园区监控", "licence": "仅限本次评测"}],
            "labelling": {"roles": ["标注员", "审核员", "验收方"], "method": "人工标注", "acceptance_sampling": "抽检 10%，合格率 ≥ 98%"}},
            "dataset_version_id": app.dataset})
    };
    let path = "/api/v1/dataset-cards";
    let (status, _) = app.json(Method::POST, path, Some("applicant"), Some(card("evaluation_only"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app.json(Method::POST, path, Some("organizer"), Some(card("open"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "access");
    let (status, created) = app.json(Method::POST, path, Some("organizer"), Some(card("evaluation_only"))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();

    async fn page(app: &TestApp, path: String) -> String {
        String::from_utf8(app.send(app.request(Method::GET, &path, None, None)).await.2).unwrap()
    }
    let challenge = page(&app, format!("/challenges/{}", app.challenge)).await;
    assert!(challenge.contains(&format!("/datasets/{id}")), "the challenge links its dataset's card");
    let shown = page(&app, format!("/datasets/{id}")).await;
    assert!(shown.contains("data-testid=\"not-downloadable\"") && shown.contains("仅评测托管"));
    assert!(!shown.contains("/files/"), "no link to the data");
    let (_, found) = app.json(Method::GET, "/api/v1/search?q=%E6%B3%84%E6%BC%8F&kind=dataset", None, None).await;
    assert_eq!(found["hits"][0]["url"], format!("/datasets/{id}"), "{found}");
}

/// A matchmaking event: the organizers enter it and put an open demand and a solution on it;
/// its booklet prints what the public may read (the registered-only budget left out) and its
/// catalogue holds a sheet of demands and one of solutions; an engagement between them counts.
#[tokio::test]
async fn a_matchmaking_event_prints_its_booklet_and_counts_what_came_of_it() {
    let app = TestApp::new().await;
    let demand = app.t.store.create_demand(&catalogue_demand("JQ-F-001"), None, None).await.unwrap();
    let solution = app.t.store.create_solution(&catalogue_solution(), None, None, None).await.unwrap();
    let event = json!({"name": "供需对接会", "held_on": "2026-11-20", "region": "青岛市", "venue": "会展中心", "host": "某工信局"});
    let (status, created) = app.json(Method::POST, "/api/v1/events", Some("organizer"), Some(event)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let entries = json!({"demand_ids": [demand.id], "solution_ids": [solution.id]});
    let path = format!("/api/v1/events/{id}/entries");
    let (status, _) = app.json(Method::POST, &path, Some("applicant"), Some(entries.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.json(Method::POST, &path, Some("organizer"), Some(entries)).await;
    assert_eq!(status, StatusCode::OK);
    let engagement = json!({"demand_id": demand.id, "solution_id": solution.id, "channel": "fair"});
    let (status, _) = app.json(Method::POST, "/api/v1/engagements", Some("organizer"), Some(engagement)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, view) = app.json(Method::GET, &format!("/api/v1/events/{id}"), None, None).await;
    assert_eq!((view["demands"].as_array().unwrap().len(), view["engagements"].as_i64()), (1, Some(1)));

    let (status, _, pdf) =
        app.send(app.request(Method::GET, &format!("/api/v1/events/{id}/booklet"), None, None)).await;
    assert_eq!(status, StatusCode::OK);
    let text = crate::pages::pdf_pages(&pdf).join("\n");
    assert!(text.contains("供需对接会") && text.contains("化工园区泄漏预警") && text.contains("F1值"), "{text}");
    assert!(!text.contains("300") && !text.contains("0531-1"), "no budget or contact for the public: {text}");
    let (status, _, xlsx) =
        app.send(app.request(Method::GET, &format!("/api/v1/events/{id}/catalogue"), Some("organizer"), None)).await;
    assert_eq!(status, StatusCode::OK);
    let demands = jiebang_sheets::read_demands("catalogue.xlsx", &xlsx).unwrap();
    assert_eq!(demands[0].input.number, "JQ-F-001");
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    assert_eq!(calamine::Reader::sheet_names(&workbook), ["需求目录", "方案目录"]);
    let solutions = calamine::Reader::worksheet_range(&mut workbook, "方案目录").unwrap();
    assert_eq!(solutions.get((1, 0)).unwrap().to_string(), "化工泄漏预警大模型");
}

/// A typical case is filed under a scenario by the organizers, shown under it and found.
#[tokio::test]
async fn a_typical_case_is_shown_under_its_scenario_and_found() {
    let app = TestApp::new().await;
    let case = json!({"title": "风电轴承预测性维护", "organization": "某发电公司", "region": "青岛市", "industries": ["44"],
        "scenario": "ZNZZ-2025-24", "year": 2025, "summary": "振动监测，提前七天预警。", "results": "停机减少 35%。"});
    let (status, _) = app.json(Method::POST, "/api/v1/typical-cases", Some("applicant"), Some(case.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, created) = app.json(Method::POST, "/api/v1/typical-cases", Some("organizer"), Some(case)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let page = String::from_utf8(app.send(app.request(Method::GET, "/scenarios", None, None)).await.2).unwrap();
    let at = page.find(&format!("id=\"case{id}\"")).expect("the case is on the scenarios page");
    assert!(page[..at].rfind("ZNZZ-2025-24") > page[..at].rfind("ZNZZ-2025-23"), "under its scenario");
    let (_, found) = app.json(Method::GET, "/api/v1/search?q=%E8%BD%B4%E6%89%BF&kind=case", None, None).await;
    assert_eq!(found["hits"][0]["url"], format!("/scenarios#case{id}"), "{found}");
}

/// The words a demand and a solution share are shown as jieba cuts them and only from what the
/// reader may see: a registered-only pain point lends the public no word.
#[tokio::test]
async fn shared_words_are_whole_words_from_the_fields_the_reader_sees() {
    let app = TestApp::new().await;
    let mut demand = catalogue_demand("JQ-W-001");
    demand.title = "滚动轴承剩余寿命预测".into();
    demand.pain_points = "保密车间的振动数据。".into();
    demand.visibility.insert("pain_points".into(), "registered".into());
    let demand = app.t.store.create_demand(&demand, None, None).await.unwrap();
    let mut solution = catalogue_solution();
    solution.title = "轴承剩余寿命预测系统".into();
    solution.summary = "保密车间可用，基于振动数据。".into();
    app.t.store.create_solution(&solution, None, None, None).await.unwrap();
    let words = |ranked: &serde_json::Value| -> Vec<String> {
        ranked[0]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["kind"] == "words")
            .flat_map(|r| r["terms"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()))
            .collect()
    };
    let path = format!("/api/v1/demands/{}/matches", demand.id);
    let (_, public) = app.json(Method::GET, &path, None, None).await;
    let public = words(&public);
    assert!(public.contains(&"轴承".to_owned()) && public.contains(&"剩余".to_owned()), "{public:?}");
    assert!(!public.iter().any(|w| w.contains("保密") || w.contains("振动") || w == "余寿"), "{public:?}");
    let (_, registered) = app.json(Method::GET, &path, Some("expert"), None).await;
    assert!(words(&registered).contains(&"振动".to_owned()), "{:?}", words(&registered));
}

/// A unit's member publishes a demand from the form: every refused field comes back beside its
/// input with the values kept, then the demand is published for the unit.
#[tokio::test]
async fn a_unit_publishes_a_demand_from_the_form_with_errors_beside_their_fields() {
    let app = TestApp::new().await;
    let unit = app.organization.to_string();
    let mut fields = vec![
        ("number", "JQ-N-001"),
        ("title", "港口集装箱智能调度"),
        ("organization", "某港口集团"),
        ("organization_id", unit.as_str()),
        ("demander_kind", "state_owned"),
        ("industries", "55"),
        ("region", "火星"),
        ("cooperation", "joint_rnd"),
        ("pain_points", "船舶等待时间长。"),
        ("requirements", "作业效率 | efficiency>>0.1"),
        ("budget_wan", "三百"),
        ("contact_name", "张工"),
        ("contact_phone", "0532-1"),
        ("offers", "data"),
        ("visibility.contact", "internal"),
    ];
    let applicant = app.login_cookie("applicant").await;
    let (status, _, body) = app.send(app.form("/demands/new", Some(&applicant), &fields)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = String::from_utf8(body).unwrap();
    for field in ["region", "requirements", "budget_wan"] {
        assert!(page.contains(&format!("data-field-error=\"{field}\"")), "{field} beside its input");
    }
    assert!(page.contains("value=\"港口集装箱智能调度\""), "the values are kept");
    for (name, value) in &mut fields {
        match *name {
            "region" => *value = "青岛市",
            "requirements" => *value = "作业效率提升 | accuracy>=0.1",
            "budget_wan" => *value = "300",
            _ => {}
        }
    }
    let (status, headers, _) = app.send(app.form("/demands/new", Some(&applicant), &fields)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers["location"].to_str().unwrap().to_owned();
    let id: i64 = location.trim_start_matches("/demands/").parse().unwrap();
    let (_, public) = app.json(Method::GET, &format!("/api/v1/demands/{id}"), None, None).await;
    assert_eq!(public["demand"]["region"], "370200");
    assert_eq!(public["demand"]["offers"], json!(["data"]));
    let expert = app.login_cookie("expert").await;
    let (status, _, _) = app.send(app.form("/demands/new", Some(&expert), &fields)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "one who acts for no unit enters none");
}

/// A unit's member enters a solution from the form; refused fields come back beside inputs.
#[tokio::test]
async fn a_unit_enters_a_solution_from_the_form() {
    let app = TestApp::new().await;
    let unit = app.organization.to_string();
    let applicant = app.login_cookie("applicant").await;
    let mut fields = vec![
        ("title", "集装箱码头智能调度系统"),
        ("provider", "某科技公司"),
        ("organization_id", unit.as_str()),
        ("kind", "solution"),
        ("industries", "55"),
        ("region", "370200"),
        ("summary", "岸桥与集卡协同调度。"),
        ("deployments", "on_premises"),
        ("price_from_wan", "多少"),
        ("contact_name", "李工"),
        ("contact_email", "li@example.cn"),
    ];
    let (status, _, body) = app.send(app.form("/solutions/new", Some(&applicant), &fields)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(String::from_utf8(body).unwrap().contains("data-field-error=\"price_from_wan\""));
    fields.retain(|(name, _)| *name != "price_from_wan");
    let (status, headers, _) = app.send(app.form("/solutions/new", Some(&applicant), &fields)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id: i64 = headers["location"].to_str().unwrap().trim_start_matches("/solutions/").parse().unwrap();
    let (_, solution) = app.json(Method::GET, &format!("/api/v1/solutions/{id}"), None, None).await;
    assert_eq!(solution["solution"]["deployments"], json!(["on_premises"]), "{solution}");
    assert_eq!(solution["organization_id"], app.organization);
}

/// A claimed F1 with a submission's signed report as its evidence.
fn signed_f1(submission_id: i64, value: f64) -> jiebang_core::catalogue::Claim {
    serde_json::from_value(json!({
        "indicator": {"name": "F1值", "metric": "f1", "op": ">=", "threshold": 0.9}, "value": value,
        "evidence": {"kind": "signed_report", "submission_id": submission_id}
    }))
    .unwrap()
}

/// A unit adds a measured value from its page: a value its signed report does not show is
/// refused with the reason, a lab's report must be a PDF, and once added every reader may
/// download the cited report — and only files a claim cites.
#[tokio::test]
async fn a_unit_adds_measured_values_whose_evidence_checks_out() {
    let app = TestApp::new().await;
    let solution =
        app.t.store.create_solution(&catalogue_solution(), Some(app.organization), None, None).await.unwrap();
    let cookie = app.login_cookie("applicant").await;
    let page = format!("/solutions/{}", solution.id);
    let read = |cookie: Option<&str>| {
        let mut request = app.request(Method::GET, &page, None, None);
        if let Some(cookie) = cookie {
            request.headers_mut().insert(axum::http::header::COOKIE, cookie.parse().unwrap());
        }
        async { String::from_utf8_lossy(&app.send(request).await.2).into_owned() }
    };
    assert!(read(Some(&cookie)).await.contains("data-testid=\"claim-form\""));
    assert!(!read(None).await.contains("claim-form"), "not to the public");

    let claims = format!("/api/v1/solutions/{}/claims", solution.id);
    let add = |who: &'static str, extra: &[(&'static str, &str)], file: (&'static str, &'static [u8])| {
        let mut fields: Vec<(&str, String)> = [("name", "F1值"), ("metric", "f1"), ("op", ">="), ("threshold", "0.9")]
            .map(|(k, v)| (k, v.to_owned()))
            .into();
        fields.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let request = app.upload_with(&claims, Some(who), &fields, file.0, file.1);
        async {
            let (status, _, body) = app.send(request).await;
            (status, serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default())
        }
    };
    let scored = app.scored.to_string();
    let wrong = [("value", "0.99"), ("evidence", "signed_report"), ("submission_id", scored.as_str())];
    let (status, refused) = add("applicant", &wrong, ("", b"")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused.to_string().contains("claims[0].value") && refused.to_string().contains("不符"), "{refused}");
    assert_eq!(add("expert", &wrong, ("", b"")).await.0, StatusCode::FORBIDDEN);

    let lab = [("value", "0.95"), ("evidence", "lab_report"), ("lab", "省检测中心"), ("tested_on", "2026-10-01")];
    let (status, refused) = add("applicant", &lab, ("报告.pdf", b"not a pdf")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let pdf: &'static [u8] = b"%PDF-1.4\n% a lab report of this test\n";
    let (status, added) = add("applicant", &lab, ("报告.pdf", pdf)).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    // The same report sent again with a bad date is refused; the upload it shares with the
    // cited one is not thrown away with it.
    let undated = [("value", "0.95"), ("evidence", "lab_report"), ("lab", "省检测中心"), ("tested_on", "十月")];
    assert_eq!(add("applicant", &undated, ("报告.pdf", pdf)).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let right = [("value", "1"), ("evidence", "signed_report"), ("submission_id", scored.as_str())];
    let (status, added) = add("applicant", &right, ("", b"")).await;
    assert_eq!((status, added["solution"]["claims"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)), "{added}");

    let file_id = added["solution"]["claims"][0]["evidence"]["file_id"].as_i64().unwrap();
    let evidence = format!("/api/v1/solutions/{}/evidence/{file_id}", solution.id);
    let (status, _, bytes) = app.send(app.request(Method::GET, &evidence, None, None)).await;
    assert_eq!((status, bytes.as_ref()), (StatusCode::OK, pdf));
    let uncited = format!("/api/v1/solutions/{}/evidence/1", solution.id);
    assert_eq!(app.send(app.request(Method::GET, &uncited, None, None)).await.0, StatusCode::NOT_FOUND);
    assert!(read(None).await.contains("data-testid=\"lab-evidence\""));
}

/// The catalogue's organizers hold an event from its page — a bad date and an unknown region
/// shown beside their inputs, the values kept — then tick the open demands and solutions it
/// presents; a withdrawn demand is not offered, and an applicant sees no form.
#[tokio::test]
async fn organizers_hold_an_event_and_put_entries_on_it_from_the_pages() {
    let app = TestApp::new().await;
    let organizer = app.login_cookie("organizer").await;
    let applicant = app.login_cookie("applicant").await;
    let page = |path: &str, cookie: &str| {
        let mut request = app.request(Method::GET, path, None, None);
        request.headers_mut().insert(axum::http::header::COOKIE, cookie.parse().unwrap());
        async { String::from_utf8_lossy(&app.send(request).await.2).into_owned() }
    };
    assert!(page("/events", &organizer).await.contains("data-testid=\"event-form\""));
    assert!(!page("/events", &applicant).await.contains("event-form"));
    let mut fields =
        vec![("name", "2026年秋季供需对接会"), ("held_on", "2026-13-40"), ("region", "火星"), ("host", "某工信局")];
    let (status, _, body) = app.send(app.form("/events", Some(&organizer), &fields)).await;
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("data-field-error=\"held_on\"") && body.contains("data-field-error=\"region\""), "{body}");
    assert!(body.contains("value=\"2026年秋季供需对接会\""), "the values are kept");
    fields[1].1 = "2026-11-20";
    fields[2].1 = "青岛市";
    let (status, headers, _) = app.send(app.form("/events", Some(&organizer), &fields)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let at = headers["location"].to_str().unwrap().to_owned();
    assert!(at.starts_with("/events/"), "{at}");

    let open = app.t.store.create_demand(&catalogue_demand("JQ-F-001"), None, None).await.unwrap();
    let gone = app.t.store.create_demand(&catalogue_demand("JQ-F-002"), None, None).await.unwrap();
    let organizer_id = app.ids["organizer"];
    let withdraw = jiebang_core::catalogue::DemandAction::Withdraw;
    app.t.store.act_on_demand(gone.id, withdraw, organizer_id).await.unwrap();
    let solution = app.t.store.create_solution(&catalogue_solution(), None, None, None).await.unwrap();
    let form = page(&at, &organizer).await;
    assert!(form.contains(&format!("name=\"demand_ids\" value=\"{}\"", open.id)));
    assert!(!form.contains(&format!("name=\"demand_ids\" value=\"{}\"", gone.id)), "a withdrawn demand is not offered");
    assert!(!page(&at, &applicant).await.contains("event-entries-form"));
    let (open_id, solution_id) = (open.id.to_string(), solution.id.to_string());
    let ticked = [("demand_ids", open_id.as_str()), ("solution_ids", solution_id.as_str())];
    let entries = format!("{at}/entries");
    let (status, _, _) = app.send(app.form(&entries, Some(&applicant), &ticked)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, headers, _) = app.send(app.form(&entries, Some(&organizer), &ticked)).await;
    assert_eq!((status, headers["location"].to_str().unwrap()), (StatusCode::SEE_OTHER, at.as_str()));
    let (_, view) = app.json(Method::GET, &format!("/api/v1{at}"), None, None).await;
    assert_eq!(view["demands"][0]["id"], open.id, "{view}");
    assert_eq!(view["solutions"][0]["id"], solution.id, "{view}");
    assert!(!page(&at, &organizer).await.contains(&format!("name=\"demand_ids\" value=\"{}\"", open.id)));
}

/// A typical case is filed from the scenarios page under a scenario of the guide; a year that is
/// not a number is shown beside its input.
#[tokio::test]
async fn organizers_file_a_typical_case_from_the_scenarios_page() {
    let app = TestApp::new().await;
    let organizer = app.login_cookie("organizer").await;
    let mut fields = vec![
        ("title", "某钢厂带钢表面缺陷检测"),
        ("organization", "某钢铁集团"),
        ("scenario", "ZNZZ-2025-24"),
        ("region", "370100"),
        ("industries", "31"),
        ("year", "二〇二五"),
        ("summary", "产线部署视觉检测，替代人工目检。"),
        ("results", "漏检率由 5% 降至 0.5%。"),
    ];
    let (status, _, body) = app.send(app.form("/scenarios", Some(&organizer), &fields)).await;
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("data-field-error=\"year\"") && body.contains("某钢铁集团"), "values kept");
    fields[2].1 = "ZNZZ-2099-99";
    let (_, _, body) = app.send(app.form("/scenarios", Some(&organizer), &fields)).await;
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("data-field-error=\"year\"") && body.contains("data-field-error=\"scenario\""), "at once");
    fields[2].1 = "ZNZZ-2025-24";
    fields[5].1 = "2025";
    let (status, _, _) = app.send(app.form("/scenarios", Some(&app.login_cookie("applicant").await), &fields)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = app.send(app.form("/scenarios", Some(&organizer), &fields)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, cases) = app.json(Method::GET, "/api/v1/typical-cases", None, None).await;
    assert_eq!(cases[0]["case"]["title"], "某钢厂带钢表面缺陷检测", "{cases}");
    assert_eq!(cases[0]["case"]["year"], 2025);
}

/// A dataset card from the form: a score outside [0, 1], a source without its licence and a
/// test-only set offered openly are all named at once with the values kept; fixed, the card is
/// entered whole — sources, labelling, quality and compliance read back from the API.
#[tokio::test]
async fn organizers_enter_a_dataset_card_from_the_form() {
    let app = TestApp::new().await;
    let organizer = app.login_cookie("organizer").await;
    let mut fields = vec![
        ("name", "轴承振动故障样本集"),
        ("version", "v1.0"),
        ("builder", "某装备研究院"),
        ("industries", "34"),
        ("scenario", "ZNZZ-2025-24"),
        ("modality", "time_series"),
        ("stage", "test_only"),
        ("access", "open"),
        ("records", "12000"),
        ("labels", "正常、内圈、外圈、滚动体"),
        ("sources", "某风电场振动监测系统"),
        ("labelling_roles", "标注员、审核员"),
        ("labelling_method", "人工标注"),
        ("acceptance_sampling", "抽检 5%，合格率 ≥ 98%"),
        ("quality", "准确性 | 1.7\n完整性 | 0.99"),
        ("personal_information", "不含个人信息"),
        ("copyright", "建设单位自有"),
        ("content_safety", "不适用"),
    ];
    let (status, _, body) = app.send(app.form("/datasets/new", Some(&organizer), &fields)).await;
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("data-field-error=\"access\""), "{body}");
    for label in ["来源与许可 1 · 许可", "质量评分 1 · 分数"] {
        assert!(body.contains(label), "{label} is named: {body}");
    }
    assert!(body.contains("某装备研究院"), "the values are kept");
    fields[7].1 = "evaluation_only";
    fields[10].1 = "某风电场振动监测系统 | 数据使用协议（2025）";
    fields[14].1 = "准确性 | 0.97\n完整性 | 0.99";
    let (status, headers, _) = app.send(app.form("/datasets/new", Some(&organizer), &fields)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let at = headers["location"].to_str().unwrap().replace("/datasets/", "/api/v1/dataset-cards/");
    let (_, card) = app.json(Method::GET, &at, None, None).await;
    assert_eq!(card["card"]["sources"][0]["licence"], "数据使用协议（2025）", "{card}");
    assert_eq!(card["card"]["quality"][0]["score"], 0.97);
    assert_eq!(card["card"]["labels"].as_array().map(Vec::len), Some(4));
    assert_eq!(card["card"]["access"], "evaluation_only");
    let applicant = app.login_cookie("applicant").await;
    let (status, _, _) = app.send(app.form("/datasets/new", Some(&applicant), &fields)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A new guide's edition over the API: every bad line named with nothing imported; once right,
/// its scenarios are listed, shown on the page under their edition and found by the search.
#[tokio::test]
async fn a_guide_edition_is_imported_listed_and_searched() {
    let app = TestApp::new().await;
    let path = "/api/v1/scenarios/import";
    let edition = ("edition", "人工智能+制造典型场景（2026年版，示例）".to_owned());
    let bad = "AIZZ-01\t1\t研发设计\t工艺参数智能寻优\tconfirmed\nAIZZ-02\tx\t生产作业\t焊缝质量检测\tconfirmed\n";
    let send = |who: &str, bytes: &'static [u8]| {
        app.upload_with(path, Some(who), std::slice::from_ref(&edition), "场景.tsv", bytes)
    };
    assert_eq!(app.send(send("applicant", bad.as_bytes())).await.0, StatusCode::FORBIDDEN);
    let (status, _, body) = app.send(send("organizer", bad.as_bytes())).await;
    let refused = String::from_utf8_lossy(&body);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused.contains("\"row\":2") && refused.contains("序号"), "{refused}");
    let good = "AIZZ-01\t1\t研发设计\t工艺参数智能寻优\tconfirmed\nAIZZ-02\t2\t生产作业\t焊缝质量检测\tconfirmed\n";
    let (status, _, body) = app.send(send("organizer", good.as_bytes())).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
    let (_, scenarios) = app.json(Method::GET, "/api/v1/scenarios", None, None).await;
    assert_eq!(scenarios.as_array().map(Vec::len), Some(42));
    let (_, found) = app.json(Method::GET, "/api/v1/search?q=%E7%84%8A%E7%BC%9D", None, None).await;
    assert_eq!(found["hits"][0]["url"], "/scenarios#s42", "{found}");
    let (_, _, page) = app.send(app.request(Method::GET, "/scenarios", None, None)).await;
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("id=\"s42\"") && page.contains("人工智能+制造典型场景（2026年版，示例）"), "{page}");
}
