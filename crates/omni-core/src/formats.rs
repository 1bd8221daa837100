//! Field formats, one rule per fact, for every family (carts, order capture,
//! care orders, the console): a line number, an IMEI, an ICCID, a ZIP code,
//! and the characteristics items carry. Each check is about shape only
//! (digits, lengths, allowed characters): whether a number or device exists
//! is the validator's business, and check digits are deliberately not
//! verified (the care page's own example IMEI, seed 001, fails the Luhn
//! check and must work).

/// A string of exactly `len` ASCII digits.
fn digits(s: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// A line number (CTN) or contact phone number: 10 digits, no punctuation.
/// No NANP rules (the page's example number `1234567890` breaks them).
pub fn is_phone_number(s: &str) -> bool {
    digits(s, 10..=10)
}

/// A phone extension: 1 to 6 digits.
pub fn is_extension(s: &str) -> bool {
    digits(s, 1..=6)
}

/// An IMEI: 15 digits, the 14 of the device's identity and its check digit
/// (not verified). An IMEISV (16 digits) names a software version, not a
/// device, and a 14-digit value lacks the digit every label prints.
pub fn is_imei(s: &str) -> bool {
    digits(s, 15..=15)
}

/// What [`is_imei`] demands, as errors say it.
pub const IMEI_RULE: &str = "an IMEI is 15 digits";

/// An ICCID: 19 or 20 digits starting with `89`, the telecom industry
/// identifier every SIM carries (check digit not verified).
pub fn is_iccid(s: &str) -> bool {
    digits(s, 19..=20) && s.starts_with("89")
}

/// What [`is_iccid`] demands, as errors say it.
pub const ICCID_RULE: &str = "an ICCID is 19 or 20 digits starting with 89";

/// What [`is_phone_number`] demands, as errors say it.
pub const PHONE_RULE: &str = "must be 10 digits";

/// A yes/no characteristic (`isBYOD`, `eSIM_Enabled`): `true` or `false`,
/// in any case (partners send `True`, the pages write `true`).
pub fn flag(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// How a device is paid for: in full today, or by installments.
pub const PAYMENT_OPTIONS: [&str; 2] = ["full", "installment"];

/// The rule an item characteristic's value breaks, if any, for the
/// characteristics whose format Omni knows; others are free text. Carts
/// and order capture both check items with it.
pub fn characteristic_problem(name: &str, value: &str) -> Option<String> {
    match name {
        "IMEI" if !is_imei(value) => Some(IMEI_RULE.into()),
        "ICCID" if !is_iccid(value) => Some(ICCID_RULE.into()),
        "paymentOption" if !PAYMENT_OPTIONS.contains(&value) => Some(format!(
            "paymentOption must be {}",
            PAYMENT_OPTIONS.join(" or ")
        )),
        "isBYOD" | "eSIM_Enabled" if flag(value).is_none() => {
            Some(format!("{name} must be true or false"))
        }
        _ => None,
    }
}

/// A voicemail PIN: 4 to 8 digits.
pub fn is_voicemail_pin(s: &str) -> bool {
    digits(s, 4..=8)
}

/// A US ZIP code: `75201` or ZIP+4 `75201-1234`.
pub fn is_zip(s: &str) -> bool {
    match s.split_once('-') {
        None => digits(s, 5..=5),
        Some((zip, plus4)) => digits(zip, 5..=5) && digits(plus4, 4..=4),
    }
}

/// USPS two-letter codes: the states, DC, the territories and the
/// military "states" (AA, AE, AP), all in capitals.
const STATES: [&str; 59] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC", "PR", "GU", "VI", "AS", "MP", "AA", "AE", "AP",
];

pub fn is_us_state(s: &str) -> bool {
    STATES.contains(&s)
}

/// A deliberately plain e-mail check: one `@`, a non-empty local part, a
/// domain of dot-separated labels with at least one dot, no spaces, at most
/// 254 characters. Deliverability is not this layer's to judge.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// A person's first or last name: letters (any script), spaces,
/// apostrophes, hyphens and periods, starting with a letter and not ending
/// with a space.
pub fn is_person_name(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_alphabetic)
        && !s.ends_with(' ')
        && s.chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '\'' | '-' | '.' | '’'))
}

