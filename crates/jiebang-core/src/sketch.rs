//! Near-duplicate prediction files. A team that resubmits its file with a few rows changed reads
//! hidden labels back one probe at a time; a bottom-k sketch of a file's rows (the k smallest
//! 64-bit row hashes, Broder 1997) estimates how many rows two files share without keeping
//! either, so each scored file is compared with the team's earlier ones in the phase.

use std::collections::BinaryHeap;

/// Hashes kept per file: the estimate's standard error is about `sqrt(J(1-J)/K)`.
pub const K: usize = 128;

/// A file's rows in brief: how many, and the sorted bottom-k hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketch {
    /// Data rows.
    pub rows: u64,
    /// The smallest row hashes, sorted, at most [`K`].
    pub hashes: Vec<u64>,
}

impl Sketch {
    /// Estimated rows in which `other` differs from this one, for files of similar length: with
    /// Jaccard similarity J of the row sets and n rows, d changed rows give J = (n−d)/(n+d).
    /// Exact when both files have at most [`K`] rows.
    pub fn changed_rows(&self, other: &Sketch) -> f64 {
        let j = similarity(&self.hashes, &other.hashes);
        let n = (self.rows + other.rows) as f64 / 2.0;
        n * (1.0 - j) / (1.0 + j)
    }

    /// Whether `other` repeats this file but for a few rows (one, or 1% of a long file): files
    /// of a retrained model differ in nearly every row; a probe in a handful.
    pub fn near_duplicate(&self, other: &Sketch) -> bool {
        let rows = self.rows.max(other.rows);
        let (shorter, longer) = (self.rows.min(other.rows) as f64, rows as f64);
        longer > 0.0 && shorter >= 0.99 * longer && self.changed_rows(other) <= (rows as f64 / 100.0).max(1.0) + 1e-9
    }

    /// As stored: `rows:hex`, 16 hex digits a hash.
    pub fn to_text(&self) -> String {
        let hex: String = self.hashes.iter().map(|h| format!("{h:016x}")).collect();
        format!("{}:{hex}", self.rows)
    }

    /// A stored sketch; `None` when the text is not one.
    pub fn from_text(text: &str) -> Option<Self> {
        let (rows, hex) = text.split_once(':')?;
        if !hex.len().is_multiple_of(16) {
            return None;
        }
        let hashes = (0..hex.len())
            .step_by(16)
            .map(|i| u64::from_str_radix(hex.get(i..i + 16)?, 16).ok())
            .collect::<Option<_>>()?;
        Some(Self { rows: rows.parse().ok()?, hashes })
    }
}

/// The sketch of a text file's data rows (the header, blank lines and line-end differences
/// aside).
pub fn rows(bytes: &[u8]) -> Sketch {
    let mut heap: BinaryHeap<u64> = BinaryHeap::with_capacity(K + 1);
    let mut count = 0u64;
    for line in bytes.split(|&b| b == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        count += 1;
        // SplitMix64's output mixes the line's FNV-1a hash, so similar lines get unrelated hashes.
        let h = crate::review::SplitMix64::new(fnv1a(line)).next_u64();
        if heap.len() < K {
            heap.push(h);
        } else if heap.peek().is_some_and(|&top| h < top) {
            heap.pop();
            heap.push(h);
        }
    }
    let mut hashes = heap.into_vec();
    hashes.sort_unstable();
    hashes.dedup();
    Sketch { rows: count, hashes }
}

/// Estimated Jaccard similarity of the row sets behind two sketches: of the k smallest hashes of
/// their union, the share present in both.
pub fn similarity(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut taken, mut both) = (0, 0, 0usize, 0usize);
    while taken < K && (i < a.len() || j < b.len()) {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                both += 1;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => i += 1,
            (Some(_), None) => i += 1,
            _ => j += 1,
        }
        taken += 1;
    }
    if taken == 0 { 1.0 } else { both as f64 / taken as f64 }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rows: usize, changed: usize, salt: &str) -> Vec<u8> {
        let mut text = String::from("id,score\n");
        for i in 0..rows {
            let score = if i < changed { format!("{salt}{i}") } else { format!("0.{}", (i * 7919) % 100_000) };
            text.push_str(&format!("{i},{score}\r\n"));
        }
        text.into_bytes()
    }

    #[test]
    fn a_probe_is_a_near_duplicate_and_a_retrained_model_is_not() {
        let base = rows(&file(10_000, 0, ""));
        assert_eq!((base.rows, base.hashes.len()), (10_000, K));
        assert!(base.near_duplicate(&rows(&file(10_000, 0, ""))), "the same file again");
        // A few rows changed: the estimate stays within the margin.
        let probe = rows(&file(10_000, 5, "1.0"));
        assert!(base.near_duplicate(&probe), "{}", base.changed_rows(&probe));
        // Every score different.
        let retrained = rows(&file(10_000, 10_000, "0.5"));
        assert!(!base.near_duplicate(&retrained) && base.changed_rows(&retrained) > 9_000.0);
        assert_eq!(Sketch::from_text(&base.to_text()).unwrap(), base);
        assert_eq!(Sketch::from_text("3:xyz"), None);
        // A small test set is compared exactly: one row of six changed is a probe, four are not.
        let small = rows(&file(6, 0, ""));
        let one = rows(&file(6, 1, "0.9"));
        assert!((small.changed_rows(&one) - 1.0).abs() < 1e-12 && small.near_duplicate(&one));
        assert!(!small.near_duplicate(&rows(&file(6, 2, "0.9"))), "two of six rows are more than a probe");
        assert!(!rows(&file(60, 0, "")).near_duplicate(&rows(&file(60, 20, "0.9"))));
    }
}
