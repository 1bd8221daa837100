//! The elements of a JSON array in a file, one at a time: a light scan finds
//! where each element ends, and each is parsed from its own bytes. serde_json
//! reading a file through `io::Read` takes each byte through the reader; at
//! a million offers that was 13 s of CPU a pass, and parsing a slice is
//! several times faster. Only one element is held at a time, however large
//! the file.

use anyhow::{Context, bail};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Calls `each` with every element of the JSON array in `file`, in order,
/// with its position. Returns how many there were.
pub fn each_element(
    file: &Path,
    each: &mut dyn FnMut(usize, Value) -> anyhow::Result<()>,
) -> anyhow::Result<usize> {
    let opened =
        std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, opened);
    let mut scan = Scanner::default();
    let mut n = 0;
    let mut element = |bytes: &[u8]| -> anyhow::Result<()> {
        let value: Value = serde_json::from_slice(bytes)
            .with_context(|| format!("{}[{n}] is not valid JSON", file.display()))?;
        each(n, value)?;
        n += 1;
        Ok(())
    };
    loop {
        let chunk = reader
            .fill_buf()
            .with_context(|| format!("reading {}", file.display()))?;
        if chunk.is_empty() {
            break;
        }
        let len = chunk.len();
        scan.feed(chunk, &mut element)
            .with_context(|| format!("{} is not a JSON array of resources", file.display()))?;
        reader.consume(len);
    }
    if scan.state != State::End {
        bail!("{} ends before its JSON array does", file.display());
    }
    Ok(n)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening `[`.
    #[default]
    Start,
    /// After `[`: an element or `]`.
    First,
    /// After `,`: an element.
    Next,
    /// Inside an element.
    Element,
    /// After an element: `,` or `]`.
    After,
    /// After the closing `]`: only whitespace.
    End,
}

/// Where elements start and end, fed the file a buffer at a time.
#[derive(Default)]
struct Scanner {
    state: State,
    /// The bytes of the element being read, when it spans buffers.
    element: Vec<u8>,
    /// Open braces and brackets inside the element.
    depth: u32,
    in_string: bool,
    escaped: bool,
}

fn whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

impl Scanner {
    /// Reads `bytes`, calling `done` with each element completed in them.
    fn feed(
        &mut self,
        bytes: &[u8],
        done: &mut dyn FnMut(&[u8]) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match self.state {
                State::Start if b == b'[' => self.state = State::First,
                State::First if b == b']' => self.state = State::End,
                State::First | State::Next if !whitespace(b) => {
                    self.state = State::Element;
                    self.element.clear();
                    continue;
                }
                State::After if b == b',' => self.state = State::Next,
                State::After if b == b']' => self.state = State::End,
                State::Element => {
                    let start = i;
                    match self.element_end(bytes, &mut i) {
                        Some(end) => {
                            let whole = if self.element.is_empty() {
                                &bytes[start..end]
                            } else {
                                self.element.extend_from_slice(&bytes[start..end]);
                                &self.element[..]
                            };
                            done(whole)?;
                            self.element.clear();
                            self.state = State::After;
                            i = end;
                        }
                        None => {
                            self.element.extend_from_slice(&bytes[start..]);
                            return Ok(());
                        }
                    }
                    continue;
                }
                _ if whitespace(b) => {}
                _ => bail!("unexpected '{}'", char::from(b)),
            }
            i += 1;
        }
        Ok(())
    }

    /// Scans from `*i`: the end (exclusive) of the element when it ends in
    /// `bytes`, else `None` with `*i` at the end of `bytes`.
    fn element_end(&mut self, bytes: &[u8], i: &mut usize) -> Option<usize> {
        while *i < bytes.len() {
            let b = bytes[*i];
            *i += 1;
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        return Some(*i);
                    }
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' if self.depth > 0 => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Some(*i);
                    }
                }
                // A bare number or word ends where the array goes on.
                b',' | b'}' | b']' if self.depth == 0 => return Some(*i - 1),
                b if self.depth == 0 && whitespace(b) => return Some(*i - 1),
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every element of `text` fed `size` bytes at a time, as text.
    fn split(text: &str, size: usize) -> anyhow::Result<Vec<String>> {
        let mut scan = Scanner::default();
        let mut out = Vec::new();
        for part in text.as_bytes().chunks(size) {
            scan.feed(part, &mut |e| {
                out.push(String::from_utf8(e.to_vec())?);
                Ok(())
            })?;
        }
        anyhow::ensure!(scan.state == State::End, "unfinished");
        Ok(out)
    }

    #[test]
    fn elements_are_found_across_buffers() {
        let text =
            " [\n{\"a\": \"x,]}\\\"\", \"b\": [1, {\"c\": []}]} ,\"s\\\\\" , 12,true ,[ ]\n]\n ";
        let want = [
            "{\"a\": \"x,]}\\\"\", \"b\": [1, {\"c\": []}]}",
            "\"s\\\\\"",
            "12",
            "true",
            "[ ]",
        ];
        for size in [1, 2, 3, 7, 1000] {
            assert_eq!(split(text, size).expect("split"), want, "buffers of {size}");
        }
        assert_eq!(split("[]", 1).expect("empty"), Vec::<String>::new());
    }

    #[test]
    fn what_is_not_an_array_is_refused() {
        for bad in ["{\"a\": 1}", "[1 2]", "[1,", "[{}] x"] {
            assert!(split(bad, 4).is_err(), "{bad}");
        }
    }
}
