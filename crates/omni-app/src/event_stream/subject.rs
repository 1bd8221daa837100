//! Subjects of published events: `<prefix>.<tenant>.<api>.<eventType>`.
//!
//! A NATS subject token cannot hold `.` (the separator), `*` or `>`
//! (wildcards) or white space, and tenant names are chosen by operators.
//! Each of the three names is therefore made one token: ASCII letters,
//! digits, `-` and `_` stay as they are; every other byte of its UTF-8 is
//! written `%XX` (upper-case hex), so `%` itself becomes `%25`. The mapping
//! is one-to-one (two different tenants never share a subject) and undone by
//! percent-decoding. An empty name, which no token may be, is written `%`.

use std::fmt::Write;

/// The subject of an event of `tenant`, API domain `api`, type `event_type`.
pub fn subject(prefix: &str, tenant: &str, api: &str, event_type: &str) -> String {
    format!(
        "{prefix}.{}.{}.{}",
        token(tenant),
        token(api),
        token(event_type)
    )
}

/// `name` as one subject token (see the module's header).
pub fn token(name: &str) -> String {
    if name.is_empty() {
        return "%".into();
    }
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_names_stay_as_they_are() {
        assert_eq!(
            subject("omni", "default", "shoppingCart", "ShoppingCartCreateEvent"),
            "omni.default.shoppingCart.ShoppingCartCreateEvent"
        );
        assert_eq!(token("tenant-2_b"), "tenant-2_b");
    }

    #[test]
    fn separators_wildcards_and_spaces_are_escaped() {
        assert_eq!(token("acme.eu"), "acme%2Eeu");
        assert_eq!(token("a*b>c"), "a%2Ab%3Ec");
        assert_eq!(token("two words"), "two%20words");
        assert_eq!(token("100%"), "100%25");
        assert_eq!(token("é"), "%C3%A9");
        assert_eq!(token(""), "%");
    }

    fn decode(token: &str) -> Vec<u8> {
        if token == "%" {
            return Vec::new();
        }
        let bytes = token.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    }

    proptest! {
        #[test]
        fn every_name_is_one_valid_token_that_decodes_back(name in ".{0,40}") {
            let t = token(&name);
            prop_assert!(!t.is_empty());
            prop_assert!(!t.contains(['.', '*', '>']));
            prop_assert!(!t.chars().any(char::is_whitespace));
            prop_assert_eq!(decode(&t), name.as_bytes().to_vec());
        }
    }
}
