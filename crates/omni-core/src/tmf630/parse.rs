use super::{Filter, FilterOp, ListQuery, SortKey};

/// A query parameter that breaks a rule; `parameter` names it for the 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query parameter '{parameter}': {rule}")]
pub struct QueryError {
    pub parameter: String,
    pub rule: String,
}

fn err(parameter: &str, rule: impl Into<String>) -> QueryError {
    QueryError {
        parameter: parameter.to_string(),
        rule: rule.into(),
    }
}

const MAX_KEY_LEN: usize = 200;
const MAX_VALUE_LEN: usize = 2000;

pub(super) fn parse<'a, I>(pairs: I, extra_reserved: &[&str]) -> Result<ListQuery, QueryError>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut query = ListQuery::default();
    for (key, value) in pairs {
        if key.len() > MAX_KEY_LEN {
            // The first characters name it; a byte slice could split one.
            let start: String = key.chars().take(40).collect();
            return Err(err(
                &start,
                format!("name longer than {MAX_KEY_LEN} characters"),
            ));
        }
        if value.len() > MAX_VALUE_LEN {
            return Err(err(
                key,
                format!("value longer than {MAX_VALUE_LEN} characters"),
            ));
        }
        match key {
            "offset" => query.offset = non_negative(key, value)?,
            "limit" => query.limit = Some(non_negative(key, value)?),
            "fields" => query.fields = Some(field_paths(key, value)?),
            "sort" => query.sort = sort_keys(value)?,
            _ if extra_reserved.contains(&key) => {}
            _ => query.filters.push(filter(key, value)?),
        }
    }
    Ok(query)
}

fn non_negative(key: &str, value: &str) -> Result<usize, QueryError> {
    value
        .trim()
        .parse::<usize>()
        .map_err(|_| err(key, "must be a non-negative integer"))
}

fn names(key: &str, value: &str) -> Result<Vec<String>, QueryError> {
    let names: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if names.is_empty() {
        return Err(err(key, "must list at least one attribute name"));
    }
    Ok(names)
}

/// Names and dotted paths (`a.b.c`, TMF630 Part 1); an empty segment is
/// refused rather than silently selecting nothing.
fn field_paths(key: &str, value: &str) -> Result<Vec<String>, QueryError> {
    let names = names(key, value)?;
    for name in &names {
        path(key, name)?;
    }
    Ok(names)
}

fn sort_keys(value: &str) -> Result<Vec<SortKey>, QueryError> {
    names("sort", value)?
        .into_iter()
        .map(|name| {
            let (descending, name) = match name.strip_prefix('-') {
                Some(rest) => (true, rest.to_string()),
                None => (false, name.strip_prefix('+').unwrap_or(&name).to_string()),
            };
            Ok(SortKey {
                path: path("sort", &name)?,
                descending,
            })
        })
        .collect()
}

fn path(key: &str, dotted: &str) -> Result<Vec<String>, QueryError> {
    let parts: Vec<String> = dotted.split('.').map(str::to_string).collect();
    if parts.iter().any(String::is_empty) {
        return Err(err(key, "attribute path has an empty segment"));
    }
    Ok(parts)
}

/// Reads the filter forms TMF630 allows: `a.b=v`, `a.gt=v` (also gte/lt/lte/eq)
/// and the operator forms `a>v`, `a>=v`, `a<v`, `a<=v`, which reach us split
/// at the first `=` by URL decoding (`a>` = `v`), or whole as one name when the
/// client encoded the `=` too (`a>=v` with no value).
fn filter(key: &str, value: &str) -> Result<Filter, QueryError> {
    let (attribute, op, raw) = if let Some(attr) = key.strip_suffix('>') {
        (attr, FilterOp::Gte, value)
    } else if let Some(attr) = key.strip_suffix('<') {
        (attr, FilterOp::Lte, value)
    } else if let Some((attr, rest)) = key.split_once(">=") {
        (attr, FilterOp::Gte, rest)
    } else if let Some((attr, rest)) = key.split_once("<=") {
        (attr, FilterOp::Lte, rest)
    } else if let Some((attr, rest)) = key.split_once('>') {
        (attr, FilterOp::Gt, rest)
    } else if let Some((attr, rest)) = key.split_once('<') {
        (attr, FilterOp::Lt, rest)
    } else {
        match key.rsplit_once('.') {
            Some((attr, "gt")) => (attr, FilterOp::Gt, value),
            Some((attr, "gte")) => (attr, FilterOp::Gte, value),
            Some((attr, "lt")) => (attr, FilterOp::Lt, value),
            Some((attr, "lte")) => (attr, FilterOp::Lte, value),
            Some((attr, "eq")) => (attr, FilterOp::Eq, value),
            _ => (key, FilterOp::Eq, value),
        }
    };
    if attribute.is_empty() {
        return Err(err(key, "filter needs an attribute name"));
    }
    Ok(Filter {
        path: path(key, attribute)?,
        op,
        values: split_values(key, raw)?,
    })
}

/// Splits on commas outside double quotes and removes the quotes, so
/// `"a,b",c` is the two values `a,b` and `c`.
fn split_values(key: &str, raw: &str) -> Result<Vec<String>, QueryError> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for ch in raw.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => values.push(std::mem::take(&mut current)),
            _ => current.push(ch),
        }
    }
    if quoted {
        return Err(err(key, "value has an unclosed double quote"));
    }
    values.push(current);
    Ok(values)
}
