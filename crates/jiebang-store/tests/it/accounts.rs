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
    assert_eq!(t.store.authenticate("org@example.cn", "correct horse", "127.0.0.1").await.unwrap(), Some(user.clone()));
    assert_eq!(
        t.store.authenticate("ORG@example.cn", "correct horse", "127.0.0.1").await.unwrap().map(|u| u.id),
        Some(user.id)
    );
    assert_eq!(t.store.authenticate("org@example.cn", "wrong horse", "127.0.0.1").await.unwrap(), None);
    assert_eq!(t.store.authenticate("nobody@example.cn", "correct horse", "127.0.0.1").await.unwrap(), None);
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account_known_or_not_and_per_address() {
    use jiebang_store::accounts::{ACCOUNT_FAILURES, ADDRESS_FAILURES};
    let t = TestStore::new().await;
    t.store.create_user("lead@example.cn", "牵头", "correct horse").await.unwrap();
    for email in ["lead@example.cn", "nobody@example.cn"] {
        for _ in 0..ACCOUNT_FAILURES {
            assert_eq!(t.store.authenticate(email, "wrong horse", "10.0.0.1").await.unwrap(), None);
        }
        // Now even the right password waits, from any address, and an unknown e-mail gets the
        // same answer as a known one.
        let err = t.store.authenticate(email, "correct horse", "10.0.0.2").await.unwrap_err();
        let StoreError::Busy { retry_after_s, message } = err else { panic!("{email}: {err}") };
        assert!((800..=900).contains(&retry_after_s), "{retry_after_s}");
        assert!(message.contains("try again in 15 minutes"), "{message}");
    }
    // One address trying many accounts.
    for i in 0..(ADDRESS_FAILURES - 2 * ACCOUNT_FAILURES) {
        assert_eq!(t.store.authenticate(&format!("u{i}@example.cn"), "x", "10.0.0.1").await.unwrap(), None);
    }
    let err = t.store.authenticate("other@example.cn", "x", "10.0.0.1").await.unwrap_err();
    assert!(matches!(err, StoreError::Busy { .. }), "{err}");
    assert_eq!(t.store.authenticate("other@example.cn", "x", "10.0.0.3").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_sign_ins_queues_for_the_cores_and_the_excess_is_told_to_come_back() {
    let t = TestStore::new().await;
    // More at once than the cores and their queue (16 a core) can take.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let attempts: Vec<_> = (0..20 * cores + 40)
        .map(|i| {
            let store = t.store.clone();
            tokio::spawn(async move {
                store.authenticate(&format!("burst{i}@example.cn"), "x", &format!("10.1.{i}.1")).await
            })
        })
        .collect();
    let (mut refused, mut answered) = (0, 0);
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(None) => answered += 1,
            Err(StoreError::Busy { retry_after_s: 1, .. }) => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(refused > 0 && answered > 0, "{refused} refused, {answered} answered");
}

#[tokio::test]
async fn a_duplicate_email_and_a_short_password_are_refused() {
    let t = TestStore::new().await;
    t.store.create_user("a@example.cn", "A", "correct-horse-1").await.unwrap();
    let err = t.store.create_user("A@example.cn", "A2", "correct-horse-2").await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { ref field, .. } if field == "email"), "{err}");
    for weak in ["short", "12345678", "        ", "1234567890", "bbbbbbbbbbbb"] {
        let err = t.store.create_user("b@example.cn", "B", weak).await.unwrap_err();
        assert!(matches!(err, StoreError::Domain(_)), "{weak:?}: {err}");
    }
    assert_eq!(t.store.list_users(PageRequest::default()).await.unwrap().total, 1);
}

#[tokio::test]
async fn grants_make_up_the_principal() {
    let t = TestStore::new().await;
    let user = t.store.create_user("r@example.cn", "推荐", "correct-horse-1").await.unwrap();
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
    let user = t.store.create_user("s@example.cn", "S", "correct-horse-1").await.unwrap();
    let secret = t.store.create_session(user.id, 3600).await.unwrap();
    let (who, principal) = t.store.session_user(&secret).await.unwrap().unwrap();
    assert_eq!((who.id, principal.grants.len()), (user.id, 0), "a user without grants is still signed in");
    let grants = [
        Grant { role: Role::Recommender, scope: Scope::Region("370100".into()) },
        Grant { role: Role::Expert, scope: Scope::Global },
    ];
    for grant in &grants {
        t.store.add_grant(user.id, grant).await.unwrap();
    }
    let (_, principal) = t.store.session_user(&secret).await.unwrap().unwrap();
    assert_eq!(principal, t.store.principal(user.id).await.unwrap(), "the session brings the user's grants");
    assert_eq!(principal.grants, grants);
    t.store.delete_session(&secret).await.unwrap();
    assert_eq!(t.store.session_user(&secret).await.unwrap(), None);
    let expired = t.store.create_session(user.id, -1).await.unwrap();
    assert_eq!(t.store.session_user(&expired).await.unwrap(), None);
    assert_eq!(t.store.session_user("not-a-session").await.unwrap(), None);
}

