//! Pages: language switch, forms that come back with errors beside their fields, login flow.

use axum::http::{Method, StatusCode, header};

use crate::{TestApp, text};

#[tokio::test]
async fn pages_are_chinese_by_default_and_english_with_the_language_cookie() {
    let app = TestApp::new().await;
    let (status, _, body) = app.send(app.request(Method::GET, "/", None, None)).await;
    assert_eq!(status, StatusCode::OK);
    let body = text(&body);
    assert!(body.contains("lang=\"zh-CN\"") && body.contains("揭榜挂帅批次"));
    let (status, headers, _) = app.send(app.request(Method::GET, "/lang/en?next=/programs/1", None, None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get(header::LOCATION).unwrap(), "/programs/1");
    assert!(headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().starts_with("lang=en"));
    let mut request = app.request(Method::GET, "/", None, None);
    request.headers_mut().insert(header::COOKIE, "lang=en".parse().unwrap());
    let body = text(&app.send(request).await.2);
    assert!(body.contains("lang=\"en\"") && body.contains("Programs"));
    let (_, headers, _) = app.send(app.request(Method::GET, "/lang/en?next=https://evil.example", None, None)).await;
    assert_eq!(headers.get(header::LOCATION).unwrap(), "/", "no open redirect");
}

#[tokio::test]
async fn pages_forbid_inline_scripts_and_styles_and_embed_every_asset() {
    let app = TestApp::new().await;
    let (_, headers, body) =
        app.send(app.request(Method::GET, &format!("/programs/{}", app.program), None, None)).await;
    let csp = headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let body = text(&body);
    assert!(!body.contains("style=\""), "inline style attributes would be blocked by the CSP");
    assert!(!body.contains("http://") && !body.contains("https://"), "no asset is fetched from outside");
    let (status, headers, js) = app.send(app.request(Method::GET, "/static/htmx-2.0.11.min.js", None, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap().starts_with("text/javascript"));
    assert!(js.len() > 40_000);
}

/// The unit registration form's fields, as a browser sends them.
fn unit_fields(name: &str, code: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.into()),
        ("credit_code", code.into()),
        ("kind", "enterprise".into()),
        ("region", "370100".into()),
        ("industries", "C26".into()),
        ("contact_name", "王工".into()),
        ("contact_phone", "0531-88886666".into()),
    ]
}