/// A client-chosen identifier (`changeRequestId`, `poNumber`): letters,
/// digits, `-`, `_`, `.`, `:` and `/`.
pub fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/'))
}

/// What [`has_nul`] refuses, as errors say it.
pub const NUL_RULE: &str = "must not contain the NUL character";

/// Whether text holds a NUL character. PostgreSQL stores neither a NUL in
/// text nor `\u0000` in jsonb, so such input is refused before anything
/// runs, on every backend alike, instead of failing only on one of them.
pub fn has_nul(s: &str) -> bool {
    s.as_bytes().contains(&0)
}

/// The path (`cartItem[0].productOffering.id`) of the first string value
/// or object key in `value` that holds a NUL, at any depth. A key with a
/// NUL is named by its object's path plus the key, the NUL written `\0`.
pub fn nul_path(value: &serde_json::Value) -> Option<String> {
    fn walk(value: &serde_json::Value, path: &mut String) -> bool {
        match value {
            serde_json::Value::String(s) => has_nul(s),
            serde_json::Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            serde_json::Value::Object(map) => map.iter().any(|(key, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                if has_nul(key) {
                    path.push_str(&key.replace('\0', "\\0"));
                    return true;
                }
                path.push_str(key);
                let found = walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    let mut path = String::new();
    walk(value, &mut path).then(|| {
        if path.is_empty() {
            "body".to_string()
        } else {
            path
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(is_phone_number("1234567890") && !is_phone_number("123-456-7890"));
        assert!(is_extension("1885") && !is_extension("1234567"));
        // The page's example IMEI fails Luhn, and must pass.
        assert!(is_imei("359194077165207") && !is_imei("35919407716520"));
        assert!(!is_imei("3591940771652071"), "an IMEISV is not an IMEI");
        assert!(is_iccid("89014704272630325832") && is_iccid("8901470427263032583"));
        assert!(!is_iccid("99014704272630325832") && !is_iccid("890147042726303258"));
        assert!(is_voicemail_pin("1234") && is_voicemail_pin("12345678"));
        assert!(!is_voicemail_pin("123") && !is_voicemail_pin("12a4"));
        assert!(is_zip("75201") && is_zip("77002-2700"));
        assert!(!is_zip("7520") && !is_zip("75201-27") && !is_zip("75201 2700"));
        assert!(is_us_state("TX") && !is_us_state("tx") && !is_us_state("XX"));
    }

    #[test]
    fn emails_and_names() {
        assert!(is_email("alexbell@att.com") && is_email("a.b+c@mail.example.co"));
        for bad in [
            "alexbell",
            "@att.com",
            "a@att",
            "a b@att.com",
            "a@@att.com",
            "a@.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_person_name("Alex") && is_person_name("O'Neil-Smith Jr."));
        assert!(is_person_name("Zoë"));
        assert!(!is_person_name(" Alex") && !is_person_name("R2D2") && !is_person_name(""));
        assert!(is_identifier("ChangeID1") && !is_identifier("a b"));
    }

    #[test]
    fn item_characteristics() {
        assert_eq!(characteristic_problem("IMEI", "358073464620280"), None);
        assert!(characteristic_problem("IMEI", "35807346462028").is_some());
        assert!(characteristic_problem("ICCID", "99014704272630325832").is_some());
        assert_eq!(characteristic_problem("isBYOD", "True"), None);
        assert!(characteristic_problem("eSIM_Enabled", "yes").is_some());
        assert!(characteristic_problem("paymentOption", "lease").is_some());
        assert_eq!(characteristic_problem("color", "anything"), None);
        assert_eq!(flag("FALSE"), Some(false));
    }

    #[test]
    fn nul_is_found_at_any_depth() {
        let body = serde_json::json!({"cartItem": [{"productOffering": {"id": "a\u{0}b"}}]});
        assert_eq!(
            nul_path(&body).as_deref(),
            Some("cartItem[0].productOffering.id")
        );
        let key = serde_json::json!({"a": {"x\u{0}y": 1}});
        assert_eq!(nul_path(&key).as_deref(), Some("a.x\\0y"));
        assert_eq!(
            nul_path(&serde_json::json!("\u{0}")).as_deref(),
            Some("body")
        );
        assert_eq!(nul_path(&serde_json::json!({"a": ["b", 1, null]})), None);
        assert!(has_nul("a\u{0}") && !has_nul("a0"));
    }
}
