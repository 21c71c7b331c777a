//! Self-service accounts: sign-up and e-mail verification, password reset and change, the
//! single-use links that carry them, their mail, throttling, and disabling an account.

use jiebang_store::signup::{BAD_LINKS_PER_ADDRESS, LINKS_PER_ACCOUNT, SIGN_UPS_PER_ADDRESS};
use jiebang_store::testing::TestStore;
use jiebang_store::{LinkPurpose, MailId, StoreError};

const PASSWORD: &str = "correct horse";

#[tokio::test]
async fn a_signed_up_account_signs_in_only_after_its_link_is_used_and_the_link_works_once() {
    let t = TestStore::new().await;
    let link = t.store.sign_up(" New@Example.cn ", "新用户", PASSWORD, "10.0.0.1", false).await.unwrap();
    assert_eq!((link.user.email.as_str(), link.user.verified_at.as_deref()), ("new@example.cn", None));
    assert!(link.path().starts_with("/verify?token="), "{}", link.path());
    let err = t.store.authenticate("new@example.cn", PASSWORD, "10.0.0.1").await.unwrap_err();
    assert!(matches!(&err, StoreError::Refused(m) if m.contains("not verified")), "{err}");
    // A wrong password still says nothing about verification.
    assert_eq!(t.store.authenticate("new@example.cn", "wrong horse", "10.0.0.1").await.unwrap(), None);

    let seen = t.store.link_user(&link.secret, LinkPurpose::Verify).await.unwrap().unwrap();
    assert_eq!(seen.id, link.user.id);
    assert!(t.store.link_user(&link.secret, LinkPurpose::Reset).await.unwrap().is_none(), "purposes do not mix");
    let verified = t.store.verify_email(&link.secret, "10.0.0.1").await.unwrap();
    assert!(verified.verified_at.is_some());
    assert_eq!(
        t.store.authenticate("new@example.cn", PASSWORD, "10.0.0.1").await.unwrap().map(|u| u.id),
        Some(seen.id)
    );
    let again = t.store.verify_email(&link.secret, "10.0.0.1").await.unwrap_err();
    assert!(matches!(&again, StoreError::Refused(m) if m.contains("invalid or has expired")), "{again}");
    let actions: Vec<_> = t
        .store
        .list_audit_events(&format!("user:{}", seen.id))
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.actor_id))
        .collect();
    assert_eq!(actions, [("user.sign_up".to_owned(), Some(seen.id)), ("user.verify".to_owned(), Some(seen.id))]);
}

#[tokio::test]
async fn a_sign_up_reports_every_problem_and_a_registered_address_says_what_to_do() {
    let t = TestStore::new().await;
    let err = t.store.sign_up("not-an-address", " ", "short", "10.0.0.1", false).await.unwrap_err();
    let StoreError::Domain(domain) = err else { panic!("{err}") };
    let fields: Vec<_> = domain.field_errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["email", "name", "password"]);
    t.store.create_user("taken@example.cn", "甲", PASSWORD).await.unwrap();
    let err = t.store.sign_up("taken@example.cn", "乙", PASSWORD, "10.0.0.1", false).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { field, message } if field == "email" && message.contains("reset the password")),
        "{err}"
    );
}

#[tokio::test]
async fn sign_ups_link_requests_and_bad_links_are_counted_per_address_and_account() {
    let t = TestStore::new().await;
    for i in 0..SIGN_UPS_PER_ADDRESS {
        t.store.sign_up(&format!("u{i}@example.cn"), "甲", PASSWORD, "10.0.0.9", false).await.unwrap();
    }
    let err = t.store.sign_up("one-more@example.cn", "甲", PASSWORD, "10.0.0.9", false).await.unwrap_err();
    assert!(matches!(&err, StoreError::Busy { message, .. } if message.contains("too many sign-ups")), "{err}");
    t.store.sign_up("one-more@example.cn", "甲", PASSWORD, "10.0.0.10", false).await.unwrap();

    for i in 0..LINKS_PER_ACCOUNT {
        let link =
            t.store.request_link("u0@example.cn", LinkPurpose::Reset, &format!("10.2.0.{i}"), false).await.unwrap();
        assert!(link.is_some());
    }
    let err = t.store.request_link("u0@example.cn", LinkPurpose::Reset, "10.2.1.1", false).await.unwrap_err();
    assert!(matches!(err, StoreError::Busy { .. }), "{err}");
    // Unknown addresses get the same quiet answer as known ones.
    assert!(t.store.request_link("nobody@example.cn", LinkPurpose::Reset, "10.2.1.1", false).await.unwrap().is_none());

    for _ in 0..BAD_LINKS_PER_ADDRESS {
        let err = t.store.verify_email("guess", "10.3.0.1").await.unwrap_err();
        assert!(matches!(err, StoreError::Refused(_)), "{err}");
    }
    let err = t.store.verify_email("guess", "10.3.0.1").await.unwrap_err();
    assert!(matches!(err, StoreError::Busy { .. }), "{err}");
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_ends_sessions_and_a_newer_link_replaces_it() {
    let t = TestStore::new().await;
    let user = t.store.create_user("lead@example.cn", "牵头", PASSWORD).await.unwrap();
    let session = t.store.create_session(user.id, 3600).await.unwrap();
    let first = t.store.request_link("LEAD@example.cn", LinkPurpose::Reset, "10.0.0.1", false).await.unwrap().unwrap();
    let second = t.store.request_link("lead@example.cn", LinkPurpose::Reset, "10.0.0.1", false).await.unwrap().unwrap();
    let err = t.store.reset_password(&first.secret, "a new horse", "10.0.0.1").await.unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "the earlier link stopped working: {err}");
    let err = t.store.reset_password(&second.secret, "short", "10.0.0.1").await.unwrap_err();
    assert!(matches!(err, StoreError::Domain(_)), "{err}");
    t.store.reset_password(&second.secret, "a new horse", "10.0.0.1").await.unwrap();
    assert!(t.store.session_user(&session).await.unwrap().is_none(), "sessions end");
    assert!(t.store.authenticate("lead@example.cn", "a new horse", "10.0.0.1").await.unwrap().is_some());
    assert!(t.store.reset_password(&second.secret, "another horse", "10.0.0.1").await.is_err(), "used once");

    let expired =
        t.store.request_link("lead@example.cn", LinkPurpose::Reset, "10.0.0.1", false).await.unwrap().unwrap();
    t.store.execute_unchecked("UPDATE account_links SET expires_ms = 1").await.unwrap();
    assert!(t.store.link_user(&expired.secret, LinkPurpose::Reset).await.unwrap().is_none());
    assert!(t.store.reset_password(&expired.secret, "another horse", "10.0.0.1").await.is_err());
}

