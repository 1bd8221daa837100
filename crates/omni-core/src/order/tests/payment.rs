use crate::order::payment::*;
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 15, 9, 30, 0)
        .single()
        .expect("valid time")
}

fn card(number: &str) -> CardInput {
    CardInput {
        number: number.to_string(),
        expiry_month: 12,
        expiry_year: 2027,
        cvv: "123".to_string(),
        holder_name: "Ada Lovelace".to_string(),
    }
}

fn fields(r: Result<ValidCard, Vec<crate::order::InputError>>) -> Vec<String> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.field)
        .collect()
}

const NONCE: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0xff,
];

fn usd(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

#[test]
fn luhn() {
    assert!(luhn_valid("4242424242424242"));
    assert!(luhn_valid("4242 4242 4242 4242"));
    assert!(luhn_valid("4242-4242-4242-4242"));
    assert!(luhn_valid("79927398713"));
    assert!(!luhn_valid("79927398710"));
    assert!(!luhn_valid("4242424242424241"));
    assert!(!luhn_valid("4242x424242424242"));
    assert!(!luhn_valid(""));
    assert!(!luhn_valid("0"));
    assert!(luhn_valid("00"));
    for (n, _) in TEST_DECLINES {
        assert!(luhn_valid(n), "{n} must reach the gateway");
    }
}

#[test]
fn brands() {
    use CardBrand::*;
    let cases = [
        ("4242424242424242", Some(Visa)),
        ("5105105105105100", Some(Mastercard)),
        ("5555555555554444", Some(Mastercard)),
        ("2221000000000009", Some(Mastercard)),
        ("2720990000000007", Some(Mastercard)),
        ("2220990000000000", None),
        ("2721000000000000", None),
        ("5600000000000000", None),
        ("378282246310005", Some(Amex)),
        ("341111111111111", Some(Amex)),
        ("6011111111111117", Some(Discover)),
        ("6500000000000002", Some(Discover)),
        ("6012000000000000", None),
        ("3530111333300000", None),
        ("", None),
        ("4x", None),
    ];
    for (n, b) in cases {
        assert_eq!(CardBrand::detect(n), b, "{n}");
    }
    assert_eq!(Amex.cvv_len(), 4);
    assert_eq!(Visa.cvv_len(), 3);
}

#[test]
fn valid_cards_pass() {
    for n in [
        "4242424242424242",
        "4242 4242 4242 4242",
        "5555555555554444",
        "2223003122003222",
        "6011111111111117",
        "4222222222222",
    ] {
        let c = validate_card(&card(n), now()).expect(n);
        assert_eq!(c.expiry_year, 2027);
    }
    let mut amex = card("3782 822463 10005");
    amex.cvv = "1234".to_string();
    let c = validate_card(&amex, now()).expect("amex");
    assert_eq!(c.brand, CardBrand::Amex);
    assert_eq!(c.last4(), "0005");
    // This month is still good.
    let mut current = card("4242424242424242");
    current.expiry_month = 5;
    current.expiry_year = 2024;
    assert!(validate_card(&current, now()).is_ok());
}

#[test]
fn each_rule_names_its_field() {
    assert_eq!(
        fields(validate_card(&card("4242424242424241"), now())),
        ["number"]
    );
    assert_eq!(
        fields(validate_card(&card("4242.4242.4242.4242"), now())),
        ["number"]
    );
    assert_eq!(
        fields(validate_card(&card("42424242424"), now())),
        ["number"]
    );
    assert_eq!(
        fields(validate_card(&card("42424242424242424242"), now())),
        ["number"]
    );
    assert_eq!(
        fields(validate_card(&card("3530111333300000"), now())),
        ["number"]
    );
    // Luhn-valid, but a Mastercard number has 16 digits.
    let errors = validate_card(&card("555555555555442"), now()).expect_err("15 digits");
    assert_eq!(errors[0].field, "number");
    assert_eq!(errors[0].rule, "a Mastercard number has 16 digits");
    let errors = validate_card(&card("42424242424242"), now()).expect_err("14 digits");
    assert_eq!(errors[0].rule, "a Visa number has 13, 16 or 19 digits");
    let errors = validate_card(&card("4242424242424241"), now()).expect_err("luhn");
    assert!(errors[0].rule.contains("Luhn"), "{}", errors[0]);

    let mut c = card("4242424242424242");
    c.expiry_month = 13;
    assert_eq!(fields(validate_card(&c, now())), ["expiryMonth"]);
    c.expiry_month = 0;
    assert_eq!(fields(validate_card(&c, now())), ["expiryMonth"]);
    c.expiry_month = 4;
    c.expiry_year = 2024;
    let errors = validate_card(&c, now()).expect_err("expired last month");
    assert_eq!(errors[0].field, "expiryMonth");
    assert!(errors[0].rule.contains("expired"));
    c.expiry_month = 12;
    c.expiry_year = 2023;
    assert_eq!(fields(validate_card(&c, now())), ["expiryYear"]);
    c.expiry_year = 27;
    assert_eq!(fields(validate_card(&c, now())), ["expiryYear"]);
    c.expiry_year = 2045;
    assert_eq!(fields(validate_card(&c, now())), ["expiryYear"]);

    let mut c = card("4242424242424242");
    c.cvv = "12".to_string();
    assert_eq!(fields(validate_card(&c, now())), ["cvv"]);
    c.cvv = "1234".to_string();
    assert_eq!(fields(validate_card(&c, now())), ["cvv"]);
    c.cvv = "12a".to_string();
    assert_eq!(fields(validate_card(&c, now())), ["cvv"]);
    let mut amex = card("378282246310005");
    amex.cvv = "123".to_string();
    let errors = validate_card(&amex, now()).expect_err("amex needs 4");
    assert_eq!(
        errors[0].rule,
        "must be 4 digits on an American Express card"
    );

    let mut c = card("4242424242424242");
    c.holder_name = "   ".to_string();
    assert_eq!(fields(validate_card(&c, now())), ["holderName"]);
    c.holder_name = "x".repeat(MAX_HOLDER_NAME + 1);
    assert_eq!(fields(validate_card(&c, now())), ["holderName"]);

    let all = CardInput {
        number: "1".to_string(),
        expiry_month: 0,
        expiry_year: 1999,
        cvv: String::new(),
        holder_name: String::new(),
    };
    assert_eq!(
        fields(validate_card(&all, now())),
        ["number", "expiryMonth", "expiryYear", "cvv", "holderName"]
    );
}

#[test]
fn approval_stores_a_token_never_the_number() {
    let mut c = card("4242 4242 4242 4242");
    c.cvv = "987".to_string();
    let pm = authorize(&c, usd("1099.99"), "USD", now(), NONCE).expect("approved");
    assert_eq!(pm.token, "pm_000102030405060708090a0b0c0d0eff");
    assert_eq!(pm.brand, CardBrand::Visa);
    assert_eq!(pm.last4, "4242");
    assert_eq!((pm.expiry_month, pm.expiry_year), (12, 2027));
    assert_eq!(pm.authorized_amount, usd("1099.99"));
    assert_eq!(pm.authorized_at, now());
    let json = serde_json::to_string(&pm).expect("serializes");
    assert!(!json.contains("4242424242424242"), "{json}");
    assert!(!json.contains("4242 4242"), "{json}");
    assert!(!json.contains("987"), "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["authorizedAmount"], "1099.99");
    assert_eq!(v["brand"], "Visa");
    assert_eq!(v["last4"], "4242");
    let back: PaymentMethod = serde_json::from_str(&json).expect("round trip");
    assert_eq!(back, pm);
    // Whole amounts are stored to the cent.
    let pm = authorize(&card("5555555555554444"), usd("20"), "USD", now(), NONCE).expect("ok");
    assert_eq!(pm.authorized_amount.to_string(), "20.00");
}

#[test]
fn debug_output_hides_number_and_cvv() {
    let mut c = card("4242424242424242");
    c.cvv = "987".to_string();
    let shown = format!("{c:?}");
    assert!(
        !shown.contains("4242424242424242") && !shown.contains("987"),
        "{shown}"
    );
    let valid = validate_card(&c, now()).expect("valid");
    let shown = format!("{valid:?}");
    assert!(!shown.contains("4242424242424242"), "{shown}");
    assert!(shown.contains("4242"), "last four are fine: {shown}");
}

#[test]
fn test_numbers_decline_with_their_codes() {
    for (n, code) in TEST_DECLINES {
        let e = authorize(&card(n), usd("10.00"), "USD", now(), NONCE).expect_err(n);
        let PaymentError::Declined(d) = e else {
            panic!("{n}: expected a decline, got {e:?}");
        };
        assert_eq!(d.code, code);
        assert_eq!(d.last4, n[n.len() - 4..]);
        assert!(d.to_string().contains(code.as_str()));
    }
    let codes: std::collections::HashSet<_> =
        TEST_DECLINES.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(codes.len(), TEST_DECLINES.len(), "distinct codes");
    let e = authorize(&card("4000000000009995"), usd("1"), "USD", now(), NONCE).expect_err("nsf");
    let v = serde_json::to_value(&e).expect("serializes");
    assert_eq!(v["kind"], "declined");
    assert_eq!(v["detail"]["code"], "insufficient_funds");
}

#[test]
fn limit_amount_and_currency() {
    let over = AUTHORIZATION_LIMIT + usd("0.01");
    match authorize(&card("4242424242424242"), over, "USD", now(), NONCE) {
        Err(PaymentError::Declined(d)) => assert_eq!(d.code, DeclineCode::OverLimit),
        other => panic!("{other:?}"),
    }
    assert!(
        authorize(
            &card("4242424242424242"),
            AUTHORIZATION_LIMIT,
            "USD",
            now(),
            NONCE
        )
        .is_ok()
    );
    for (amount, currency, field) in [
        ("0", "USD", "amount"),
        ("-5", "USD", "amount"),
        ("1.001", "USD", "amount"),
        ("1", "usd", "currency"),
        ("1", "US", "currency"),
    ] {
        match authorize(
            &card("4242424242424242"),
            usd(amount),
            currency,
            now(),
            NONCE,
        ) {
            Err(PaymentError::Invalid(errors)) => {
                assert_eq!(errors.len(), 1, "{amount} {currency}");
                assert_eq!(errors[0].field, field);
            }
            other => panic!("{amount} {currency}: {other:?}"),
        }
    }
    // Trailing zeros are not extra precision.
    assert!(
        authorize(
            &card("4242424242424242"),
            usd("1.5000"),
            "USD",
            now(),
            NONCE
        )
        .is_ok()
    );
    // Card and amount problems come back together, as a 400.
    let e = authorize(&card("4242424242424241"), usd("0"), "USD", now(), NONCE).expect_err("bad");
    assert!(
        matches!(&e, PaymentError::Invalid(v) if v.len() == 2),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("invalid payment request: number:")
    );
}

/// Appends the Luhn check digit to `body`.
fn with_check_digit(body: &str) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|n| luhn_valid(n))
        .expect("one digit always fits")
}

