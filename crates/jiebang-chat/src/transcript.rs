//! The transcript: every request and response of a run as JSON Lines — a first line that
//! describes the run (endpoint, model, settings, load; never the key), then one line a question
//! in the order they finished, with each attempt, each event's arrival time and data, and the
//! exchange as assembled. Its sha256 goes into the signed report, so anyone holding the file
//! can re-score the answers and re-compute the measurements, and see that nothing was changed.

use std::io::Write;

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::run::Record;

/// The sha256 of `bytes` in hex, as reports give the files they were made from.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A transcript being written, hashed as it goes.
pub struct Transcript<W: Write> {
    out: W,
    hash: Sha256,
    lines: usize,
}

impl<W: Write> Transcript<W> {
    /// Starts a transcript with the run's description (any serializable value, key-free).
    pub fn start(out: W, run: &impl Serialize) -> std::io::Result<Self> {
        let mut transcript = Self { out, hash: Sha256::new(), lines: 0 };
        transcript.line(&json!({"type": "run", "run": run}))?;
        Ok(transcript)
    }

    /// Appends a finished question.
    pub fn record(&mut self, record: &Record) -> std::io::Result<()> {
        self.line(&json!({"type": "exchange", "record": record}))
    }

    fn line(&mut self, value: &serde_json::Value) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.out.write_all(&line)?;
        self.hash.update(&line);
        self.lines += 1;
        Ok(())
    }

    /// Flushes and returns the sha256 of every byte written, in hex, and the line count.
    pub fn finish(mut self) -> std::io::Result<(String, usize)> {
        self.out.flush()?;
        Ok((hex::encode(self.hash.finalize()), self.lines))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Asked;
    use crate::exchange::Exchange;

    #[test]
    fn the_hash_is_of_the_bytes_written() {
        let mut bytes = Vec::new();
        let mut t = Transcript::start(&mut bytes, &json!({"model": "m"})).unwrap();
        let asked = Asked {
            request: json!({}),
            attempts: vec![],
            events: vec![(1.5, "[DONE]".into())],
            exchange: Exchange::default(),
        };
        t.record(&Record { id: "q1".into(), started_ms: 0.0, asked }).unwrap();
        let (hash, lines) = t.finish().unwrap();
        assert_eq!((hash, lines), (sha256_hex(&bytes), 2));
        let second: serde_json::Value = serde_json::from_slice(bytes.split(|b| *b == b'\n').nth(1).unwrap()).unwrap();
        assert_eq!(second["record"]["events"][0], json!([1.5, "[DONE]"]));
    }
}
