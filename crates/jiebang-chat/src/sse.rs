//! Server-sent events as a chat endpoint streams them: `data:` lines grouped into events by a
//! blank line, `:` comments (keep-alives) skipped, `\r\n` or `\n` line ends, and bytes that arrive
//! split anywhere — inside a line, inside a UTF-8 character — buffered until they complete.

/// Reads an event stream incrementally.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Bytes of an incomplete line.
    pending: Vec<u8>,
    /// `data:` lines of the event being read.
    data: Vec<String>,
}

impl Decoder {
    /// Feeds bytes as they arrive; returns the data of every event they complete, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = self.pending.drain(..=end).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8_lossy(&line).into_owned();
            self.line(&line, &mut events);
        }
        events
    }

    /// The end of the body: a last event not followed by a blank line still counts (vLLM
    /// accepts a trailing `data: {...}` too).
    pub fn finish(&mut self) -> Vec<String> {
        let mut events = Vec::new();
        if !self.pending.is_empty() {
            let line = String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned();
            self.line(line.trim_end_matches('\r'), &mut events);
        }
        if !self.data.is_empty() {
            events.push(std::mem::take(&mut self.data).join("\n"));
        }
        events
    }

    fn line(&mut self, line: &str, events: &mut Vec<String>) {
        if line.is_empty() {
            if !self.data.is_empty() {
                events.push(std::mem::take(&mut self.data).join("\n"));
            }
        } else if let Some(value) = line.strip_prefix("data:") {
            self.data.push(value.strip_prefix(' ').unwrap_or(value).to_owned());
        }
        // `:` comments, and `event:`, `id:`, `retry:` fields, which chat streams do not use.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_anywhere_come_out_whole() {
        let body = ": keep-alive\r\ndata: {\"a\":\"问\"}\r\n\r\ndata: {\"b\":1}\n\ndata: [DONE]\n\n".as_bytes();
        // Every split point, including inside the three bytes of 问.
        for cut in 0..body.len() {
            let mut decoder = Decoder::default();
            let mut events = decoder.feed(&body[..cut]);
            events.extend(decoder.feed(&body[cut..]));
            events.extend(decoder.finish());
            assert_eq!(events, ["{\"a\":\"问\"}", "{\"b\":1}", "[DONE]"], "cut at {cut}");
        }
    }

    #[test]
    fn a_trailing_event_without_a_blank_line_counts_and_multi_line_data_joins() {
        let mut decoder = Decoder::default();
        let mut events = decoder.feed(b"data: one\ndata: two\n\ndata: {\"last\":true}");
        events.extend(decoder.finish());
        assert_eq!(events, ["one\ntwo", "{\"last\":true}"]);
    }
}
