//! Paths into a JSON payload: `cartItem[].productOffering.id`,
//! `relatedParty[0].id`, `product.productCharacteristic[name=IMEI].value`.
//!
//! A path is a dot-separated list of property names, each optionally
//! followed by selectors on the array it names:
//! - `[]` every element;
//! - `[N]` the element at zero-based index N;
//! - `[key=value]` every element whose `key` (itself a dotted path of plain
//!   property names) equals `value` (a string, or the JSON text of a number
//!   or boolean).

use serde_json::Value;
use std::fmt;

/// Longest path accepted, in characters.
pub const MAX_PATH_LEN: usize = 500;
/// Most property names and selectors in one path.
pub const MAX_SEGMENTS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Every,
    Index(usize),
    Where { key: Vec<String>, value: String },
}

impl Segment {
    fn is_quantifier(&self) -> bool {
        matches!(self, Segment::Every | Segment::Where { .. })
    }
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    text: String,
    segments: Vec<Segment>,
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// What a path finds in a payload, each with the concrete path it is at
/// (`cartItem[2].quantity`).
#[derive(Debug, Clone, PartialEq)]
pub enum Hit<'a> {
    /// A value other than `null`.
    Found { path: String, value: &'a Value },
    /// The first property along the path that is absent or `null`.
    Missing { path: String },
    /// A value of the wrong shape where the path goes on: a property name
    /// applied to a non-object, or a selector to a non-array.
    WrongShape {
        path: String,
        expected: &'static str,
    },
    /// The path ends with `[]` or `[key=value]` and the array there (absent,
    /// null or present) has no such element.
    NoneSelected { path: String, selector: String },
}

impl Path {
    /// Parses `text`; the error says what is wrong, for a field error.
    pub fn parse(text: &str) -> Result<Path, String> {
        if text.is_empty() {
            return Err("must not be empty".into());
        }
        if text.chars().count() > MAX_PATH_LEN {
            return Err(format!("must be at most {MAX_PATH_LEN} characters"));
        }
        let mut segments = Vec::new();
        let mut rest = text;
        loop {
            let end = rest.find(['.', '[', ']']).unwrap_or(rest.len());
            let key = &rest[..end];
            if key.is_empty() {
                return Err(format!(
                    "has an empty property name at character {}",
                    text.len() - rest.len() + 1
                ));
            }
            if key.contains('=') {
                return Err(format!(
                    "property name '{key}' contains '=': filters go in brackets, e.g. characteristic[name=IMEI]"
                ));
            }
            segments.push(Segment::Key(key.to_string()));
            rest = &rest[end..];
            while let Some(after) = rest.strip_prefix('[') {
                let Some(close) = after.find(']') else {
                    return Err("has a '[' without a closing ']'".into());
                };
                segments.push(parse_selector(&after[..close])?);
                rest = &after[close + 1..];
            }
            if rest.is_empty() {
                break;
            }
            match rest.strip_prefix('.') {
                Some(next) => rest = next,
                None => {
                    return Err(format!(
                        "has an unexpected '{}' at character {}",
                        rest.chars().next().unwrap_or(' '),
                        text.len() - rest.len() + 1
                    ));
                }
            }
        }
        if segments.len() > MAX_SEGMENTS {
            return Err(format!(
                "must have at most {MAX_SEGMENTS} property names and selectors"
            ));
        }
        Ok(Path {
            text: text.to_string(),
            segments,
        })
    }

    /// A path of plain property names, e.g. `["productOffering", "@referredType"]`.
    pub fn keys(keys: &[&str]) -> Path {
        Path {
            text: keys.join("."),
            segments: keys.iter().map(|k| Segment::Key(k.to_string())).collect(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when the path is plain property names (no selectors).
    pub fn is_plain(&self) -> bool {
        self.segments.iter().all(|s| matches!(s, Segment::Key(_)))
    }

    /// Everything the path finds in `root`, in payload order. `base` is the
    /// concrete path of `root` itself ("" for the payload).
    pub fn resolve<'a>(&self, root: &'a Value, base: &str) -> Vec<Hit<'a>> {
        let mut hits = Vec::new();
        walk(&self.segments, root, base.to_string(), &mut hits);
        hits
    }

    /// The first scalar the path finds, as text (numbers and booleans as
    /// their JSON text).
    pub fn first_text<'a>(&self, root: &'a Value) -> Option<std::borrow::Cow<'a, str>> {
        self.resolve(root, "")
            .into_iter()
            .find_map(|hit| match hit {
                Hit::Found { value, .. } => scalar_text(value),
                _ => None,
            })
    }
}