#[tokio::test]
async fn a_refused_organization_form_comes_back_filled_in_with_the_error_beside_the_field() {
    let app = TestApp::new().await;
    let fields = unit_fields("测试单位", "370100228012345");
    let (status, _, body) =
        app.send(app.upload_with("/organizations", Some("applicant"), &fields, "licence.pdf", b"")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(&body);
    assert!(body.contains("data-field-error=\"credit_code\""), "error beside the field");
    assert!(body.contains("15位工商注册号"));
    assert!(body.contains("data-field-error=\"licence\""), "a registration needs its licence: every problem at once");
    assert!(body.contains("value=\"测试单位\"") && body.contains("value=\"王工\""), "the form keeps what was typed");
}

#[tokio::test]
async fn refusals_speak_the_page_language_with_fields_by_their_labels() {
    let app = TestApp::new().await;
    let mut request =
        app.upload_with("/organizations", Some("applicant"), &unit_fields("测试单位", "370100228012345"), "l.pdf", b"");
    request.headers_mut().insert(header::COOKIE, "lang=en".parse().unwrap());
    let body = text(&app.send(request).await.2);
    let error = body.split("data-field-error=\"credit_code\"").nth(1).unwrap().split("</").next().unwrap();
    assert!(
        error.contains("registration number") && !error.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{error}"
    );
    // An error page: the core's "中文 / English" message, one side of it.
    let (status, _, body) = app.send(app.request(Method::GET, "/programs/999999", None, None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let page = text(&body);
    let message = page.split("class=\"errors\"><p>").nth(1).unwrap().split("</p>").next().unwrap();
    assert!(!message.contains(" / ") && message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{message}");
}

#[tokio::test]
async fn an_organizer_creates_a_challenge_with_two_indicators_through_the_form() {
    let app = TestApp::new().await;
    let cookie = app.login_cookie("organizer").await;
    let path = format!("/programs/{}/challenges/new", app.program);
    let fields = [
        ("code", "FORM-01"),
        ("task_class", "key_product"),
        ("title", "表单任务"),
        ("direction", "人工智能+制造"),
        ("industries", "26"),
        ("industries", "28"),
        ("region", "370200"),
        ("ind_name", "F1"),
        ("ind_metric", "f1"),
        ("ind_op", ">="),
        ("ind_threshold", "0.9"),
        ("ind_unit", ""),
        ("ind_test_method", ""),
        ("ind_kind", "hard"),
        ("ind_weight", ""),
        ("ind_name", "时延"),
        ("ind_metric", "latency_p99_ms"),
        ("ind_op", "<="),
        ("ind_threshold", "abc"),
        ("ind_unit", "ms"),
        ("ind_test_method", ""),
        ("ind_kind", "scored"),
        ("ind_weight", "20"),
        ("ind_name", ""),
        ("ind_metric", ""),
        ("ind_op", ">="),
        ("ind_threshold", ""),
        ("ind_unit", ""),
        ("ind_test_method", ""),
        ("ind_kind", "hard"),
        ("ind_weight", ""),
        ("period_months", "24"),
        ("winners", "2"),
    ];
    let (status, _, body) = app.send(app.form(&path, Some(&cookie), &fields)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a threshold that is not a number is refused");
    assert!(text(&body).contains("abc"), "the bad value is named");
    let fixed: Vec<_> = fields.iter().map(|(k, v)| (*k, if *v == "abc" { "100" } else { *v })).collect();
    let (status, headers, _) = app.send(app.form(&path, Some(&cookie), &fixed)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers.get(header::LOCATION).unwrap().to_str().unwrap().to_owned();
    let id: i64 = location.trim_start_matches("/challenges/").parse().unwrap();
    let stored = app.t.store.get_challenge(id).await.unwrap();
    assert_eq!(stored.challenge.indicators.len(), 2, "the blank row is ignored");
    assert_eq!(stored.challenge.indicators[1].target_text(), "≤ 100 ms");
    assert_eq!(stored.challenge.industries.len(), 2);
}

#[tokio::test]
async fn the_import_page_lists_every_bad_row() {
    let app = TestApp::new().await;
    let sheet = "序号,任务名称,揭榜方向,任务类别,所属行业,考核指标\n1,甲,方向,示范应用,99,F1 | f1>=0.9\n2,乙,方向,示范应用,26,F1 | f1>=2\n";
    let mut request =
        app.upload(&format!("/programs/{}/import", app.program), Some("organizer"), "bad.csv", sheet.as_bytes());
    request.headers_mut().remove(header::AUTHORIZATION);
    request.headers_mut().insert(header::COOKIE, app.login_cookie("organizer").await.parse().unwrap());
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(&body);
    assert!(body.contains("import-row-errors"));
    assert!(
        body.contains("<td class=\"num\">2</td>") && body.contains("<td class=\"num\">3</td>"),
        "both rows are listed"
    );
}

#[tokio::test]
async fn filters_narrow_the_list_page() {
    let app = TestApp::new().await;
    let (_, _, body) =
        app.send(app.request(Method::GET, &format!("/programs/{}?industry=34", app.program), None, None)).await;
    assert!(text(&body).contains("data-testid=\"challenge-total\">共 0 项"));
    let (_, _, body) = app
        .send(app.request(Method::GET, &format!("/programs/{}?industry=26&region=370100", app.program), None, None))
        .await;
    assert!(text(&body).contains("data-testid=\"challenge-total\">共 1 项"));
}

#[tokio::test]
async fn no_link_sends_the_browser_to_another_site_or_puts_words_in_an_official_alert() {
    let app = TestApp::new().await;
    for next in
        ["/%09/evil.example", "/%0a/evil.example", "%2F%2Fevil.example", "/%5Cevil.example", "https://evil.example"]
    {
        let (status, headers, _) =
            app.send(app.request(Method::GET, &format!("/lang/en?next={next}"), None, None)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(headers[header::LOCATION], "/", "{next}");
        let (status, headers, _) = app
            .send(app.form(
                "/login",
                None,
                &[
                    ("email", "admin@example.cn"),
                    ("password", "correct-horse-42"),
                    ("next", &next.replace("%09", "\t").replace("%0a", "\n").replace("%5C", "\\").replace("%2F", "/")),
                ],
            ))
            .await;
        assert_eq!((status, &headers[header::LOCATION]), (StatusCode::SEE_OTHER, &"/".parse().unwrap()), "{next}");
    }
    // A refusal comes back as a signed, short-lived cookie, never as words in the URL; the page
    // shows it once and removes it; a flash the platform did not sign is not shown.
    let desk = format!("/programs/{}/applications", app.program);
    let mut draw = app.form(&format!("/programs/{}/draw", app.program), None, &[("seed", "abc")]);
    draw.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {}", app.tokens["organizer"]).parse().unwrap());
    let (status, headers, _) = app.send(draw).await;
    assert_eq!((status, &headers[header::LOCATION]), (StatusCode::SEE_OTHER, &desk.parse().unwrap()));
    let flash = headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert!(flash.starts_with("jiebang_flash=") && headers[header::SET_COOKIE].to_str().unwrap().contains("HttpOnly"));
    let with_cookie = |value: String| {
        let mut request = app.request(Method::GET, &desk, Some("organizer"), None);
        request.headers_mut().insert(header::COOKIE, value.parse().unwrap());
        request
    };
    let (status, headers, body) = app.send(with_cookie(flash.clone())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text(&body).contains("data-testid=\"flash-error\"") && text(&body).contains("种子应为非负整数"));
    assert!(headers[header::SET_COOKIE].to_str().unwrap().contains("jiebang_flash=; "), "shown once, then removed");
    let forged = {
        let (_, rest) = flash.split_once('.').unwrap();
        format!("jiebang_flash={}.{rest}", hex::encode("请汇款至以下账户"))
    };
    let (_, _, body) = app.send(with_cookie(forged)).await;
    assert!(!text(&body).contains("请汇款") && !text(&body).contains("flash-error"), "a forged flash is shown");
}

/// A form post as `who`, by API token.
fn form_as(app: &TestApp, who: &str, path: &str, pairs: &[(&str, &str)]) -> axum::http::Request<axum::body::Body> {
    let mut request = app.form(path, None, pairs);
    request.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {}", app.tokens[who]).parse().unwrap());
    request
}

/// The flash a redirect carries, as the page it leads to shows it.
async fn flash_of(app: &TestApp, headers: &axum::http::HeaderMap, who: &str) -> String {
    let location = headers[header::LOCATION].to_str().unwrap().to_owned();
    let cookie = headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let mut request = app.request(Method::GET, &location, Some(who), None);
    request.headers_mut().insert(header::COOKIE, cookie.parse().unwrap());
    text(&app.send(request).await.2)
}

#[tokio::test]
async fn a_unit_is_registered_with_its_licence_turned_down_with_a_reason_registered_again_and_verified() {
    let app = TestApp::new().await;
    let code = jiebang_core::uscc::CreditCode::with_check_character("91370100MA3W00001").unwrap().to_string();
    let fields = unit_fields("待核验科技有限公司", &code);
    // Not a PDF or an image: refused, and nothing is registered.
    let (status, _, body) =
        app.send(app.upload_with("/organizations", Some("expert"), &fields, "licence.pdf", b"<html>")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&body).contains("不是 PDF、PNG 或 JPEG"), "{}", text(&body));
    let licence = b"%PDF-1.4 licence scan";
    let (status, headers, _) =
        app.send(app.upload_with("/organizations", Some("expert"), &fields, "licence.pdf", licence)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let unit = headers[header::LOCATION].to_str().unwrap().to_owned();
    let id: i64 = unit.rsplit('/').next().unwrap().parse().unwrap();
    assert!(flash_of(&app, &headers, "expert").await.contains("等待核验"));
    let page = |who| {
        let (app, unit) = (&app, unit.clone());
        async move { text(&app.send(app.request(Method::GET, &unit, Some(who), None)).await.2) }
    };
    let own = page("expert").await;
    assert!(own.contains("待核验") && own.contains("0531-88886666") && own.contains("data-testid=\"licence\""));
    assert!(!own.contains(&format!("verify-{id}")), "the registrant cannot verify its own");
    let other = page("applicant").await;
    assert!(
        !other.contains("0531-88886666") && !other.contains("data-testid=\"licence\""),
        "contact and licence stay private"
    );
    let licence_path = format!("{unit}/licence");
    assert_eq!(
        app.send(app.request(Method::GET, &licence_path, Some("applicant"), None)).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, headers, bytes) = app.send(app.request(Method::GET, &licence_path, Some("recommender"), None)).await;
    assert_eq!(
        (status, headers[header::CONTENT_TYPE].to_str().unwrap(), bytes.as_slice()),
        (StatusCode::OK, "application/pdf", &licence[..])
    );
    assert!(page("recommender").await.contains(&format!("data-testid=\"verify-{id}\"")));
    // Turned down with a reason the registrant reads, on the page and in the inbox.
    let (status, headers, _) =
        app.send(form_as(&app, "recommender", &format!("{unit}/reject"), &[("reason", "营业执照照片不清晰")])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(flash_of(&app, &headers, "recommender").await.contains("已退回该登记"));
    assert!(page("expert").await.contains("营业执照照片不清晰"));
    let (_, inbox) = app.json(Method::GET, "/api/v1/notifications", Some("expert"), None).await;
    assert!(inbox.to_string().contains("单位登记未通过"), "{inbox}");
    // The code is free again: a corrected registration, then verification with the checkbox.
    let (status, headers, _) = app
        .send(app.upload_with("/organizations", Some("expert"), &fields, "licence.png", b"\x89PNG\r\n\x1a\n...."))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "registered again after the rejection");
    let unit = headers[header::LOCATION].to_str().unwrap().to_owned();
    let (status, headers, _) = app.send(form_as(&app, "recommender", &format!("{unit}/verify"), &[])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(flash_of(&app, &headers, "recommender").await.contains("请先勾选"), "nothing happens unconfirmed");
    let (_, headers, _) = app.send(form_as(&app, "recommender", &format!("{unit}/verify"), &[("confirm", "1")])).await;
    assert!(flash_of(&app, &headers, "recommender").await.contains("单位已核验"), "a message after the action");
    // A second registration of the code says whom to ask.
    let (status, _, body) = app
        .send(app.upload_with("/organizations", Some("applicant"), &unit_fields("别名公司", &code), "l.pdf", licence))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&body).contains("单位管理员为expert"), "{}", text(&body));
}

#[tokio::test]
async fn a_unit_administrator_invites_a_colleague_who_sets_a_password_and_applies_for_the_unit() {
    let app = TestApp::new().await;
    let applicant = app.ids["applicant"];
    app.t.store.set_unit_admin(app.organization, applicant, None).await.unwrap();
    let unit = format!("/organizations/{}", app.organization);
    let page = text(&app.send(app.request(Method::GET, &unit, Some("applicant"), None)).await.2);
    assert!(page.contains("data-testid=\"invite\"") && page.contains("单位管理员"), "{page}");
    assert!(
        !text(&app.send(app.request(Method::GET, &unit, Some("expert"), None)).await.2)
            .contains("data-testid=\"invite\"")
    );
    // Someone else may not invite.
    let refused = form_as(&app, "expert", &format!("{unit}/members"), &[("email", "x@example.cn"), ("name", "某")]);
    assert_eq!(app.send(refused).await.0, StatusCode::FORBIDDEN);
    let invite = form_as(
        &app,
        "applicant",
        &format!("{unit}/members"),
        &[("email", "colleague@example.cn"), ("name", "同事甲")],
    );
    let (status, headers, _) = app.send(invite).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(flash_of(&app, &headers, "applicant").await.contains("已邀请"));
    // The invitation link (logged without SMTP) sets the password; then the colleague acts for the unit.
    let colleague = app.t.store.find_user_by_email("colleague@example.cn").await.unwrap().unwrap();
    let link = app.t.store.issue_link(colleague.id, jiebang_store::LinkPurpose::Invite, None, false).await.unwrap();
    let token = link.secret.clone();
    let page = text(&app.send(app.request(Method::GET, &link.path(), None, None)).await.2);
    assert!(page.contains("colleague@example.cn"), "the reset page takes the invitation: {page}");
    let reset = app.form("/password/reset", None, &[("token", &token), ("password", "violet-lantern-2026")]);
    assert_eq!(app.send(reset).await.0, StatusCode::SEE_OTHER);
    let user = app.t.store.authenticate("colleague@example.cn", "violet-lantern-2026", "t").await.unwrap().unwrap();
    let grants = app.t.store.grants_of(&[user.id]).await.unwrap().remove(&user.id).unwrap_or_default();
    assert!(grants.iter().any(|g| g.scope == jiebang_core::role::Scope::Organization(app.organization)), "{grants:?}");
}

#[tokio::test]
async fn a_new_token_is_shown_once_uncached_with_its_expiry_in_china_standard_time() {
    let app = TestApp::new().await;
    let mut request = app.form("/account/tokens", None, &[("name", "脚本")]);
    request.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {}", app.tokens["expert"]).parse().unwrap());
    let (status, headers, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let page = text(&body);
    assert!(page.contains("data-testid=\"token-secret\"") && page.contains("失效时间"), "{page}");
    let expires = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)) + time::Duration::days(90);
    let day = expires.format(time::macros::format_description!("[year]-[month]-[day]")).unwrap();
    assert!(page.contains(&day), "the expiry, {day} in CST, is shown: {page}");
}

#[tokio::test]
async fn a_challenge_page_offers_applying_while_its_program_takes_applications_and_says_why_not_after() {
    let app = TestApp::new().await;
    let program = app.t.store.get_program(app.program).await.unwrap();
    let today = app.clock.today();
    let input = jiebang_core::program::ProgramInput {
        title: program.title,
        issuer: program.issuer,
        year: program.year,
        description: program.description,
        rules: program.rules,
        timeline: jiebang_core::program::Timeline {
            opens_on: Some(today.plus_days(-1)),
            applicant_deadline: Some(today.plus_days(2)),
            ..Default::default()
        },
    };
    app.t.store.update_program(app.program, input, None).await.unwrap();
    let page = format!("/challenges/{}", app.challenge);
    let apply = format!("/challenges/{}/apply", app.challenge);
    let (_, _, body) = app.send(app.request(Method::GET, &page, None, None)).await;
    let body = text(&body);
    assert!(body.contains("data-testid=\"apply-sign-in\"") && body.contains("还剩 2 天"), "{body}");
    let (_, _, body) = app.send(app.request(Method::GET, &page, Some("applicant"), None)).await;
    assert!(text(&body).contains(&format!("href=\"{apply}\"")), "the applicant gets 我要揭榜");
    let (_, _, body) = app.send(app.request(Method::GET, &page, Some("expert"), None)).await;
    assert!(text(&body).contains("data-testid=\"apply-register-unit\""), "a user with no unit is told to register one");
    let (status, _, _) = app.send(app.request(Method::GET, &apply, Some("applicant"), None)).await;
    assert_eq!(status, StatusCode::OK);

    app.clock.advance(3);
    let (_, _, body) = app.send(app.request(Method::GET, &page, Some("applicant"), None)).await;
    let body = text(&body);
    assert!(!body.contains(&format!("href=\"{apply}\"")) && body.contains("申报已于"), "{body}");
    let (status, _, body) = app.send(app.request(Method::GET, &apply, Some("applicant"), None)).await;
    assert_eq!(status, StatusCode::CONFLICT, "the form is not served once applications closed");
    assert!(text(&body).contains("申报已于"));
}

#[tokio::test]
async fn an_applicant_follows_its_applications_on_my_applications() {
    let app = TestApp::new().await;
    let (status, _, body) = app.send(app.request(Method::GET, "/my/applications", Some("applicant"), None)).await;
    assert_eq!(status, StatusCode::OK);
    let body = text(&body);
    assert!(body.contains(&format!("data-application=\"{}\"", app.application)), "{body}");
    assert!(body.contains("完善申报书并提交"), "the draft says what to do next");
    assert!(body.contains("<li class=\"current\">草稿</li>"), "{body}");
    assert!(body.contains("data-testid=\"my-applications\""), "the applicant's menu links it");
    let (status, _, body) = app.send(app.request(Method::GET, "/my/applications", Some("expert"), None)).await;
    assert_eq!(status, StatusCode::OK);
    let body = text(&body);
    assert!(body.contains("data-testid=\"no-applications\"") && !body.contains("data-testid=\"my-applications\""));
}

#[tokio::test]
async fn an_applications_history_reads_as_sentences_with_names() {
    let app = TestApp::new().await;
    let page = format!("/applications/{}", app.application);
    let (status, _, body) = app.send(app.request(Method::GET, &page, Some("organizer"), None)).await;
    assert_eq!(status, StatusCode::OK);
    let body = text(&body);
    let history = &body[body.find("data-testid=\"history\"").expect("the organizer sees the history")..];
    assert!(history.contains("创建了申报草稿"), "{history}");
    assert!(!history.contains("application.create") && !history.contains("{\""), "no event names or JSON: {history}");
}

/// A PDF as text, by poppler's pdftotext, pages split at form feeds.
pub(crate) fn pdf_pages(pdf: &[u8]) -> Vec<String> {
    use std::io::Write;
    let mut child = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("pdftotext (scripts/test installs poppler-utils)");
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .unwrap()
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_submitted_application_prints_as_a_pdf_with_its_snapshot_hash_on_every_page() {
    let app = TestApp::new().await;
    let id = app.application;
    // An attachment: a link for the application's readers, not for others.
    let upload = app.upload(
        &format!("/api/v1/applications/{id}/attachments"),
        Some("applicant"),
        "可研报告.pdf",
        b"%PDF-1.4 report",
    );
    assert_eq!(app.send(upload).await.0, StatusCode::NO_CONTENT);
    let submit = serde_json::json!({"action": "submit", "reason": ""});
    let (status, body) =
        app.json(Method::POST, &format!("/api/v1/applications/{id}/actions"), Some("applicant"), Some(submit)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, application) = app.json(Method::GET, &format!("/api/v1/applications/{id}"), Some("applicant"), None).await;
    let sha = application["snapshot_sha256"].as_str().unwrap().to_owned();
    let page =
        text(&app.send(app.request(Method::GET, &format!("/applications/{id}"), Some("organizer"), None)).await.2);
    let link =
        page.split("data-testid=\"attachments\"><li><a href=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let (status, headers, bytes) = app.send(app.request(Method::GET, &link, Some("organizer"), None)).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, &b"%PDF-1.4 report"[..]));
    assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("filename*=UTF-8''"));
    assert_eq!(app.send(app.request(Method::GET, &link, Some("expert"), None)).await.0, StatusCode::NOT_FOUND);

    let pdf_path = format!("/applications/{id}/pdf");
    assert!(page.contains(&format!("href=\"{pdf_path}\"")), "the page offers the PDF");
    assert_eq!(app.send(app.request(Method::GET, &pdf_path, Some("expert"), None)).await.0, StatusCode::NOT_FOUND);
    let (status, headers, pdf) = app.send(app.request(Method::GET, &pdf_path, Some("applicant"), None)).await;
    assert_eq!((status, headers[header::CONTENT_TYPE].to_str().unwrap()), (StatusCode::OK, "application/pdf"));
    let pages = pdf_pages(&pdf);
    assert!(pages.len() >= 2, "a cover and the body");
    let cover = &pages[0];
    for expected in
        ["揭榜挂帅项目申报书", "云鼎化工行业大模型", "SD-01", "云鼎科技", "已发榜批次", "山东省工业和信息化厅"]
    {
        assert!(cover.contains(expected), "the cover lacks {expected}: {cover}");
    }
    let body = pages[1..].concat();
    for expected in
        ["一、申报单位", "91370100MA3DEM001", "王工", "自筹", "500", "四、指标承诺", "0.95", "技术路线", "可研报告.pdf"]
    {
        assert!(body.contains(expected), "the body lacks {expected}: {body}");
    }
    for (i, page) in pages.iter().enumerate() {
        // pdftotext may wrap the footer; the hash is on the page either way.
        assert!(page.replace('\n', "").contains(&sha), "page {} lacks the snapshot hash: {page}", i + 1);
    }
}

#[tokio::test]
async fn the_organizers_desk_offers_only_the_current_stages_actions() {
    let app = TestApp::new().await;
    let desk = format!("/programs/{}/applications", app.program);
    let actions = |page: &str| {
        ["draw", "rank", "publish-publicity", "announce"]
            .into_iter()
            .filter(|a| page.contains(&format!("data-testid=\"{a}\"")))
            .collect::<Vec<_>>()
    };
    let page = text(&app.send(app.request(Method::GET, &desk, Some("organizer"), None)).await.2);
    assert!(page.contains("正在受理申报"), "it says where the program stands");
    assert_eq!(actions(&page), Vec::<&str>::new(), "nothing to do while applications are open");
    use jiebang_core::program::ProgramStatus;
    for status in [ProgramStatus::ApplicationsClosed, ProgramStatus::UnderReview] {
        app.t.store.transition_program(app.program, status, None).await.unwrap();
    }
    let page = text(&app.send(app.request(Method::GET, &desk, Some("organizer"), None)).await.2);
    assert_eq!(actions(&page), ["draw", "rank", "publish-publicity"], "review: draw, rank, publish");
}

#[tokio::test]
async fn a_lead_unit_invites_a_unit_not_on_the_platform_by_mail_naming_the_project() {
    let app = TestApp::new().await;
    let path = format!("/applications/{}/invite-unit", app.application);
    let page = text(
        &app.send(app.request(Method::GET, &format!("/applications/{}", app.application), Some("applicant"), None))
            .await
            .2,
    );
    assert!(page.contains("data-testid=\"invite-unit\""), "the lead's page offers it");
    let invite = form_as(&app, "applicant", &path, &[("email", "contact@newunit.cn"), ("unit_name", "新材料研究院")]);
    let (status, headers, _) = app.send(invite).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(flash_of(&app, &headers, "applicant").await.contains("已邀请"));
    let user = app.t.store.find_user_by_email("contact@newunit.cn").await.unwrap().unwrap();
    assert!(user.verified_at.is_none() && user.name == "新材料研究院");
    // With mail, the invitation carries who invites whom to what.
    app.t
        .store
        .invite_to_consortium(app.application, app.ids["applicant"], "other@newunit.cn", "另一单位", true)
        .await
        .unwrap();
    let mail = app.t.store.pending_mail(10).await.unwrap();
    let sent = mail.iter().find(|m| m.address == "other@newunit.cn").expect("a mail for the new address");
    assert!(
        sent.body.contains("「云鼎科技」邀请贵单位「另一单位」") && sent.body.contains("云鼎化工行业大模型"),
        "{}",
        sent.body
    );
    assert!(sent.link.starts_with("/password/reset?token="));
    // An address with an account is told in its inbox instead.
    app.t
        .store
        .invite_to_consortium(app.application, app.ids["applicant"], "expert@example.cn", "专家所在单位", false)
        .await
        .unwrap();
    let (_, inbox) = app.json(Method::GET, "/api/v1/notifications", Some("expert"), None).await;
    assert!(inbox.to_string().contains("联合申报邀请"), "{inbox}");
    // Only the lead unit invites.
    let refused = form_as(&app, "expert", &path, &[("email", "x@newunit.cn"), ("unit_name", "某")]);
    assert_eq!(app.send(refused).await.0, StatusCode::NOT_FOUND);
}
