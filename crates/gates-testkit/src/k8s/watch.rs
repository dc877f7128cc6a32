//! Watches: newline-delimited events streamed from a resourceVersion, 410 Gone before the
//! compaction point, `timeoutSeconds` honoured.

use std::io::Read;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::discovery::ResourceType;
use super::status::{self, ApiError};
use super::store::{Selector, State, Watcher};
use super::{table, Request};

/// tiny_http's chunked encoder sends a chunk only once 8 KiB are buffered (it never flushes
/// on its own), so each event is followed by whitespace up to one byte past a chunk boundary:
/// the event goes out at once, and JSON readers skip the whitespace.
const CHUNK: u64 = 8192;

/// A watch response body: blocks until the next event, ends at the timeout or when the
/// fake ends the watch.
pub struct Stream {
    rx: Receiver<Option<Value>>,
    /// Send objects as one-row Tables (`kubectl get -w` asks for them).
    table: Option<ResourceType>,
    deadline: Instant,
    pending: Vec<u8>,
    pos: usize,
    total: u64,
    done: bool,
}

impl Stream {
    fn new(rx: Receiver<Option<Value>>, timeout: Duration) -> Self {
        let mut s = Stream {
            rx,
            table: None,
            deadline: Instant::now() + timeout,
            pending: Vec::new(),
            pos: 0,
            total: 0,
            done: false,
        };
        // Push the response head out before the first event.
        s.pad();
        s
    }

    fn push(&mut self, event: &Value) {
        let mut event = event.clone();
        if let Some(typ) = &self.table {
            if matches!(
                event["type"].as_str(),
                Some("ADDED" | "MODIFIED" | "DELETED")
            ) {
                let rv = event["object"]["metadata"]["resourceVersion"]
                    .as_str()
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(0);
                event["object"] = table::table(typ, &[event["object"].clone()], rv);
            }
        }
        let mut line = event.to_string().into_bytes();
        line.push(b'\n');
        self.total += line.len() as u64;
        self.pending.extend(line);
        self.pad();
    }

    fn pad(&mut self) {
        let n = (CHUNK - self.total % CHUNK) % CHUNK + 1;
        self.total += n;
        self.pending.extend(std::iter::repeat_n(b' ', n as usize));
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.pos < self.pending.len() {
                let n = buf.len().min(self.pending.len() - self.pos);
                buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
                self.pos += n;
                if self.pos == self.pending.len() {
                    self.pending.clear();
                    self.pos = 0;
                }
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(Some(ev)) => self.push(&ev),
                Ok(None) | Err(RecvTimeoutError::Disconnected) | Err(RecvTimeoutError::Timeout) => {
                    self.done = true;
                }
            }
        }
    }
}

/// Open a watch on a kind.
pub fn start(
    s: &mut State,
    typ: &ResourceType,
    namespace: Option<String>,
    selector: Selector,
    req: &Request,
) -> Result<Stream, ApiError> {
    let timeout = req
        .param("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(1800);
    let (tx, rx) = channel();
    let mut stream = Stream::new(rx, Duration::from_secs(timeout));
    if req.accept.contains("as=Table") {
        stream.table = Some(typ.clone());
    }
    let rv = req.param("resourceVersion").unwrap_or_default();
    let in_ns = |o: &Value| {
        namespace
            .as_deref()
            .is_none_or(|ns| o["metadata"]["namespace"].as_str().unwrap_or_default() == ns)
    };
    if rv.is_empty() || rv == "0" {
        for o in s.of_kind(&typ.group, &typ.kind, namespace.as_deref()) {
            if selector.matches(&o) {
                stream.push(&json!({"type": "ADDED", "object": o}));
            }
        }
        if req.param("sendInitialEvents").is_some_and(|v| v == "true") {
            stream.push(&bookmark(typ, s.rv, true));
        }
    } else {
        let from: u64 = rv
            .parse()
            .map_err(|_| status::bad_request(&format!("invalid resource version {rv:?}")))?;
        if from < s.compacted {
            // The server answers 200 and ends the stream with the 410 as an ERROR event.
            let e = status::expired(from, s.compacted);
            stream.push(&json!({"type": "ERROR", "object": e.body}));
            stream.done = true;
            return Ok(stream);
        }
        for c in s.history.iter().filter(|c| c.rv > from) {
            if c.group == typ.group && c.kind == typ.kind && in_ns(&c.object) {
                if let Some(kind) = c.seen_by(&selector) {
                    stream.push(&json!({"type": kind, "object": c.object}));
                }
            }
        }
    }
    if req
        .param("allowWatchBookmarks")
        .is_some_and(|v| v == "true")
    {
        stream.push(&bookmark(typ, s.rv, false));
    }
    s.watchers.push(Watcher {
        group: typ.group.clone(),
        kind: typ.kind.clone(),
        namespace,
        selector,
        tx,
    });
    Ok(stream)
}

fn bookmark(typ: &ResourceType, rv: u64, initial_end: bool) -> Value {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    json!({"type": "BOOKMARK", "object": {
        "kind": typ.kind, "apiVersion": typ.api_version(), "metadata": meta}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_end_one_byte_past_a_chunk_boundary() {
        let (tx, rx) = channel();
        let mut s = Stream::new(rx, Duration::from_secs(5));
        assert_eq!(s.total % CHUNK, 1);
        s.push(&json!({"type": "ADDED", "object": {}}));
        assert_eq!(s.total % CHUNK, 1);
        tx.send(None).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert_eq!(out.trim(), r#"{"object":{},"type":"ADDED"}"#);
    }
}
