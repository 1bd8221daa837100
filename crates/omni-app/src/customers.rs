//! A store agent's view of customers (issue 15, the console's Customers
//! screen): find a customer by name, account, billing account or phone
//! number; read one customer's billing accounts and lines; say, for offers a
//! discovery search listed, which ones this customer may not buy and why.
//!
//! ```text
//! find      a number: the line, billing account or account it is the id
//!   │         of (point reads); other text: an account id, a party id,
//!   │         then account names, read a page at a time, stopping at
//!   │         MAX_FOUND matches
//! customer  the account, then the party's billing accounts and a page of
//!   │         its lines (reads by owner: every record of a customer is
//!   │         owned by its party)
//! reasons   the customer's facts as carts read them
//!             (cart::customer::load) and the eligibility rule carts and
//!             TMF679 use (omni_core::eligibility::qualify)
//! ```
//!
//! Callers are users or machines with `order.ops` or `sc.ops`, the roles of
//! the people who sell.

use crate::cart::customer::{self as facts, CustomerFacts};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::inventory::{accounts, billing_accounts, lines};
use crate::repo::{Stored, decode};
use omni_core::eligibility::{EligibilityContext, Reason, qualify};
use omni_core::inventory::{
    ACCOUNT_KIND, Account, BillingAccount, CustomerQuery, SUBSCRIBER_KIND, Subscriber,
};
use omni_core::{AccessError, Principal, PrincipalKind};
use omni_store::DocumentQuery;

/// The roles of store agents and the systems that sell for them.
pub const ROLES: [&str; 2] = ["order.ops", "sc.ops"];
/// Most customers one search answers: an agent narrows a longer list.
pub const MAX_FOUND: usize = 25;
/// Accounts read per page while matching names.
const NAME_PAGE: i64 = 500;
/// Lines shown per page of a customer.
pub const LINES_PAGE: u64 = 25;

/// Users and machines holding one of [`ROLES`].
pub fn authorize(principal: &Principal) -> AppResult<()> {
    principal.require_kind(&[PrincipalKind::User, PrincipalKind::M2m])?;
    if ROLES.iter().any(|r| principal.has_role(r)) {
        Ok(())
    } else {
        Err(AccessError::MissingRole(ROLES.join("' or '")).into())
    }
}

/// How a search found an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    Name,
    Account,
    Party,
    BillingAccount(String),
    PhoneNumber(String),
}

/// One customer a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub account: Account,
    pub matched: Matched,
}

/// What a search found: at most [`MAX_FOUND`] accounts; `more` says there
/// were others.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Search {
    pub found: Vec<Found>,
    pub more: bool,
}

impl Search {
    fn add(&mut self, account: Account, matched: Matched) {
        if self.found.iter().any(|f| f.account.id == account.id) {
            return;
        }
        if self.found.len() == MAX_FOUND {
            self.more = true;
        } else {
            self.found.push(Found { account, matched });
        }
    }
}

/// The customers `text` names (field `q` when it is refused).
pub async fn find(ctx: &Context, principal: &Principal, text: &str) -> AppResult<Search> {
    authorize(principal)?;
    let query = CustomerQuery::parse("q", text).map_err(|e| AppError::fields(vec![e]))?;
    let (store, tenant) = (ctx.store(), principal.tenant.as_str());
    let accounts = accounts(store, tenant);
    let mut search = Search::default();
    if let Some(digits) = &query.digits {
        if let Some(ctn) = query.phone_number()
            && let Some(line) = lines(store, tenant).find(ctn).await?
            && let Some(account) = accounts.find(&line.record.account_id).await?
        {
            search.add(account.record, Matched::PhoneNumber(ctn.to_string()));
        }
        if let Some(billing) = billing_accounts(store, tenant).find(digits).await?
            && let Some(account) = accounts.find(&billing.record.account_id).await?
        {
            search.add(account.record, Matched::BillingAccount(digits.clone()));
        }
    }
    if let Some(account) = accounts.find(&query.text).await? {
        search.add(account.record, Matched::Account);
    }
    if query.digits.is_none() {
        for account in accounts.owned_by(&query.text).await? {
            search.add(account.record, Matched::Party);
        }
        by_name(ctx, tenant, &query, &mut search).await?;
    }
    Ok(search)
}

