//! The demo's evaluation data: a seeded generator of bearing-vibration features with fault
//! labels, and of prediction files of chosen quality. Synthetic, documented, reproducible — the
//! same seed gives the same bytes — so the demo's leaderboard is the same on every machine.
//!
//! Each sample is one vibration window of a rolling bearing. A window is faulty with
//! probability 0.3. Features (what a condition-monitoring system extracts):
//!
//! | column | healthy | faulty |
//! |---|---|---|
//! | `rms` (g) | N(1.0, 0.15) | + U(0, 0.5) |
//! | `kurtosis` | 3 + N(0, 0.4) | + 1.5 + N(0, 1) |
//! | `crest_factor` | 3.5 + N(0, 0.5) | + 1.2 |
//! | `bpfo_energy` (outer-race band) | abs(N(0.1, 0.05)) | + abs(N(0.4, 0.2)) |
//! | `speed_rpm` | U(900, 1800), unrelated to the label | |
//!
//! Test rows are split half `public` (the development leaderboard) and half `private`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// One generated window.
struct Window {
    fault: bool,
    rms: f64,
    kurtosis: f64,
    crest_factor: f64,
    bpfo_energy: f64,
    speed_rpm: f64,
}

/// The files of the demo dataset.
pub(crate) struct BearingData {
    /// `id,rms,kurtosis,crest_factor,bpfo_energy,speed_rpm,label` (public).
    pub(crate) train: String,
    /// The same features without the label (public).
    pub(crate) test: String,
    /// `id,score` with 0.5 everywhere (public).
    pub(crate) sample_submission: String,
    /// `id,label,split` (hidden).
    pub(crate) labels: String,
    /// What the columns mean (public).
    pub(crate) data_card: String,
    /// The training windows, for fitting the demo model.
    train_windows: Vec<Window>,
    /// The test windows, for making prediction files.
    test_windows: Vec<(u64, Window)>,
}

