//! The JSON API: the "done when" paths, bad input, the error envelope, import/export.

use axum::http::{Method, StatusCode, header};
use jiebang_core::uscc::CreditCode;
use serde_json::{Value, json};

use crate::{TestApp, challenge_json, program_json, text};

#[tokio::test]
async fn health_answers_with_the_backend_in_use() {
    let app = TestApp::new().await;
    let (status, body) = app.json(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert!(body["database"] == "sqlite" || body["database"] == "postgres");
}

#[tokio::test]
async fn an_admin_logs_in_through_the_api_and_creates_a_program_a_challenge_and_an_organization() {
    let app = TestApp::new().await;
    let login = json!({"email": "admin@example.cn", "password": "correct-horse-42"});
    let (status, headers, body) = app.send(app.request(Method::POST, "/api/v1/session", None, Some(&login))).await;
    assert_eq!(status, StatusCode::OK, "{}", text(&body));
    let cookie = headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let with_cookie = |method: Method, path: &str, body: Option<Value>| {
        let mut request = app.request(method, path, None, body.as_ref());
        request.headers_mut().insert(header::COOKIE, cookie.parse().unwrap());
        request
    };
    let (status, _, body) = app.send(with_cookie(Method::POST, "/api/v1/programs", Some(program_json("新批次")))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
    let program: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(program["status"], "draft");
    assert_eq!(program["rules"]["max_joint_units"], 4);
    let path = format!("/api/v1/programs/{}/challenges", program["id"]);
    let (status, _, body) = app.send(with_cookie(Method::POST, &path, Some(challenge_json("NEW-01")))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
    let challenge: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(challenge["indicators"].as_array().unwrap().len(), 2);
    assert_eq!(challenge["industries"][0]["name"], "化学原料和化学制品制造业");
    assert_eq!(challenge["indicators"][1]["better"], "lower");
    let org = json!({"name": "山东大学", "credit_code": CreditCode::with_check_character("12370000495570000").unwrap().to_string(), "kind": "university", "region": "济南市"});
    let (status, _, body) = app.send(with_cookie(Method::POST, "/api/v1/organizations", Some(org))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
    let (status, _, _) = app.send(with_cookie(Method::DELETE, "/api/v1/session", None)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = app.send(with_cookie(Method::GET, "/api/v1/session", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the session ended at logout");
}

#[tokio::test]
async fn a_wrong_password_and_a_wrong_token_are_both_401_never_anonymous() {
    let app = TestApp::new().await;
    let (status, body) = app
        .json(Method::POST, "/api/v1/session", None, Some(json!({"email": "admin@example.cn", "password": "nope"})))
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    let mut request = app.request(Method::GET, "/api/v1/programs", None, None);
    request.headers_mut().insert(header::AUTHORIZATION, "Bearer jb_forged".parse().unwrap());
    assert_eq!(app.send(request).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_wrong_passwords_get_429_with_retry_after_for_known_and_unknown_accounts_alike() {
    let app = TestApp::new().await;
    for email in ["admin@example.cn", "nobody@example.cn"] {
        let login = json!({"email": email, "password": "nope"});
        for _ in 0..jiebang_store::accounts::ACCOUNT_FAILURES {
            let (status, _) = app.json(Method::POST, "/api/v1/session", None, Some(login.clone())).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        let (status, headers, body) = app.send(app.request(Method::POST, "/api/v1/session", None, Some(&login))).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{email}");
        let retry: u64 = headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!(retry > 60, "{retry}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "too_many_requests");
    }
}

#[tokio::test]
async fn invalid_credit_codes_are_rejected_and_valid_ones_of_every_prefix_accepted() {
    let app = TestApp::new().await;
    for (i, prefix) in [
        "11", "12", "13", "19", "21", "31", "41", "51", "52", "53", "61", "71", "81", "91", "92", "93", "A1", "N1",
        "N2", "N3", "Y1",
    ]
    .iter()
    .enumerate()
    {
        let code = CreditCode::with_check_character(&format!("{prefix}370100MA3C{i:05}")).unwrap().to_string();
        let (status, body) = app
            .json(
                Method::POST,
                "/api/v1/organizations",
                Some("admin"),
                Some(json!({"name": format!("单位{i}"), "credit_code": code, "kind": "other", "region": "370100"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{prefix}: {body}");
    }
    for (bad, says) in [
        ("91350100M000100Y44", "check character"),
        ("91350100M000100Y4Z", "not allowed"),
        ("370100228012345", "15-digit"),
        ("91350100M000100I43", "not allowed"),
        ("9135", "18 characters"),
    ] {
        let (status, body) = app
            .json(
                Method::POST,
                "/api/v1/organizations",
                Some("admin"),
                Some(json!({"name": "x", "credit_code": bad, "kind": "other", "region": "370100"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(body["error"]["details"][0]["field"], "credit_code");
        assert!(body["error"]["details"][0]["message"].as_str().unwrap().contains(says), "{bad}: {body}");
    }
}

#[tokio::test]
async fn a_duplicate_credit_code_is_a_conflict_naming_the_field() {
    let app = TestApp::new().await;
    let code = CreditCode::with_check_character("91370100MA3DEM001").unwrap();
    let (status, body) = app
        .json(
            Method::POST,
            "/api/v1/organizations",
            Some("expert"),
            Some(json!({"name": "重复", "credit_code": code.to_string(), "kind": "enterprise", "region": "370100"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["details"][0]["field"], "credit_code");
}

#[tokio::test]
async fn unknown_codes_a_missing_threshold_and_bad_json_are_4xx_naming_the_field() {
    let app = TestApp::new().await;
    let path = format!("/api/v1/programs/{}/challenges", app.program);
    let mut challenge = challenge_json("BAD-01");
    challenge["industries"] = json!(["99"]);
    challenge["region"] = json!("371200");
    challenge["indicators"][0].as_object_mut().unwrap().remove("threshold");
    let (status, body) = app.json(Method::POST, &path, Some("organizer"), Some(challenge)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> =
        body["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["industries", "region", "indicators[0].threshold"]);

    let mut request = app.request(Method::POST, &path, Some("organizer"), None);
    request.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    *request.body_mut() = axum::body::Body::from("{not json");
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "bad_request");

    let (status, body) = app
        .json(
            Method::POST,
            "/api/v1/programs",
            Some("admin"),
            Some(json!({"title": "x", "issuer": "y", "year": "二〇二五"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["details"][0]["message"].as_str().unwrap().contains("year"), "{body}");
    let (status, body) = app.json(Method::GET, "/api/v1/nowhere", None, None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
}

#[tokio::test]
async fn status_moves_only_forward_and_a_disallowed_move_is_409() {
    let app = TestApp::new().await;
    let path = format!("/api/v1/programs/{}/transition", app.draft);
    let (status, body) = app.json(Method::POST, &path, Some("organizer"), Some(json!({"to": "under_review"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    let (status, body) = app.json(Method::POST, &path, Some("organizer"), Some(json!({"to": "published"}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["next_statuses"], json!(["applications_closed"]));
    let (status, _) = app.json(Method::POST, &path, Some("organizer"), Some(json!({"to": "draft"}))).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn lists_are_filtered_and_paged_and_bad_filters_named() {
    let app = TestApp::new().await;
    let path = format!("/api/v1/programs/{}/challenges", app.program);
    for i in 2..=4 {
        let mut c = challenge_json(&format!("SD-0{i}"));
        c["industries"] = json!([if i % 2 == 0 { "34" } else { "26" }]);
        assert_eq!(app.json(Method::POST, &path, Some("organizer"), Some(c)).await.0, StatusCode::CREATED);
    }
    let (_, body) = app.json(Method::GET, &format!("{path}?industry=C26"), None, None).await;
    assert_eq!(body["total"], 2);
    let (_, body) = app.json(Method::GET, &format!("{path}?per_page=2&page=2"), None, None).await;
    assert_eq!((body["total"].as_i64(), body["items"].as_array().unwrap().len()), (Some(4), 2));
    let (status, body) = app.json(Method::GET, &format!("{path}?industry=99"), None, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["details"][0]["field"], "industries");
}

const SHEET_HEADER: &str = "序号,任务编号,任务名称,揭榜方向,任务类别,所属行业,所在地区,考核指标";

#[tokio::test]
async fn a_spreadsheet_with_one_bad_row_imports_nothing_and_names_the_row() {
    let app = TestApp::new().await;
    let path = format!("/api/v1/programs/{}/challenges/import", app.program);
    let sheet = format!(
        "{SHEET_HEADER}\n1,IM-01,甲,人工智能+制造,示范应用,26,济南市,F1 | f1>=0.9\n2,IM-02,乙,人工智能+制造,示范应用,26,济南市,F1 | f1>=\n3,IM-03,丙,人工智能+制造,示范应用,26,济南市,F1 | f1>=0.9\n"
    );
    let (status, _, body) = app.send(app.upload(&path, Some("organizer"), "榜单.csv", sheet.as_bytes())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", text(&body));
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["details"][0]["row"], 3);
    assert_eq!(body["error"]["details"][0]["column"], "考核指标");
    let (_, list) = app.json(Method::GET, &format!("/api/v1/programs/{}/challenges", app.program), None, None).await;
    assert_eq!(list["total"], 1, "nothing from the bad file was stored");

    let good = sheet.replace("f1>=\n", "f1>=0.8\n");
    let (status, _, body) = app.send(app.upload(&path, Some("organizer"), "榜单.csv", good.as_bytes())).await;
    assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
    let (_, list) = app.json(Method::GET, &format!("/api/v1/programs/{}/challenges", app.program), None, None).await;
    assert_eq!(list["total"], 4);

    let (status, _, body) = app.send(app.upload(&path, Some("organizer"), "again.csv", good.as_bytes())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&body).contains("already exists"), "re-importing the same numbers is refused: {}", text(&body));
}

#[tokio::test]
async fn an_oversized_upload_is_413() {
    let app = TestApp::with_config(jiebang_web::WebConfig { max_upload_bytes: 1024, ..Default::default() }).await;
    let path = format!("/api/v1/programs/{}/challenges/import", app.program);
    let (status, _, body) = app.send(app.upload(&path, Some("organizer"), "big.csv", &vec![b'a'; 200_000])).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{}", text(&body));
}

#[tokio::test]
async fn an_exported_list_imports_into_another_program_unchanged() {
    let app = TestApp::new().await;
    for format in ["xlsx", "csv"] {
        let (status, headers, bytes) = app
            .send(app.request(
                Method::GET,
                &format!("/api/v1/programs/{}/challenges/export?format={format}", app.program),
                None,
                None,
            ))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap().contains(format));
        let (_, created) =
            app.json(Method::POST, "/api/v1/programs", Some("organizer"), Some(program_json(format))).await;
        let target = created["id"].as_i64().unwrap();
        let (status, _, body) = app
            .send(app.upload(
                &format!("/api/v1/programs/{target}/challenges/import"),
                Some("organizer"),
                &format!("list.{format}"),
                &bytes,
            ))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{}", text(&body));
        let (_, original) = app.json(Method::GET, &format!("/api/v1/challenges/{}", app.challenge), None, None).await;
        let (_, copies) =
            app.json(Method::GET, &format!("/api/v1/programs/{target}/challenges"), Some("organizer"), None).await;
        let copy = &copies["items"][0];
        for key in [
            "code",
            "title",
            "direction",
            "task_class",
            "industries",
            "region",
            "indicators",
            "period_months",
            "winners",
        ] {
            assert_eq!(copy[key], original[key], "{format}: {key}");
        }
    }
    let (status, _) = app
        .json(Method::GET, &format!("/api/v1/programs/{}/challenges/export?format=pdf", app.program), None, None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_openapi_document_and_swagger_ui_are_served() {
    let app = TestApp::new().await;
    let (status, doc) = app.json(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["paths"]["/api/v1/programs/{id}/challenges"]["get"].is_object());
    // Every {name} in a path is a declared path parameter of each of its operations.
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let names: Vec<&str> = path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
        for (method, operation) in item.as_object().unwrap() {
            for name in &names {
                let declared = operation["parameters"].as_array().is_some_and(|ps| {
                    ps.iter().any(|p| p["name"] == *name && p["in"] == "path" && p["required"] == true)
                });
                assert!(declared, "{method} {path}: {{{name}}} is not declared");
                checked += 1;
            }
        }
    }
    assert!(checked >= 53, "{checked}");
    // Every success that answers with a body says what the body is.
    let mut undescribed = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                let success = status.starts_with('2') && status != "204";
                // JSON has a schema; a file (CSV, a spreadsheet, a download) names its type.
                let described = response["content"].as_object().is_some_and(|types| {
                    types.iter().all(|(kind, t)| !kind.contains("json") || t["schema"].is_object())
                });
                if success && !described {
                    undescribed.push(format!("{method} {path} {status}"));
                }
            }
        }
    }
    assert!(undescribed.is_empty(), "successes without a response schema: {undescribed:?}");
    let (status, _, body) = app.send(app.request(Method::GET, "/api/docs/", None, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text(&body).contains("swagger"), "Swagger UI is served from the binary");
}

#[tokio::test]
async fn a_cross_site_form_post_is_refused_and_a_same_site_one_passes() {
    let app = TestApp::new().await;
    let mut request = app.request(Method::POST, "/api/v1/programs", Some("admin"), Some(&program_json("x")));
    request.headers_mut().insert("sec-fetch-site", "cross-site".parse().unwrap());
    request.headers_mut().insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["error"]["code"], "cross_site");
    let mut request = app.request(Method::POST, "/api/v1/programs", Some("admin"), Some(&program_json("x")));
    request.headers_mut().insert("sec-fetch-site", "same-origin".parse().unwrap());
    assert_eq!(app.send(request).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn api_tokens_are_created_listed_and_revoked_by_their_owner_only() {
    let app = TestApp::new().await;
    let (status, created) =
        app.json(Method::POST, "/api/v1/tokens", Some("expert"), Some(json!({"name": "脚本"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["token"]["id"].as_i64().unwrap();
    let (_, listed) = app.json(Method::GET, "/api/v1/tokens", Some("expert"), None).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(
        app.json(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some("applicant"), None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.json(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some("expert"), None).await.0,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn an_admin_creates_users_with_grants_that_fit_their_role() {
    let app = TestApp::new().await;
    let user = json!({"email": "rec2@example.cn", "name": "青岛推荐", "password": "correct-horse-42", "grant": {"role": "recommender", "scope": {"kind": "region", "id": "370200"}}});
    let (status, body) = app.json(Method::POST, "/api/v1/users", Some("admin"), Some(user)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let misfit = json!({"email": "x@example.cn", "name": "x", "password": "correct-horse-42", "grant": {"role": "recommender", "scope": {"kind": "global"}}});
    let (status, body) = app.json(Method::POST, "/api/v1/users", Some("admin"), Some(misfit)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app.json(Method::GET, "/api/v1/users?per_page=3", Some("admin"), None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_self_registered_unit_gives_no_applicant_rights_until_its_region_verifies_it() {
    let app = TestApp::new().await;
    let org = |i: u32, name: &str| {
        let code = CreditCode::with_check_character(&format!("91370100MA3R{i:05}")).unwrap().to_string();
        json!({"name": name, "credit_code": code, "kind": "enterprise", "region": "370100"})
    };
    let (status, created) =
        app.json(Method::POST, "/api/v1/organizations", Some("expert"), Some(org(1, "新注册科技有限公司"))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["verified"], false);
    let id = created["id"].as_i64().unwrap();
    let (_, session) = app.json(Method::GET, "/api/v1/session", Some("expert"), None).await;
    assert!(!session.to_string().contains("applicant"), "no applicant grant before verification: {session}");
    // The same name again (spaces and brackets aside) is refused, and so is a fourth waiting unit.
    let (status, body) =
        app.json(Method::POST, "/api/v1/organizations", Some("expert"), Some(org(2, "新注册科技 有限公司"))).await;
    assert_eq!((status, body["error"]["details"][0]["field"].as_str()), (StatusCode::CONFLICT, Some("name")));
    for i in 3..5 {
        let (status, _) =
            app.json(Method::POST, "/api/v1/organizations", Some("expert"), Some(org(i, &format!("单位{i}")))).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, body) = app.json(Method::POST, "/api/v1/organizations", Some("expert"), Some(org(9, "第四家"))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // An applicant of another unit may not verify it; the region's recommender does.
    let verify = format!("/api/v1/organizations/{id}/verification");
    assert_eq!(app.json(Method::POST, &verify, Some("applicant"), None).await.0, StatusCode::FORBIDDEN);
    let (status, verified) = app.json(Method::POST, &verify, Some("recommender"), None).await;
    assert_eq!((status, verified["verified"].as_bool()), (StatusCode::OK, Some(true)), "{verified}");
    let (_, session) = app.json(Method::GET, "/api/v1/session", Some("expert"), None).await;
    assert!(
        session.to_string().contains(&format!("\"id\":{id}")) || session.to_string().contains("applicant"),
        "{session}"
    );
}