/// Adds the accounts whose name holds every word of the query, reading the
/// accounts a page at a time and stopping once the answer is full. Accounts
/// are one per customer, far fewer than orders or lines; a tenant with
/// millions of them would want a name index instead of this scan.
async fn by_name(
    ctx: &Context,
    tenant: &str,
    query: &CustomerQuery,
    search: &mut Search,
) -> AppResult<()> {
    let mut after: Option<(String, String)> = None;
    loop {
        let rows = ctx
            .store
            .document_bodies(tenant, ACCOUNT_KIND, after.as_ref(), NAME_PAGE)
            .await?;
        for row in &rows {
            let account: Account = serde_json::from_str(&row.body)
                .map_err(|e| AppError::corrupt(ACCOUNT_KIND, &row.id, e))?;
            if query.name_matches(&account.name) {
                search.add(account, Matched::Name);
                if search.more {
                    return Ok(());
                }
            }
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == NAME_PAGE => {
                after = Some((last.created_at.clone(), last.id.clone()));
            }
            _ => return Ok(()),
        }
    }
}

/// One customer as a store agent sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub account: Account,
    /// The party that owns the account's records (carts and orders name it).
    pub party_id: Option<String>,
    pub billing_accounts: Vec<BillingAccount>,
    /// One page of the party's lines, oldest first (a party with several
    /// accounts has them all here: lines are found through their owner).
    pub lines: Vec<Subscriber>,
    /// How many lines the party has in all.
    pub line_count: u64,
}

/// Account `account_id` with its billing accounts and the lines of page
/// `page` (from 0), [`LINES_PAGE`] at a time.
pub async fn customer(
    ctx: &Context,
    principal: &Principal,
    account_id: &str,
    page: u64,
) -> AppResult<Customer> {
    authorize(principal)?;
    let (store, tenant) = (ctx.store(), principal.tenant.as_str());
    let account = accounts(store, tenant).get(account_id).await?;
    let Some(party) = account.owner.clone().or(account.record.party_id.clone()) else {
        // Records are found through their owner: an account that names no
        // party has none to show.
        return Ok(Customer {
            account: account.record,
            party_id: None,
            billing_accounts: Vec::new(),
            lines: Vec::new(),
            line_count: 0,
        });
    };
    let billing = billing_accounts(store, tenant)
        .owned_by(&party)
        .await?
        .into_iter()
        .map(|b| b.record)
        .filter(|b| b.account_id == account_id)
        .collect();
    let mut query = DocumentQuery {
        tenant: tenant.to_string(),
        kind: SUBSCRIBER_KIND.to_string(),
        owner: Some(party.clone()),
        page: None,
    };
    let line_count = store.count_documents(&query).await?;
    query.page = Some((page.saturating_mul(LINES_PAGE), LINES_PAGE));
    let lines = store
        .list_documents(&query)
        .await?
        .iter()
        .map(|doc| decode::<Subscriber>(doc).map(|s: Stored<Subscriber>| s.record))
        .collect::<Result<_, _>>()?;
    Ok(Customer {
        account: account.record,
        party_id: Some(party),
        billing_accounts: billing,
        lines,
        line_count,
    })
}

/// The party that owns account `account_id`'s records (the customer carts
/// and orders name), if it names one; `NotFound` for an unknown account.
/// The console checks a cart or an order it shows under an account is that
/// party's.
pub async fn party_of(
    ctx: &Context,
    principal: &Principal,
    account_id: &str,
) -> AppResult<Option<String>> {
    authorize(principal)?;
    let account = accounts(ctx.store(), &principal.tenant)
        .get(account_id)
        .await?;
    Ok(account.owner.or(account.record.party_id))
}

/// For each of `offering_ids`, why `party` may not buy it in `channel` now
/// (empty: eligible), judged on the facts and by the rule a cart of theirs
/// would be: a prospect (no party, or one with no account) on the channel
/// alone.
pub async fn reasons(
    ctx: &Context,
    principal: &Principal,
    party: Option<&str>,
    channel: &str,
    offering_ids: &[String],
) -> AppResult<Vec<(String, Vec<Reason>)>> {
    authorize(principal)?;
    let tenant = principal.tenant.as_str();
    let facts: Option<CustomerFacts> = match party {
        Some(party) => facts::load(ctx.store(), tenant, party).await?,
        None => None,
    };
    let mut context = EligibilityContext::new(channel, ctx.now());
    if let Some(facts) = &facts {
        facts.apply(&mut context);
    }
    let index = ctx.caches.catalog.get(tenant);
    Ok(offering_ids
        .iter()
        .map(|id| (id.clone(), qualify(&index, id, &context)))
        .collect())
}
