//! Whose inventory an order may touch: the one ownership rule that order
//! capture (the add-items page, seed 000) and care orders (the care order
//! page, seed 001) both call. An account is the customer's unit of
//! ownership: a billing account, a line and a line's products belong to
//! the account they are on.

use super::Account;

/// Who an order acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner<'a> {
    /// An order that names no customer: it may add brand-new things, but
    /// touches no existing billing account, line or product.
    Nobody,
    /// An order's customer (its `relatedParty` with role `customer`): it
    /// owns the accounts whose `partyId` it is. A party no account names
    /// owns nothing.
    Party(&'a str),
    /// A care order's foundation account: it owns what is on it.
    Account(&'a str),
}

/// Why `owner` may not touch `what` (e.g. `billing account '556165899573'`),
/// which is on the account `account_id` (`account`: that account, when
/// the inventory has it); `None` when it may.
pub fn ownership_problem(
    owner: Owner<'_>,
    what: &str,
    account_id: &str,
    account: Option<&Account>,
) -> Option<String> {
    match owner {
        Owner::Nobody => Some(format!(
            "{what} is existing inventory, and the order names no customer \
             (relatedParty with role customer) that owns it"
        )),
        Owner::Party(party) => {
            let owned =
                account.is_some_and(|a| a.id == account_id && a.party_id.as_deref() == Some(party));
            (!owned).then(|| format!("{what} does not belong to the order's customer '{party}'"))
        }
        Owner::Account(id) => {
            (account_id != id).then(|| format!("{what} is not on account '{id}'"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, party: Option<&str>) -> Account {
        Account {
            id: id.into(),
            name: "n".into(),
            customer_type: "Consumer".into(),
            customer_sub_type: None,
            party_id: party.map(str::to_string),
            account_groups: Vec::new(),
        }
    }

    #[test]
    fn a_party_owns_only_the_accounts_that_name_it() {
        let mine = account("CA-1001", Some("cust-1001"));
        let what = "line '4690002221'";
        assert_eq!(
            ownership_problem(Owner::Party("cust-1001"), what, "CA-1001", Some(&mine)),
            None
        );
        for (owner, account) in [
            (Owner::Party("cust-1002"), Some(&mine)),
            (Owner::Party("cust-1001"), None),
            (Owner::Nobody, Some(&mine)),
        ] {
            let problem = ownership_problem(owner, what, "CA-1001", account);
            assert!(problem.is_some_and(|p| p.starts_with(what)), "{owner:?}");
        }
        let unnamed = account("CA-1003", None);
        assert!(
            ownership_problem(Owner::Party("cust-1001"), what, "CA-1003", Some(&unnamed)).is_some()
        );
    }

    #[test]
    fn an_account_owns_what_is_on_it() {
        assert_eq!(
            ownership_problem(Owner::Account("81730304"), "line 'x'", "81730304", None),
            None
        );
        assert_eq!(
            ownership_problem(Owner::Account("81730304"), "line 'x'", "CA-1001", None),
            Some("line 'x' is not on account '81730304'".into())
        );
    }
}
