//! Signed documents verify for anyone: jiebang's canonical form is the `rfc8785` package's, byte
//! for byte, and a signed document survives any exact JSON round trip.

use jiebang_core::canonical;
use jiebang_store::signing::{Signer, verify, verify_document};
use jiebang_store::testing::TestStore;
use serde_json::{Value, json};

/// The fixture `scripts/jcs-fixtures.py` writes with Python's `rfc8785`.
const FIXTURE: &str = include_str!("../fixtures/canonical.jsonl");

#[test]
fn the_canonical_form_is_the_reference_implementations_byte_for_byte() {
    let mut checked = 0;
    for (line, pair) in FIXTURE.lines().enumerate() {
        let [text, expected]: [String; 2] = serde_json::from_str(pair).unwrap();
        let document: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("line {}: {e}", line + 1));
        assert_eq!(canonical::to_string(&document), expected, "line {}: {text}", line + 1);
        checked += 1;
    }
    assert_eq!(checked, 1000);
}

/// The platform's SplitMix64, so the generated reports are the same at every run.
struct Rng(jiebang_core::review::SplitMix64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn float(&mut self) -> f64 {
        const SPECIAL: [f64; 10] = [
            -0.0,
            5e-324,
            1e-300,
            2.2250738585072014e-308,
            1e21,
            1e-7,
            0.9589014084507043,
            1.7976931348623157e308,
            9007199254740993.0,
            0.30000000000000004,
        ];
        match self.next() % 4 {
            0 => SPECIAL[(self.next() % SPECIAL.len() as u64) as usize],
            1 => f64::from_bits(self.next() >> 12),                // subnormal
            2 => (self.next() >> 11) as f64 / (1u64 << 53) as f64, // 17 significant digits
            _ => loop {
                let x = f64::from_bits(self.next());
                if x.is_finite() {
                    break x;
                }
            },
        }
    }
}

fn report(rng: &mut Rng, i: usize) -> Value {
    let names = ["云鼎化工行业大模型", "节水灌溉装备大模型", "济南\t\"青岛\"\n", "😀\u{1}"];
    let name = names[(rng.next() % 4) as usize];
    json!({
        "submission": i,
        "team": {"name": name},
        "metrics": {"roc_auc": rng.float(), "f1@0.5": rng.float(), "指标": rng.float()},
        "bootstrap": [[rng.float(), rng.float()], [rng.float(), [rng.float(), name]]],
        "splits": {"public": {"roc_auc": rng.float()}, "private": {"roc_auc": rng.float()}},
    })
}

#[tokio::test]
async fn ten_thousand_awkward_reports_verify_after_a_round_trip_and_fail_when_changed() {
    let t = TestStore::new().await;
    let signer = Signer::load_or_create(&t.files).await.unwrap();
    let key = signer.public_key_hex();
    let mut rng = Rng(jiebang_core::review::SplitMix64::new(20251201));
    for i in 0..10_000 {
        let document = report(&mut rng, i);
        let signed = signer.sign_document(&document);
        // What a client gets: the document written by serde_json, parsed back exactly.
        let served =
            json!({"report": serde_json::from_str::<Value>(&signed.text).unwrap(), "signature": signed.signature});
        let received: Value = serde_json::from_str(&served.to_string()).unwrap();
        assert!(verify_document(&key, &received["report"], &signed.signature), "report {i}: {}", signed.text);
        assert!(verify(&key, canonical::to_string(&received["report"]).as_bytes(), &signed.signature));
        let mut changed = received["report"].clone();
        changed["metrics"]["roc_auc"] = json!("0.99");
        assert!(!verify_document(&key, &changed, &signed.signature), "report {i} changed still verifies");
    }
}
