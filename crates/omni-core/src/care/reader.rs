//! The JSON reader the validator uses: it walks the request by hand so that
//! every bad field is named by its full path and all of them are reported
//! at once (serde stops at the first). Each read records its errors and
//! returns `None` when the value is absent or bad.

use super::effective::{BadEffectiveDate, EffectiveSpec, parse_date};
use crate::document::FieldError;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// Every broken rule found so far.
#[derive(Debug, Default)]
pub(crate) struct Errors(pub(crate) Vec<FieldError>);

impl Errors {
    pub(crate) fn add(&mut self, path: impl Into<String>, rule: impl Into<String>) {
        self.0.push(FieldError::new(path, rule));
    }
}

/// A JSON object being read, with its path in the request.
pub(crate) struct Obj<'v> {
    pub(crate) path: String,
    map: &'v Map<String, Value>,
}

impl<'v> Obj<'v> {
    /// `value` read as an object whose keys are all in `known`; a key that
    /// is not is reported (it is most often a misspelling).
    pub(crate) fn open(
        e: &mut Errors,
        path: impl Into<String>,
        value: &'v Value,
        known: &[&str],
    ) -> Option<Self> {
        let path = path.into();
        let Value::Object(map) = value else {
            e.add(path, "must be an object");
            return None;
        };
        for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
            e.add(format!("{path}.{key}"), "is not a known field");
        }
        Some(Self { path, map })
    }

    pub(crate) fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// The value of `key`; `null` counts as absent.
    pub(crate) fn get(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// A string, reported when present and not one or (if `required`) absent.
    pub(crate) fn str(&self, e: &mut Errors, key: &str, required: bool) -> Option<&'v str> {
        match self.get(key) {
            None if required => {
                e.add(self.at(key), "is required");
                None
            }
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                e.add(self.at(key), "must be a string");
                None
            }
        }
    }

    /// Free text: not blank and at most `max` characters.
    pub(crate) fn text(
        &self,
        e: &mut Errors,
        key: &str,
        max: usize,
        required: bool,
    ) -> Option<String> {
        let s = self.str(e, key, required)?;
        if s.trim().is_empty() {
            e.add(self.at(key), "must not be blank");
        } else if s.chars().count() > max {
            e.add(self.at(key), format!("must be at most {max} characters"));
        } else {
            return Some(s.to_string());
        }
        None
    }

    /// A string passing `ok`, else `rule` is reported.
    pub(crate) fn shaped(
        &self,
        e: &mut Errors,
        key: &str,
        required: bool,
        ok: fn(&str) -> bool,
        rule: &str,
    ) -> Option<String> {
        let s = self.str(e, key, required)?;
        if ok(s) {
            Some(s.to_string())
        } else {
            e.add(self.at(key), rule);
            None
        }
    }

    /// A flag: a JSON boolean, or the strings `true`/`false` in any case
    /// (the page sends `networkBlock` as `"True"`).
    pub(crate) fn flag(&self, e: &mut Errors, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => {
                e.add(self.at(key), "must be true or false");
                None
            }
        }
    }

    pub(crate) fn obj(
        &self,
        e: &mut Errors,
        key: &str,
        known: &[&str],
        required: bool,
    ) -> Option<Obj<'v>> {
        match self.get(key) {
            Some(v) => Obj::open(e, self.at(key), v, known),
            None if required => {
                e.add(self.at(key), "is required");
                None
            }
            None => None,
        }
    }

    pub(crate) fn array(&self, e: &mut Errors, key: &str) -> Option<&'v [Value]> {
        match self.get(key)? {
            Value::Array(items) => Some(items),
            _ => {
                e.add(self.at(key), "must be an array");
                None
            }
        }
    }

    /// An `effectiveDate`-style value: a keyword or a date.
    pub(crate) fn effective(
        &self,
        e: &mut Errors,
        key: &str,
        required: bool,
    ) -> Option<EffectiveSpec> {
        let s = self.str(e, key, required)?;
        let spec = EffectiveSpec::parse(s);
        if spec.is_none() {
            e.add(self.at(key), BadEffectiveDate.to_string());
        }
        spec
    }

    pub(crate) fn date(&self, e: &mut Errors, key: &str) -> Option<DateTime<Utc>> {
        let s = self.str(e, key, false)?;
        let t = parse_date(s);
        if t.is_none() {
            e.add(self.at(key), "must be an RFC 3339 date-time or date");
        }
        t
    }
}
