//! Programs, their lifecycle, challenge lists with indicators, filters, atomic import and the
//! audit chain.

use jiebang_core::industry::IndustryCode;
use jiebang_core::program::ProgramStatus;
use jiebang_core::region::RegionCode;
use jiebang_core::role::{Role, Scope};
use jiebang_store::testing::TestStore;
use jiebang_store::{ChallengeFilter, PageRequest, StoreError};

use crate::{challenge, program_input};

#[tokio::test]
async fn a_new_program_is_a_draft_its_creator_organizes_and_the_public_cannot_see() {
    let t = TestStore::new().await;
    let user = t.store.create_user("o@example.cn", "O", "correct-horse-1").await.unwrap();
    let program = t.store.create_program(program_input("  2025 行业大模型 "), Some(user.id), false).await.unwrap();
    assert_eq!(
        (program.status, program.title.as_str(), program.rules.max_joint_units),
        (ProgramStatus::Draft, "2025 行业大模型", 4)
    );
    let principal = t.store.principal(user.id).await.unwrap();
    assert!(principal.grants.iter().any(|g| g.role == Role::Organizer && g.scope == Scope::Program(program.id)));
    assert!(t.store.list_programs(None).await.unwrap().is_empty());
    assert_eq!(t.store.list_programs(Some(&principal)).await.unwrap().len(), 1);
    t.store.transition_program(program.id, ProgramStatus::Published, Some(user.id)).await.unwrap();
    assert_eq!(t.store.list_programs(None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_invalid_program_names_its_fields_and_stores_nothing() {
    let t = TestStore::new().await;
    let mut input = program_input("");
    input.rules.publicity_working_days = 0;
    let err = t.store.create_program(input, None, false).await.unwrap_err();
    let StoreError::Domain(domain) = err else { panic!("expected a domain error, got {err}") };
    let fields: Vec<_> = domain.field_errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["title", "rules.publicity_working_days"]);
    assert!(t.store.list_programs(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn status_moves_forward_only_and_every_move_is_audited() {
    let t = TestStore::new().await;
    let p = t.store.create_program(program_input("P"), None, false).await.unwrap();
    let err = t.store.transition_program(p.id, ProgramStatus::UnderReview, None).await.unwrap_err();
    assert!(matches!(err, StoreError::Domain(jiebang_core::Error::Transition { .. })), "{err}");
    t.store.transition_program(p.id, ProgramStatus::Published, None).await.unwrap();
    assert!(t.store.transition_program(p.id, ProgramStatus::Draft, None).await.is_err());
    assert_eq!(t.store.get_program(p.id).await.unwrap().status, ProgramStatus::Published);
    let actions: Vec<_> =
        t.store.list_audit_events(&format!("program:{}", p.id)).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["program.create", "program.transition"]);
    assert_eq!(t.store.verify_audit_chain().await.unwrap(), 2);
}

#[tokio::test]
async fn two_concurrent_transitions_of_one_program_cannot_both_win() {
    let t = TestStore::new().await;
    let p = t.store.create_program(program_input("P"), None, false).await.unwrap();
    let (a, b) = tokio::join!(
        t.store.transition_program(p.id, ProgramStatus::Published, None),
        t.store.transition_program(p.id, ProgramStatus::Published, None)
    );
    assert_eq!(usize::from(a.is_ok()) + usize::from(b.is_ok()), 1, "{a:?} / {b:?}");
    assert_eq!(t.store.verify_audit_chain().await.unwrap(), 2);
}

#[tokio::test]
async fn a_challenge_round_trips_with_its_industries_region_and_indicators() {
    let t = TestStore::new().await;
    let p = t.store.create_program(program_input("P"), None, false).await.unwrap();
    let c = challenge("SD-01", &["C26", "28"], "370102", "人工智能+制造");
    let stored = t.store.create_challenge(p.id, &c, None).await.unwrap();
    assert_eq!(stored.challenge, c);
    assert_eq!(stored.position, 1);
    assert_eq!(t.store.get_challenge(stored.id).await.unwrap(), stored);
    assert_eq!(t.store.get_program(p.id).await.unwrap().challenge_count, 1);
}

#[tokio::test]
async fn a_duplicate_task_number_within_a_program_is_a_conflict_but_fine_in_another() {
    let t = TestStore::new().await;
    let p = t.store.create_program(program_input("P"), None, false).await.unwrap();
    let q = t.store.create_program(program_input("Q"), None, false).await.unwrap();
    let c = challenge("SD-01", &["26"], "", "人工智能+制造");
    t.store.create_challenge(p.id, &c, None).await.unwrap();
    let err = t.store.create_challenge(p.id, &c, None).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { ref field, .. } if field == "code"), "{err}");
    t.store.create_challenge(q.id, &c, None).await.unwrap();
}

#[tokio::test]
async fn lists_filter_by_industry_region_including_districts_direction_and_text() {
    let t = TestStore::new().await;
    let p = t.store.create_program(program_input("P"), None, false).await.unwrap();
    let list = [
        challenge("A", &["26"], "370102", "人工智能+制造"),
        challenge("B", &["34"], "370200", "人工智能+制造"),
        challenge("C", &["26", "34"], "370100", "智能产品装备"),
        challenge("D", &["84"], "", "智能产品装备"),
    ];
    t.store.import_challenges(p.id, &list, None, None).await.unwrap();
    let codes = |filter: ChallengeFilter| {
        let store = t.store.clone();
        async move {
            let page = store.list_challenges(p.id, &filter, PageRequest::default()).await.unwrap();
            assert_eq!(page.total as usize, page.items.len());
            page.items.into_iter().map(|c| c.challenge.code).collect::<Vec<_>>()
        }
    };
    assert_eq!(codes(ChallengeFilter::default()).await, ["A", "B", "C", "D"]);
    let industry = Some(IndustryCode::parse("26").unwrap());
    assert_eq!(codes(ChallengeFilter { industry, ..Default::default() }).await, ["A", "C"]);
    let jinan = Some(RegionCode::parse("济南市").unwrap());
    assert_eq!(codes(ChallengeFilter { region: jinan, ..Default::default() }).await, ["A", "C"]);
    let shandong = Some(RegionCode::parse("370000").unwrap());
    assert_eq!(codes(ChallengeFilter { region: shandong, ..Default::default() }).await, ["A", "B", "C"]);
    assert_eq!(
        codes(ChallengeFilter { direction: Some("智能产品装备".into()), ..Default::default() }).await,
        ["C", "D"]
    );
    assert_eq!(codes(ChallengeFilter { text: Some("B 行业".into()), ..Default::default() }).await, ["B"]);
    assert_eq!(
        codes(ChallengeFilter { industry, direction: Some("智能产品装备".into()), ..Default::default() }).await,
        ["C"]
    );
    let page2 =
        t.store.list_challenges(p.id, &ChallengeFilter::default(), PageRequest { page: 2, per_page: 3 }).await.unwrap();
    assert_eq!((page2.total, page2.items.len()), (4, 1));
    assert_eq!(t.store.list_directions(p.id).await.unwrap(), ["人工智能+制造", "智能产品装备"]);
}

#[tokio::test]
async fn an_import_with_one_clashing_row_stores_nothing() {
    let t = TestStore::new().await;
    let p = t.store.create_program(program_input("P"), None, false).await.unwrap();
    t.store.create_challenge(p.id, &challenge("X", &["26"], "", "d"), None).await.unwrap();
    let list = [challenge("A", &["26"], "", "d"), challenge("X", &["26"], "", "d")];
    assert!(t.store.import_challenges(p.id, &list, None, None).await.is_err());
    assert_eq!(t.store.challenge_codes(p.id).await.unwrap(), ["X"]);
}

#[tokio::test]
async fn updating_a_challenge_replaces_its_indicators_and_keeps_its_place() {
    let t = TestStore::new().await;
    let p = t.store.create_program(program_input("P"), None, false).await.unwrap();
    let first = t.store.create_challenge(p.id, &challenge("A", &["26"], "", "d"), None).await.unwrap();
    let mut changed = challenge("A2", &["34"], "370200", "d");
    changed.indicators.truncate(1);
    let updated = t.store.update_challenge(first.id, &changed, None).await.unwrap();
    assert_eq!((updated.id, updated.position), (first.id, 1));
    assert_eq!(updated.challenge, changed);
    t.store.delete_challenge(first.id, None).await.unwrap();
    assert!(matches!(t.store.get_challenge(first.id).await, Err(StoreError::NotFound { .. })));
    // Once the list is published, a challenge stays.
    let kept = t.store.create_challenge(p.id, &challenge("B", &["26"], "", "d"), None).await.unwrap();
    t.store.transition_program(p.id, ProgramStatus::Published, None).await.unwrap();
    let err = t.store.delete_challenge(kept.id, None).await.unwrap_err();
    assert!(matches!(&err, StoreError::Refused(m) if m.contains("cannot be deleted")), "{err}");
    assert!(t.store.get_challenge(kept.id).await.is_ok());
    // It is archived instead (撤榜): kept, marked, with a reason, once.
    let organizer = t.store.create_user("o@example.cn", "发榜方", "correct-horse-1").await.unwrap().id;
    let err = t.store.archive_challenge(kept.id, " ", organizer).await.unwrap_err();
    assert!(matches!(&err, StoreError::Domain(_)), "{err}");
    let archived = t.store.archive_challenge(kept.id, "无单位揭榜，流榜", organizer).await.unwrap();
    assert!(archived.archived_at.is_some());
    assert_eq!(archived.archive_reason, "无单位揭榜，流榜");
    let again = t.store.archive_challenge(kept.id, "再撤一次", organizer).await.unwrap_err();
    assert!(matches!(&again, StoreError::Refused(m) if m.contains("already archived")), "{again}");
    assert_eq!(t.store.all_challenges(p.id).await.unwrap().len(), 1, "still on the list");
    let events = t.store.list_audit_events(&format!("program:{}", p.id)).await.unwrap();
    assert!(events.iter().any(|e| e.action == "challenge.archive"));
}

#[tokio::test]
async fn uploads_nothing_references_are_collected_after_their_grace() {
    let t = TestStore::new().await;
    let (s, files) = (&t.store, &t.files);
    let p = s.create_program(program_input("P"), None, false).await.unwrap();
    let orphan = s.save_file(files, "refused.csv", b"a,b\n1,2\n".to_vec(), None).await.unwrap();
    let sheet = s.save_file(files, "list.csv", b"imported".to_vec(), None).await.unwrap();
    s.import_challenges(p.id, &[challenge("A", &["26"], "", "d")], None, Some(&sheet)).await.unwrap();
    // Bytes stored without a record (an upload broken off after storing).
    let (stray, _) = files.put(b"stray bytes".to_vec()).await.unwrap();
    let key = jiebang_store::signing::Signer::load_or_create(files).await.unwrap().public_key_hex();
    // Within the grace period nothing goes.
    let none = s.collect_unreferenced(files, std::time::Duration::from_secs(3600)).await.unwrap();
    assert_eq!((none.records, none.objects), (0, 0));
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let collected = s.collect_unreferenced(files, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(
        (collected.records, collected.objects),
        (1, 2),
        "the refused upload's record and bytes, and the stray bytes"
    );
    assert_eq!(collected.bytes, orphan.size as u64 + 11);
    assert!(files.get(&orphan.key).await.is_err() && files.get(&stray).await.is_err());
    assert_eq!(files.get(&sheet.key).await.unwrap(), b"imported", "an import's spreadsheet stays");
    let same = jiebang_store::signing::Signer::load_or_create(files).await.unwrap().public_key_hex();
    assert_eq!(same, key, "the signing key is not an upload");
}

#[tokio::test]
async fn tampering_with_a_past_audit_event_is_detected() {
    let t = TestStore::new().await;
    let p = t.store.create_program(program_input("P"), None, false).await.unwrap();
    t.store.transition_program(p.id, ProgramStatus::Published, None).await.unwrap();
    t.store.transition_program(p.id, ProgramStatus::ApplicationsClosed, None).await.unwrap();
    assert_eq!(t.store.verify_audit_chain().await.unwrap(), 3);
    t.store.execute_unchecked("UPDATE audit_events SET details = '{\"from\":\"draft\",\"to\":\"closed\"}' WHERE action = 'program.transition' AND id = (SELECT MIN(id) FROM audit_events WHERE action = 'program.transition')").await.unwrap();
    assert!(t.store.verify_audit_chain().await.is_err());
}

#[tokio::test]
async fn signed_checkpoints_catch_the_newest_events_deleted_and_a_rewritten_chain() {
    let t = TestStore::new().await;
    let signer = jiebang_store::signing::Signer::load_or_create(&t.files).await.unwrap();
    let key = signer.public_key_hex();
    let p = t.store.create_program(program_input("P"), None, false).await.unwrap();
    t.store.transition_program(p.id, ProgramStatus::Published, None).await.unwrap();
    let first = t.store.record_checkpoint(&signer, "publicity").await.unwrap();
    t.store.transition_program(p.id, ProgramStatus::ApplicationsClosed, None).await.unwrap();
    let second = t.store.record_checkpoint(&signer, "report").await.unwrap();
    assert_eq!((first.events(), second.events()), (2, 3));
    let checkpoints = t.store.list_checkpoints(10).await.unwrap();
    assert_eq!(checkpoints, [second.clone(), first.clone()]);
    assert_eq!(t.store.verify_audit_chain_against(&checkpoints, &key).await.unwrap(), 3);
    // A daily one only when the newest is a day old.
    assert!(!t.store.record_daily_checkpoint(&signer).await.unwrap());

    // A forged checkpoint does not verify.
    let mut forged = second.clone();
    forged.checkpoint["events"] = serde_json::json!(2);
    let err = t.store.verify_audit_chain_against(&[forged], &key).await.unwrap_err();
    assert!(err.to_string().contains("signature"), "{err}");

    // The newest event deleted: the chain alone still verifies, the checkpoint does not.
    t.store.execute_unchecked("DELETE FROM audit_events WHERE id = (SELECT MAX(id) FROM audit_events)").await.unwrap();
    assert_eq!(t.store.verify_audit_chain().await.unwrap(), 2);
    let err = t.store.verify_audit_chain_against(&checkpoints, &key).await.unwrap_err();
    assert!(err.to_string().contains("the newest events were deleted"), "{err}");

    // Every event deleted: the empty chain verifies alone, not against the checkpoints.
    t.store.execute_unchecked("DELETE FROM audit_events").await.unwrap();
    assert_eq!(t.store.verify_audit_chain().await.unwrap(), 0);
    assert!(t.store.verify_audit_chain_against(&checkpoints, &key).await.is_err());

    // A rewritten chain: consistent hashes, but not the signed ones.
    let t2 = TestStore::new().await;
    let p = t2.store.create_program(program_input("Q"), None, false).await.unwrap();
    t2.store.transition_program(p.id, ProgramStatus::Published, None).await.unwrap();
    let err = t2.store.verify_audit_chain_against(&[first], &key).await.unwrap_err();
    assert!(err.to_string().contains("the chain was rewritten"), "{err}");
}

#[tokio::test]
async fn published_content_moves_the_content_counter_and_sign_ins_do_not() {
    let t = TestStore::new().await;
    let user = t.store.create_user("o@example.cn", "O", "correct-horse-1").await.unwrap();
    let start = t.store.content_version().await.unwrap();
    t.store.create_session(user.id, 3600).await.unwrap();
    assert_eq!(t.store.content_version().await.unwrap(), start, "a session is not published content");
    let program = t.store.create_program(program_input("计数批次"), Some(user.id), false).await.unwrap();
    let created = t.store.content_version().await.unwrap();
    assert!(created > start);
    t.store.create_challenge(program.id, &challenge("JB-01", &["26"], "370000", "方向"), None).await.unwrap();
    let listed = t.store.content_version().await.unwrap();
    assert!(listed > created, "a challenge moves it");
    // A write that fails leaves it where it was: the counter commits with the write or not at all.
    t.store.create_challenge(program.id, &challenge("JB-01", &["26"], "370000", "方向"), None).await.unwrap_err();
    assert_eq!(t.store.content_version().await.unwrap(), listed);
}

#[tokio::test]
async fn a_tampered_column_reads_back_as_corrupt_data_naming_the_column() {
    let t = TestStore::new().await;
    let p = t.store.create_program(program_input("P"), None, false).await.unwrap();
    for (tamper, column) in [
        ("status = 'finished'", "status"),
        ("rules = '{not json'", "rules"),
        ("rules = '{}', is_demo = 1, year = 99999999999", "year"),
    ] {
        t.store.execute_unchecked(&format!("UPDATE programs SET {tamper} WHERE id = {}", p.id)).await.unwrap();
        let err = t.store.get_program(p.id).await.unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt(m) if m.starts_with(&format!("{column}: "))), "{tamper}: {err}");
        t.store
            .execute_unchecked(&format!("UPDATE programs SET status = 'draft', year = 2025 WHERE id = {}", p.id))
            .await
            .unwrap();
    }
    // Restored, a flag stored as 1 reads as true and an empty rules document as the defaults.
    let read = t.store.get_program(p.id).await.unwrap();
    assert!(read.is_demo);
    assert_eq!(read.rules, jiebang_core::program::Rules::default());
}
