//! Self-service accounts through the pages: sign-up, the link handed over by an admin when the
//! platform sends no mail, confirming the address, signing in, changing the password, and an
//! admin disabling the account.

use axum::http::{Method, StatusCode, header};

use crate::{TestApp, text};

/// The cookie a response set, as a `Cookie` header value.
fn set_cookie(headers: &axum::http::HeaderMap, name: &str) -> String {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

/// The page a flash leads to, showing it.
async fn shown(app: &TestApp, path: &str, cookie: &str) -> String {
    let mut request = app.request(Method::GET, path, None, None);
    request.headers_mut().insert(header::COOKIE, cookie.parse().unwrap());
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    text(&body)
}

#[tokio::test]
async fn a_new_user_signs_up_confirms_the_address_with_the_admins_link_and_signs_in() {
    let app = TestApp::new().await;
    let password = "a fine new horse";
    let (status, _, body) =
        app.send(app.form("/signup", None, &[("email", "new@example.cn"), ("name", ""), ("password", "short")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(&body);
    assert!(body.contains("data-field-error=\"name\"") && body.contains("data-field-error=\"password\""), "{body}");
    assert!(body.contains("value=\"new@example.cn\""), "the form comes back filled in");

    let form = [("email", "new@example.cn"), ("name", "新用户"), ("password", password)];
    let (status, headers, _) = app.send(app.form("/signup", None, &form)).await;
    assert_eq!((status, &headers[header::LOCATION]), (StatusCode::SEE_OTHER, &"/login".parse().unwrap()));
    let page = shown(&app, "/login", &set_cookie(&headers, "jiebang_flash")).await;
    assert!(page.contains("data-testid=\"flash-done\"") && page.contains("尚未配置邮件发送"), "{page}");
    // Not yet verified: the right password is not enough.
    let (status, _, body) =
        app.send(app.form("/login", None, &[("email", "new@example.cn"), ("password", password)])).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(text(&body).contains("邮箱尚未验证"));

    // The admin finds the account on the user page and issues the link (no mail here).
    let admin = app.login_cookie("admin").await;
    let users = shown(&app, "/users", &admin).await;
    let id = app.t.store.find_user_by_email("new@example.cn").await.unwrap().unwrap().id;
    assert!(users.contains(&format!("data-testid=\"resend-{id}\"")), "{users}");
    let (status, headers, _) = app.send(app.form(&format!("/users/{id}/verification"), Some(&admin), &[])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = shown(&app, "/users", &format!("{admin}; {}", set_cookie(&headers, "jiebang_flash"))).await;
    let start = page.find("/verify?token=").expect("the link is shown to the admin");
    let link: String = page[start..].chars().take_while(|c| !c.is_whitespace() && *c != '<').collect();

    // Opening the link uses nothing up; confirming does, once.
    let opened = shown(&app, &link, "lang=zh").await;
    assert!(opened.contains("新用户") && opened.contains("data-testid=\"verify-button\""));
    let token = link.trim_start_matches("/verify?token=");
    let (status, headers, _) = app.send(app.form("/verify", None, &[("token", token)])).await;
    assert_eq!((status, &headers[header::LOCATION]), (StatusCode::SEE_OTHER, &"/login".parse().unwrap()));
    let (status, _, _) = app.send(app.form("/verify", None, &[("token", token)])).await;
    assert_eq!(status, StatusCode::CONFLICT, "a link works once");
    let (status, _, body) = app.send(app.request(Method::GET, &link, None, None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(text(&body).contains("链接无效或已过期"));

    let (status, headers, _) =
        app.send(app.form("/login", None, &[("email", "new@example.cn"), ("password", password)])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let session = set_cookie(&headers, "jiebang_session");
    let account = shown(&app, "/account", &session).await;
    let title = &account[account.find("<title>").unwrap()..account.find("</title>").unwrap()];
    assert!(!title[7..].contains('<'), "the title is text, not the page's forms: {title}");

    // A wrong current password is shown beside its field; the right one changes it.
    let change = |current: &'static str| {
        app.form(
            "/account/password",
            Some(&session),
            &[("current_password", current), ("password", "another fine horse")],
        )
    };
    let (status, _, body) = app.send(change("wrong horse")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&body).contains("data-field-error=\"current_password\""));
    let (status, headers, _) = app.send(change("a fine new horse")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let fresh = set_cookie(&headers, "jiebang_session");
    assert_ne!(fresh, session, "the old session ended; this browser got a new one");

    // A grant form with two problems names both.
    let bad = [("role", "king"), ("scope", "program"), ("scope_id", "x")];
    let (status, _, body) = app.send(app.form(&format!("/users/{id}/grants"), Some(&admin), &bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(&body);
    assert!(body.contains("king") && body.contains("scope_id"), "{body}");
    // A good one is granted, and the audit log names the admin who granted it.
    let good = [("role", "expert"), ("scope", "global")];
    let (status, _, _) = app.send(app.form(&format!("/users/{id}/grants"), Some(&admin), &good)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let events = app.t.store.list_audit_events(&format!("user:{id}")).await.unwrap();
    let grant = events.iter().find(|e| e.action == "user.grant").expect("the grant is audited");
    assert_eq!(grant.actor_id, Some(app.ids["admin"]));

    // Disabled by the admin: signed out at once.
    let (status, _, _) = app.send(app.form(&format!("/users/{id}/disable"), Some(&admin), &[])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let mut request = app.request(Method::GET, "/account", None, None);
    request.headers_mut().insert(header::COOKIE, fresh.parse().unwrap());
    let (status, headers, _) = app.send(request).await;
    assert_eq!((status, headers[header::LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/login?next=/account"));
}