#[tokio::test]
async fn api_tokens_authenticate_until_revoked_and_record_use() {
    let t = TestStore::new().await;
    let user = t.store.create_user("t@example.cn", "T", "correct-horse-1").await.unwrap();
    let (token, secret) = t.store.create_api_token(user.id, "脚本", None).await.unwrap();
    assert!(secret.starts_with("jb_"));
    assert_eq!(t.store.token_user(&secret).await.unwrap().map(|u| u.id), Some(user.id));
    let listed = t.store.list_api_tokens(user.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some());
    t.store.delete_api_token(user.id, token.id).await.unwrap();
    assert_eq!(t.store.token_user(&secret).await.unwrap(), None);
    assert!(matches!(t.store.delete_api_token(user.id, token.id).await, Err(StoreError::NotFound { .. })));
    // A token valid for 30 days works and says when it ends; one whose time is up does not.
    let (token, secret) = t.store.create_api_token(user.id, "月度", Some(30)).await.unwrap();
    let days = (token.expires_ms.unwrap() - jiebang_store::now_ms()) as f64 / 86_400_000.0;
    assert!((29.9..=30.0).contains(&days), "{days}");
    assert!(t.store.token_user(&secret).await.unwrap().is_some());
    let (_, expired) = t.store.create_api_token(user.id, "过期", Some(0)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(t.store.token_user(&expired).await.unwrap(), None);
    // Each creation is in the audit log.
    let events = t.store.list_audit_events(&format!("user:{}", user.id)).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "token.create").count(), 3);
}

fn org(name: &str, first17: &str) -> OrganizationInput {
    OrganizationInput {
        name: name.into(),
        credit_code: CreditCode::with_check_character(first17).unwrap().to_string(),
        kind: "企业".into(),
        region: "370100".into(),
        industries: vec!["C26".into()],
        ..Default::default()
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
async fn a_rejected_registration_frees_its_code_and_a_verified_one_names_its_administrator() {
    let t = TestStore::new().await;
    let registrant = t.store.create_user("reg@example.cn", "登记人", "correct-horse-42").await.unwrap().id;
    let verifier = t.store.create_user("v@example.cn", "核验人", "correct-horse-42").await.unwrap().id;
    let licence = t.store.save_file(&t.files, "执照.pdf", b"%PDF-1.4".to_vec(), Some(registrant)).await.unwrap();
    let input = org("云鼎科技股份有限公司", "91370000163042000").validate().unwrap();
    let first = t.store.register_organization(&input, registrant, Some(&licence)).await.unwrap();
    assert_eq!(
        (first.licence_file_id, first.standing()),
        (Some(licence.id), jiebang_store::organizations::Standing::Waiting)
    );
    let rejected = t.store.reject_organization(first.id, verifier, "执照照片不清晰").await.unwrap();
    assert_eq!(rejected.rejected_reason, "执照照片不清晰");
    assert!(matches!(t.store.verify_organization(first.id, verifier).await, Err(StoreError::Refused(_))));
    assert!(t.store.reject_organization(first.id, verifier, " ").await.is_err(), "a reason is required");
    // Registered again with the same code and name: the rejected registration gives way.
    let second = t.store.register_organization(&input, registrant, Some(&licence)).await.unwrap();
    let all = t.store.list_organizations(None, PageRequest::default()).await.unwrap();
    assert_eq!((all.total, second.rejected_at.as_deref()), (1, None), "one registration, waiting again");
    let verified = t.store.verify_organization(second.id, verifier).await.unwrap();
    assert_eq!(verified.admin_user_id, Some(registrant));
    assert_eq!(
        t.store.organization_members(second.id).await.unwrap().iter().map(|u| u.id).collect::<Vec<_>>(),
        [registrant]
    );
    // Another registration of the code is told whom to ask.
    let other = t.store.create_user("o@example.cn", "他人", "correct-horse-42").await.unwrap().id;
    match t.store.register_organization(&org("别名", "91370000163042000").validate().unwrap(), other, None).await {
        Err(StoreError::Conflict { field, message }) => {
            assert_eq!(field, "credit_code");
            assert!(message.contains("单位管理员为登记人"), "{message}");
        }
        result => panic!("{result:?}"),
    }
    // Inviting: an account joins at once, a new address gets an invitation link.
    assert!(t.store.invite_member(second.id, registrant, "o@example.cn", "", false).await.unwrap().is_none());
    let link = t.store.invite_member(second.id, registrant, "new@example.cn", "新同事", false).await.unwrap().unwrap();
    assert_eq!(link.purpose, jiebang_store::LinkPurpose::Invite);
    assert_eq!(t.store.organization_members(second.id).await.unwrap().len(), 3);
    assert!(t.store.authenticate("new@example.cn", "anything-at-all", "t").await.unwrap().is_none());
    let user = t.store.reset_password(&link.secret, "violet-lantern-2026", "t").await.unwrap();
    assert!(user.verified_at.is_some(), "the invitation proves the address");
    // The licence is kept while the unit names it.
    let collected = t.store.collect_unreferenced(&t.files, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(collected.records, 0);
    assert!(t.store.get_file(licence.id).await.is_ok());
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