fn parse_selector(inner: &str) -> Result<Segment, String> {
    if inner.is_empty() {
        return Ok(Segment::Every);
    }
    if inner.bytes().all(|b| b.is_ascii_digit()) {
        return inner
            .parse()
            .map(Segment::Index)
            .map_err(|_| format!("has an index [{inner}] that is too large"));
    }
    let Some((key, value)) = inner.split_once('=') else {
        return Err(format!(
            "has an invalid selector [{inner}]: use [], [N] or [key=value]"
        ));
    };
    let keys: Vec<String> = key.split('.').map(str::to_string).collect();
    if keys.iter().any(|k| k.is_empty() || k.contains('[')) {
        return Err(format!(
            "has an invalid selector [{inner}]: the key must be property names joined by '.'"
        ));
    }
    Ok(Segment::Where {
        key: keys,
        value: value.to_string(),
    })
}

/// Text of a string, number or boolean.
pub fn scalar_text(value: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(std::borrow::Cow::Borrowed(if *b {
            "true"
        } else {
            "false"
        })),
        _ => None,
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn matches_where(element: &Value, key: &[String], expected: &str) -> bool {
    let mut current = element;
    for k in key {
        match current.get(k) {
            Some(v) => current = v,
            None => return false,
        }
    }
    scalar_text(current).is_some_and(|text| text == expected)
}

fn selector_text(segment: &Segment) -> String {
    match segment {
        Segment::Every => "[]".into(),
        Segment::Index(i) => format!("[{i}]"),
        Segment::Where { key, value } => format!("[{}={value}]", key.join(".")),
        Segment::Key(k) => k.clone(),
    }
}

fn walk<'a>(segments: &[Segment], value: &'a Value, path: String, hits: &mut Vec<Hit<'a>>) {
    let Some((segment, rest)) = segments.split_first() else {
        hits.push(Hit::Found { path, value });
        return;
    };
    match segment {
        Segment::Key(key) => {
            let here = child(&path, key);
            let found = match value {
                Value::Object(map) => map.get(key).filter(|v| !v.is_null()),
                Value::Null => None,
                _ => {
                    hits.push(Hit::WrongShape {
                        path: if path.is_empty() { "body".into() } else { path },
                        expected: "an object",
                    });
                    return;
                }
            };
            match found {
                Some(v) => walk(rest, v, here, hits),
                // An absent array that a quantifier follows has no elements.
                None => match rest.first() {
                    Some(next) if next.is_quantifier() => {
                        if rest.len() == 1 {
                            hits.push(Hit::NoneSelected {
                                path: here,
                                selector: selector_text(next),
                            });
                        }
                    }
                    _ => hits.push(Hit::Missing { path: here }),
                },
            }
        }
        Segment::Index(i) => match value {
            Value::Array(items) => match items.get(*i).filter(|v| !v.is_null()) {
                Some(v) => walk(rest, v, format!("{path}[{i}]"), hits),
                None => hits.push(Hit::Missing {
                    path: format!("{path}[{i}]"),
                }),
            },
            Value::Null => hits.push(Hit::Missing {
                path: format!("{path}[{i}]"),
            }),
            _ => hits.push(Hit::WrongShape {
                path,
                expected: "an array",
            }),
        },
        Segment::Every | Segment::Where { .. } => {
            let items: &[Value] = match value {
                Value::Array(items) => items,
                Value::Null => &[],
                _ => {
                    hits.push(Hit::WrongShape {
                        path,
                        expected: "an array",
                    });
                    return;
                }
            };
            let mut selected = 0;
            for (i, item) in items.iter().enumerate() {
                if let Segment::Where { key, value } = segment
                    && !matches_where(item, key, value)
                {
                    continue;
                }
                selected += 1;
                let here = format!("{path}[{i}]");
                if item.is_null() && rest.is_empty() {
                    hits.push(Hit::Missing { path: here });
                } else {
                    walk(rest, item, here, hits);
                }
            }
            if selected == 0 && rest.is_empty() {
                hits.push(Hit::NoneSelected {
                    path,
                    selector: selector_text(segment),
                });
            }
        }
    }
}