fn normal(rng: &mut StdRng, mean: f64, sd: f64) -> f64 {
    // Box–Muller; `1 - u` keeps the logarithm finite.
    let (u, v): (f64, f64) = (rng.random(), rng.random());
    mean + sd * (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn window(rng: &mut StdRng) -> Window {
    let fault = rng.random_bool(0.3);
    let f = if fault { 1.0 } else { 0.0 };
    let rms = normal(rng, 1.0, 0.15) + f * rng.random_range(0.0..0.5);
    let kurtosis = 3.0 + normal(rng, 0.0, 0.4) + f * (1.5 + normal(rng, 0.0, 1.0));
    let crest_factor = 3.5 + normal(rng, 0.0, 0.5) + f * 1.2;
    let bpfo_energy = normal(rng, 0.1, 0.05).abs() + f * normal(rng, 0.4, 0.2).abs();
    let speed_rpm = rng.random_range(900.0..1800.0);
    Window { fault, rms, kurtosis, crest_factor, bpfo_energy, speed_rpm }
}

fn features(w: &Window) -> String {
    format!("{:.4},{:.4},{:.4},{:.4},{:.0}", w.rms, w.kurtosis, w.crest_factor, w.bpfo_energy, w.speed_rpm)
}

impl BearingData {
    /// `train_rows` training and `test_rows` test windows from `seed`.
    pub(crate) fn generate(seed: u64, train_rows: usize, test_rows: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let header = "id,rms,kurtosis,crest_factor,bpfo_energy,speed_rpm";
        let mut train = format!("{header},label\n");
        let mut train_windows = Vec::with_capacity(train_rows);
        for id in 1..=train_rows as u64 {
            let w = window(&mut rng);
            train.push_str(&format!("{id},{},{}\n", features(&w), u8::from(w.fault)));
            train_windows.push(w);
        }
        let test_windows: Vec<(u64, Window)> = (0..test_rows as u64).map(|i| (100_000 + i, window(&mut rng))).collect();
        let mut test = format!("{header}\n");
        let mut labels = String::from("id,label,split\n");
        let mut sample_submission = String::from("id,score\n");
        for (id, w) in &test_windows {
            test.push_str(&format!("{id},{}\n", features(w)));
            let split = if rng.random_bool(0.5) { "public" } else { "private" };
            labels.push_str(&format!("{id},{},{split}\n", u8::from(w.fault)));
            sample_submission.push_str(&format!("{id},0.5\n"));
        }
        let data_card = format!(
            "# 轴承故障检测示例数据 / Bearing fault detection (demo)\n\n\
             合成数据，由 jiebang 的演示生成器按固定种子生成（见源码 `crates/jiebang/src/bearing.rs`）。\n\
             Synthetic data from jiebang's seeded demo generator (see `crates/jiebang/src/bearing.rs`).\n\n\
             - train.csv: {train_rows} 行，含标签 label（1 = 故障 fault）\n\
             - test.csv: {test_rows} 行，无标签；提交 `id,score`，score 为故障概率\n\
             - columns: rms, kurtosis, crest_factor, bpfo_energy (outer-race band energy), speed_rpm\n"
        );
        Self { train, test, sample_submission, labels, data_card, train_windows, test_windows }
    }

    /// A logistic regression fitted on the training windows: full-batch gradient descent on
    /// standardised features, folded back into weights on the raw columns (`rms, kurtosis,
    /// crest_factor, bpfo_energy, speed_rpm`, as in `test.csv`) and a bias.
    pub(crate) fn fit_logistic(&self) -> (Vec<f32>, f32) {
        let rows: Vec<[f64; 5]> = self
            .train_windows
            .iter()
            .map(|w| [w.rms, w.kurtosis, w.crest_factor, w.bpfo_energy, w.speed_rpm])
            .collect();
        let n = rows.len().max(1) as f64;
        let mean: Vec<f64> = (0..5).map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n).collect();
        let sd: Vec<f64> =
            (0..5).map(|j| (rows.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n).sqrt().max(1e-9)).collect();
        let (mut w, mut b) = ([0.0f64; 5], 0.0f64);
        for _ in 0..400 {
            let (mut gw, mut gb) = ([0.0f64; 5], 0.0f64);
            for (r, window) in rows.iter().zip(&self.train_windows) {
                let z: f64 = (0..5).map(|j| w[j] * (r[j] - mean[j]) / sd[j]).sum::<f64>() + b;
                let err = 1.0 / (1.0 + (-z).exp()) - f64::from(u8::from(window.fault));
                (0..5).for_each(|j| gw[j] += err * (r[j] - mean[j]) / sd[j]);
                gb += err;
            }
            (0..5).for_each(|j| w[j] -= 0.5 * gw[j] / n);
            b -= 0.5 * gb / n;
        }
        let weights = (0..5).map(|j| (w[j] / sd[j]) as f32).collect();
        let bias = b - (0..5).map(|j| w[j] * mean[j] / sd[j]).sum::<f64>();
        (weights, bias as f32)
    }

    /// A prediction file whose scores follow the fault signal with `noise` (0 = sharp,
    /// larger = worse), from `seed`.
    pub(crate) fn predictions(&self, seed: u64, noise: f64) -> String {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut out = String::from("id,score\n");
        for (id, w) in &self.test_windows {
            let signal = 1.2 * (w.kurtosis - 4.0) + 4.0 * (w.bpfo_energy - 0.3) + normal(&mut rng, 0.0, noise);
            out.push_str(&format!("{id},{:.6}\n", 1.0 / (1.0 + (-signal).exp())));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_files_and_the_labels_match_the_test_rows() {
        let a = BearingData::generate(7, 50, 40);
        let b = BearingData::generate(7, 50, 40);
        assert_eq!((a.train.as_str(), a.labels.as_str()), (b.train.as_str(), b.labels.as_str()));
        assert_eq!(a.test.lines().count(), 41);
        assert_eq!(a.labels.lines().count(), 41);
        let faults = a.labels.lines().skip(1).filter(|l| l.split(',').nth(1) == Some("1")).count();
        assert!((3..=25).contains(&faults), "about 30% faulty: {faults} of 40");
        assert_ne!(a.predictions(1, 0.5), a.predictions(2, 0.5));
        assert_eq!(a.predictions(1, 0.5), b.predictions(1, 0.5));
    }

    #[test]
    fn the_fitted_model_separates_faults_from_healthy_windows() {
        let data = BearingData::generate(2025, 2000, 1000);
        let (weights, bias) = data.fit_logistic();
        let score = |w: &Window| {
            let x = [w.rms, w.kurtosis, w.crest_factor, w.bpfo_energy, w.speed_rpm];
            x.iter().zip(&weights).map(|(a, b)| a * f64::from(*b)).sum::<f64>() + f64::from(bias)
        };
        let right = data.test_windows.iter().filter(|(_, w)| (score(w) > 0.0) == w.fault).count();
        assert!(right > 900, "{right} of 1000 test windows classified right");
        assert!(weights[4].abs() < weights[1].abs(), "speed is unrelated to faults: {weights:?}");
    }
}
