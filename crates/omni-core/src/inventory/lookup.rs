//! What a store agent types to find a customer (issue 15): a name, an
//! account number, a billing account number or a phone number, in one box.
//! This decides how the text is read; `omni_app::customers::find` reads the
//! inventory accordingly.

use crate::document::FieldError;

/// Longest search text taken: a name or a number is far shorter.
pub const MAX_QUERY_CHARS: usize = 100;

/// A customer search, as typed and as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerQuery {
    /// The text, trimmed: an account id is looked up exactly as typed.
    pub text: String,
    /// The digits alone, when the text is a number written with the usual
    /// separators (`469-000-2221`, `(469) 000 2221`, `+1 469 000 2221`).
    pub digits: Option<String>,
    /// The text folded to lower case, for matching names.
    folded: String,
}

impl CustomerQuery {
    /// Reads `text`; empty or overlong text is refused naming `field`.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(FieldError::new(
                field,
                "type a name, an account, a billing account or a phone number",
            ));
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(FieldError::new(
                field,
                format!("must be at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let is_number = text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.' | '+'))
            && text.chars().any(|c| c.is_ascii_digit());
        let digits = is_number.then(|| text.chars().filter(char::is_ascii_digit).collect());
        Ok(Self {
            text: text.to_string(),
            digits,
            folded: text.to_lowercase(),
        })
    }

    /// The phone number (CTN, 10 digits) the text names, if it names one;
    /// a leading country code 1 is dropped.
    pub fn phone_number(&self) -> Option<&str> {
        let digits = self.digits.as_deref()?;
        match digits.len() {
            10 => Some(digits),
            11 if digits.starts_with('1') => Some(&digits[1..]),
            _ => None,
        }
    }

    /// Whether `name` contains every word of the text, in any case and
    /// order: "rivera jordan" finds "Jordan Rivera".
    pub fn name_matches(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        self.folded
            .split_whitespace()
            .all(|word| name.contains(word))
    }
}

#[cfg(test)]
mod tests {
    use super::CustomerQuery;

    fn query(text: &str) -> CustomerQuery {
        CustomerQuery::parse("q", text).expect("a query")
    }

    #[test]
    fn numbers_are_read_with_their_usual_separators() {
        assert_eq!(query("(469) 000-2221").phone_number(), Some("4690002221"));
        assert_eq!(query("+1 469 000 2221").phone_number(), Some("4690002221"));
        assert_eq!(
            query("556165899573").digits.as_deref(),
            Some("556165899573")
        );
        assert_eq!(query("556165899573").phone_number(), None);
        assert_eq!(query("CA-1001").digits, None);
        assert_eq!(query("CA-1001").text, "CA-1001");
    }

    #[test]
    fn names_match_every_word_in_any_case_and_order() {
        assert!(query("rivera JORDAN").name_matches("Jordan Rivera"));
        assert!(query("jor").name_matches("Jordan Rivera"));
        assert!(!query("jordan smith").name_matches("Jordan Rivera"));
    }

    #[test]
    fn empty_and_overlong_text_is_refused() {
        assert!(CustomerQuery::parse("q", "  ").is_err());
        assert!(CustomerQuery::parse("q", &"a".repeat(101)).is_err());
        assert_eq!(
            CustomerQuery::parse("q", " ").map_err(|e| e.field),
            Err("q".to_string())
        );
    }
}