#[tokio::test]
async fn a_link_mail_waits_for_the_mailer_and_its_secret_is_erased_once_sent() {
    let t = TestStore::new().await;
    let link = t.store.sign_up("mail@example.cn", "收信人", PASSWORD, "10.0.0.1", true).await.unwrap();
    t.store.sign_up("quiet@example.cn", "不发信", PASSWORD, "10.0.0.1", false).await.unwrap();
    let pending = t.store.pending_mail(10).await.unwrap();
    assert_eq!(pending.len(), 1, "only the account whose link is mailed");
    let mail = &pending[0];
    assert!(matches!(mail.id, MailId::Link(_)));
    assert_eq!(mail.address, "mail@example.cn");
    assert_eq!(mail.link, link.path());
    assert!(mail.body.contains("收信人") && mail.subject.contains("confirm your e-mail"), "{mail:?}");
    let stored_secrets = "UPDATE account_links SET id = id WHERE mail_secret IS NOT NULL";
    assert_eq!(t.store.execute_unchecked(stored_secrets).await.unwrap(), 1);
    t.store.record_mail_attempt(mail.id, None).await.unwrap();
    assert!(t.store.pending_mail(10).await.unwrap().is_empty());
    assert_eq!(t.store.execute_unchecked(stored_secrets).await.unwrap(), 0, "the secret is gone from the database");
    // The link still works: only its sha256 is needed to check it.
    t.store.verify_email(&link.secret, "10.0.0.1").await.unwrap();
}

#[tokio::test]
async fn a_disabled_account_loses_its_sessions_and_tokens_and_cannot_sign_in() {
    let t = TestStore::new().await;
    let admin = t.store.create_user("admin@example.cn", "管理员", PASSWORD).await.unwrap();
    let user = t.store.create_user("user@example.cn", "用户", PASSWORD).await.unwrap();
    let session = t.store.create_session(user.id, 3600).await.unwrap();
    let (_, token) = t.store.create_api_token(user.id, "ci", None).await.unwrap();
    let err = t.store.set_user_disabled(admin.id, admin.id, true).await.unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err}");
    let disabled = t.store.set_user_disabled(admin.id, user.id, true).await.unwrap();
    assert!(disabled.disabled_at.is_some());
    assert!(t.store.session_user(&session).await.unwrap().is_none());
    assert!(t.store.token_user(&token).await.unwrap().is_none());
    let err = t.store.authenticate("user@example.cn", PASSWORD, "10.0.0.1").await.unwrap_err();
    assert!(matches!(&err, StoreError::Refused(m) if m.contains("disabled")), "{err}");
    assert!(t.store.request_link("user@example.cn", LinkPurpose::Reset, "10.0.0.1", false).await.unwrap().is_none());
    t.store.set_user_disabled(admin.id, user.id, false).await.unwrap();
    assert!(t.store.authenticate("user@example.cn", PASSWORD, "10.0.0.1").await.unwrap().is_some());
}

#[tokio::test]
async fn a_password_change_needs_the_current_password() {
    let t = TestStore::new().await;
    let user = t.store.create_user("me@example.cn", "我", PASSWORD).await.unwrap();
    let err = t.store.change_password(user.id, "wrong horse", "a new horse", "10.0.0.1").await.unwrap_err();
    let StoreError::Domain(domain) = err else { panic!("{err}") };
    assert_eq!(domain.field_errors()[0].field, "current_password");
    t.store.change_password(user.id, PASSWORD, "a new horse", "10.0.0.1").await.unwrap();
    assert!(t.store.authenticate("me@example.cn", "a new horse", "10.0.0.1").await.unwrap().is_some());
    assert_eq!(t.store.rename_user(user.id, " 新名字 ").await.unwrap().name, "新名字");
}
