//! Users, passwords, grants, sessions, API tokens, organizations, files and migrations.

use jiebang_core::organization::OrganizationInput;
use jiebang_core::role::{Grant, Role, Scope};
use jiebang_core::uscc::CreditCode;
use jiebang_store::testing::TestStore;
use jiebang_store::{PageRequest, StoreError};

#[tokio::test]
async fn migrating_twice_applies_nothing_the_second_time() {
    let t = TestStore::new().await;
    assert!(t.store.migrate().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_user_authenticates_with_the_right_password_only() {
    let t = TestStore::new().await;
    let user = t.store.create_user("Org@Example.cn", "组织者", "correct horse").await.unwrap();
    assert_eq!(user.email, "org@example.cn");
    assert_eq!(t.store.authenticate("org@example.cn", "correct horse").await.unwrap(), Some(user.clone()));
    assert_eq!(t.store.authenticate("ORG@example.cn", "correct horse").await.unwrap().map(|u| u.id), Some(user.id));
    assert_eq!(t.store.authenticate("org@example.cn", "wrong horse").await.unwrap(), None);
    assert_eq!(t.store.authenticate("nobody@example.cn", "correct horse").await.unwrap(), None);
}

#[tokio::test]
async fn a_duplicate_email_and_a_short_password_are_refused() {
    let t = TestStore::new().await;
    t.store.create_user("a@example.cn", "A", "password1").await.unwrap();
    let err = t.store.create_user("A@example.cn", "A2", "password2").await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { ref field, .. } if field == "email"), "{err}");
    let err = t.store.create_user("b@example.cn", "B", "short").await.unwrap_err();
    assert!(matches!(err, StoreError::Domain(_)), "{err}");
    assert_eq!(t.store.list_users(PageRequest::default()).await.unwrap().total, 1);
}

#[tokio::test]
async fn grants_make_up_the_principal() {
    let t = TestStore::new().await;
    let user = t.store.create_user("r@example.cn", "推荐", "password1").await.unwrap();
    let grant = Grant { role: Role::Recommender, scope: Scope::Region("370100".into()) };
    t.store.add_grant(user.id, &grant).await.unwrap();
    t.store.add_grant(user.id, &grant).await.unwrap();
    assert_eq!(t.store.principal(user.id).await.unwrap().grants, [grant]);
    let bad = Grant { role: Role::Recommender, scope: Scope::Region("371200".into()) };
    assert!(t.store.add_grant(user.id, &bad).await.is_err(), "abolished Laiwu is not a region to recommend for");
}

#[tokio::test]
async fn sessions_live_until_logout_or_expiry() {
    let t = TestStore::new().await;
    let user = t.store.create_user("s@example.cn", "S", "password1").await.unwrap();
    let secret = t.store.create_session(user.id, 3600).await.unwrap();
    assert_eq!(t.store.session_user(&secret).await.unwrap().map(|u| u.id), Some(user.id));
    t.store.delete_session(&secret).await.unwrap();
    assert_eq!(t.store.session_user(&secret).await.unwrap(), None);
    let expired = t.store.create_session(user.id, -1).await.unwrap();
    assert_eq!(t.store.session_user(&expired).await.unwrap(), None);
    assert_eq!(t.store.session_user("not-a-session").await.unwrap(), None);
}

#[tokio::test]
async fn api_tokens_authenticate_until_revoked_and_record_use() {
    let t = TestStore::new().await;
    let user = t.store.create_user("t@example.cn", "T", "password1").await.unwrap();
    let (token, secret) = t.store.create_api_token(user.id, "脚本").await.unwrap();
    assert!(secret.starts_with("jb_"));
    assert_eq!(t.store.token_user(&secret).await.unwrap().map(|u| u.id), Some(user.id));
    let listed = t.store.list_api_tokens(user.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some());
    t.store.delete_api_token(user.id, token.id).await.unwrap();
    assert_eq!(t.store.token_user(&secret).await.unwrap(), None);
    assert!(matches!(t.store.delete_api_token(user.id, token.id).await, Err(StoreError::NotFound { .. })));
}

fn org(name: &str, first17: &str) -> OrganizationInput {
    OrganizationInput {
        name: name.into(),
        credit_code: CreditCode::with_check_character(first17).unwrap().to_string(),
        kind: "企业".into(),
        region: "370100".into(),
        industries: vec!["C26".into()],
    }
}

#[tokio::test]
async fn organizations_are_unique_by_credit_code_and_searchable() {
    let t = TestStore::new().await;
    let a = t
        .store
        .create_organization(&org("云鼎科技股份有限公司", "91370000163042000").validate().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(a.industries, ["26"]);
    let mut dup = org("另一家", "91370000163042000");
    dup.credit_code = format!(" {} ", dup.credit_code.to_lowercase());
    let err = t.store.create_organization(&dup.validate().unwrap(), None).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { ref field, .. } if field == "credit_code"), "{err}");
    t.store.create_organization(&org("山东省计算中心", "12370000495570000").validate().unwrap(), None).await.unwrap();
    let found = t.store.list_organizations(Some("计算"), PageRequest::default()).await.unwrap();
    assert_eq!(found.items.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["山东省计算中心"]);
    assert_eq!(t.store.list_organizations(None, PageRequest::default()).await.unwrap().total, 2);
    assert_eq!(t.store.get_organization(a.id).await.unwrap(), a);
}

#[tokio::test]
async fn files_are_stored_once_by_content_and_read_back() {
    let t = TestStore::new().await;
    let first = t.store.save_file(&t.files, "榜单.csv", b"a,b\n1,2\n".to_vec(), None).await.unwrap();
    let second = t.store.save_file(&t.files, "copy.csv", b"a,b\n1,2\n".to_vec(), None).await.unwrap();
    assert_eq!((first.id, &first.key), (second.id, &second.key));
    // sha256sum of the same bytes, computed outside Rust.
    assert_eq!(first.sha256, "492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470");
    assert_eq!(t.files.get(&first.key).await.unwrap(), b"a,b\n1,2\n");
}