proptest! {
    /// Exactly one check digit completes any number, and changing any one
    /// digit of a valid number breaks it.
    #[test]
    fn luhn_catches_single_digit_errors(body in "[0-9]{11,18}", at in 0usize..19, delta in 1u8..10) {
        let n = with_check_digit(&body);
        prop_assert_eq!((0..10).filter(|d| luhn_valid(&format!("{body}{d}"))).count(), 1);
        let at = at % n.len();
        let mut bytes = n.clone().into_bytes();
        bytes[at] = b'0' + (bytes[at] - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).expect("ascii");
        prop_assert!(!luhn_valid(&changed));
    }

    /// Whatever card approves, its serialized payment method never contains
    /// the card number, and the token is `pm_` and 32 hex digits.
    #[test]
    fn approved_methods_never_hold_the_number(body in "4[0-9]{14}", nonce in any::<[u8; 16]>(), cents in 1i64..1_000_000) {
        let number = with_check_digit(&body);
        prop_assume!(!TEST_DECLINES.iter().any(|(n, _)| *n == number));
        let pm = authorize(&card(&number), Decimal::new(cents, 2), "USD", now(), nonce).expect("approves");
        let json = serde_json::to_string(&pm).expect("serializes");
        prop_assert!(!json.contains(&number));
        prop_assert!(!json.contains(&number[..12]));
        prop_assert_eq!(pm.token.len(), 35);
        prop_assert!(pm.token.starts_with("pm_"));
        prop_assert!(pm.token[3..].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        prop_assert_eq!(&pm.last4, &number[12..]);
    }
}

#[test]
fn declines_render_as_partner_error_entries() {
    let Err(PaymentError::Declined(d)) =
        authorize(&card("4000000000000002"), usd("5"), "USD", now(), NONCE)
    else {
        panic!("expected a decline");
    };
    let v = serde_json::to_value(d.to_entry()).expect("serializes");
    assert_eq!(v["action"], "payment");
    assert_eq!(v["errorCode"], "PAYMENT-DECLINED");
    assert_eq!(v["errorDetails"][0]["system"], GATEWAY);
    assert_eq!(v["errorDetails"][0]["errorCode"], "card_declined");
    assert_eq!(
        v["errorDescription"],
        "payment declined (card_declined): the card was declined"
    );
}
