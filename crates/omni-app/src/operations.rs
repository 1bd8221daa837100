//! What operators read about orders, whichever family placed them: partner
//! orders (`order`), TMF622 product orders (`productOrder`) and care orders
//! (`careOrder`), by state and by the day they were placed, newest first,
//! one page at a time; and how many product orders completed in each of the
//! last minutes. The console's Operations screen and dashboard call these.
//!
//! Operators hold `jobs.admin` or `events.admin` (the roles that already see
//! and retry failed jobs, [`crate::jobs::admin::authorize`]); they read
//! every order of their own tenant, whoever placed it, but change nothing.
//!
//! Every read goes through the search keys of the three kinds
//! (`omni_core::tmf630::index::INDEXED`: state and placement time are
//! indexed for each), so a page costs one count and one page of documents
//! in the database, however many orders the tenant holds.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::repo::decode;
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Timelike, Utc};
use omni_core::Principal;
use omni_core::document::FieldError;
use omni_core::tmf630::index::{self, KeyQuery};
use omni_core::tmf630::{Filter, FilterOp, ListQuery, SortKey};
use omni_store::{Document, DocumentQuery};
use serde_json::Value;

/// Most orders one page holds.
pub const MAX_PAGE: u64 = 100;
/// Most minutes [`completed_per_minute`] counts (one count each).
pub const MAX_MINUTES: u32 = 60;

/// The families of orders operators follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderFamily {
    /// Captured through the partner order pages (`/omni-svcs`).
    Partner,
    /// TMF622 product orders (submitted partner orders become one too).
    Product,
    /// Care orders (`/api/orderingMobility`).
    Care,
}

impl OrderFamily {
    pub const ALL: [OrderFamily; 3] = [Self::Partner, Self::Product, Self::Care];

    /// The name used in queries and links.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Partner => "partner",
            Self::Product => "product",
            Self::Care => "care",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// The stored kind.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Partner => crate::order::KIND,
            Self::Product => crate::product_order::KIND,
            Self::Care => crate::care::KIND,
        }
    }

    /// The states an order of the family can be in, as stored.
    pub fn states(self) -> Vec<&'static str> {
        use crate::care::record::RecordStatus as Care;
        use crate::order::record::OrderState as Partner;
        match self {
            Self::Partner => [
                Partner::Draft,
                Partner::Submitted,
                Partner::Completed,
                Partner::Partial,
                Partner::Failed,
                Partner::Cancelled,
            ]
            .map(Partner::as_str)
            .to_vec(),
            Self::Product => omni_core::product_order::State::ALL
                .map(omni_core::product_order::State::as_str)
                .to_vec(),
            Self::Care => [
                Care::InProgress,
                Care::Completed,
                Care::PartiallyCompleted,
                Care::Failed,
                Care::Cancelled,
            ]
            .map(Care::as_str)
            .to_vec(),
        }
    }

    /// The attribute holding the state, and the one holding when the order
    /// was placed (both indexed, the second sortable).
    fn attributes(self) -> (&'static str, &'static str) {
        match self {
            Self::Partner => ("state", "createdAt"),
            Self::Product => ("state", "orderDate"),
            Self::Care => ("status", "createdAt"),
        }
    }
}

/// What an operator asks for. Text as typed: the use case checks it and
/// names each field that breaks a rule.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    /// `partner`, `product` or `care`; partner when absent.
    pub family: Option<String>,
    /// One of the family's states; every state when absent or empty.
    pub state: Option<String>,
    /// First day (UTC, `YYYY-MM-DD`) the orders were placed on, included.
    pub from: Option<String>,
    /// Last day (UTC, `YYYY-MM-DD`), included.
    pub to: Option<String>,
    pub offset: u64,
    /// At most [`MAX_PAGE`]; 20 when absent.
    pub limit: Option<u64>,
}

/// One order as operators see it in a list.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    pub id: String,
    pub state: String,
    /// When it was placed (RFC 3339).
    pub placed_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
    /// The customer's party id, or the care order's foundation account.
    pub customer: Option<String>,
    /// The channel, the partner's external id or the care client.
    pub source: Option<String>,
    /// Why it failed, when the order recorded a reason.
    pub reason: Option<String>,
}

/// One page of orders, with how many match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPage {
    pub family: OrderFamily,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
    pub rows: Vec<OrderRow>,
}

/// Orders of one family by state and placement day, newest first.
pub async fn list_orders(
    ctx: &Context,
    principal: &Principal,
    query: &OrderQuery,
) -> AppResult<OrderPage> {
    crate::jobs::admin::authorize(principal)?;
    let checked = check(query)?;
    let (state_attribute, date_attribute) = checked.family.attributes();
    let mut filters = Vec::new();
    if let Some(state) = &checked.state {
        filters.push(filter(state_attribute, FilterOp::Eq, state.clone()));
    }
    if let Some(from) = checked.from {
        filters.push(filter(date_attribute, FilterOp::Gte, instant(from)));
    }
    if let Some(to) = checked.to {
        filters.push(filter(date_attribute, FilterOp::Lt, instant(to)));
    }
    let keys = planned(
        checked.family.kind(),
        ListQuery {
            filters,
            sort: vec![SortKey {
                path: vec![date_attribute.to_string()],
                descending: true,
            }],
            ..ListQuery::default()
        },
    )?;
    let mut stored = DocumentQuery {
        tenant: principal.tenant.clone(),
        kind: checked.family.kind().to_string(),
        owner: None,
        page: None,
    };
    let total = ctx.store.count_keyed(&stored, &keys).await?;
    stored.page = Some((query.offset, checked.limit));
    let docs = ctx.store.list_keyed(&stored, &keys).await?;
    let rows = docs
        .iter()
        .map(|doc| row(checked.family, doc))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(OrderPage {
        family: checked.family,
        total,
        offset: query.offset,
        limit: checked.limit,
        rows,
    })
}

/// Product orders completed in one minute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinuteCount {
    /// The minute's start.
    pub minute: DateTime<Utc>,
    pub completed: u64,
}

/// How long after a minute ends its count is taken as final.
const SETTLE: Duration = Duration::seconds(10);

/// How many product orders (submitted partner orders included) completed
/// in each of the last `minutes` whole minutes before the current one, plus
/// the current one so far, oldest first. One indexed count per minute not
/// counted before (see `Caches::completed_minutes`), all sent at once.
pub async fn completed_per_minute(
    ctx: &Context,
    principal: &Principal,
    minutes: u32,
) -> AppResult<Vec<MinuteCount>> {
    crate::jobs::admin::authorize(principal)?;
    if minutes == 0 || minutes > MAX_MINUTES {
        return Err(AppError::field(
            "minutes",
            format!("must be 1 to {MAX_MINUTES}"),
        ));
    }
    let now = ctx.now();
    let current = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    let stored = DocumentQuery {
        tenant: principal.tenant.clone(),
        kind: crate::product_order::KIND.to_string(),
        owner: None,
        page: None,
    };
    // A minute is final once it is over and a grace for commits in flight
    // has passed (a completion is dated by its worker's clock a moment
    // before it commits); final minutes come from the cache.
    let settled = |start: DateTime<Utc>| start + Duration::minutes(1) + SETTLE <= now;
    let tenant = principal.tenant.clone();
    let oldest = current - Duration::minutes(i64::from(MAX_MINUTES) + 1);
    let known: std::collections::HashMap<DateTime<Utc>, u64> =
        match ctx.caches.completed_minutes.lock() {
            Ok(mut cache) => {
                cache.retain(|(_, minute), _| *minute >= oldest);
                cache
                    .iter()
                    .filter(|((t, _), _)| *t == tenant)
                    .map(|((_, minute), n)| (*minute, *n))
                    .collect()
            }
            Err(_) => Default::default(),
        };
    let minute = |back: i64| {
        let start = current - Duration::minutes(back);
        let stored = &stored;
        let cached = known.get(&start).copied();
        async move {
            if let Some(completed) = cached {
                return Ok::<_, AppError>(MinuteCount {
                    minute: start,
                    completed,
                });
            }
            let keys = planned(
                crate::product_order::KIND,
                ListQuery {
                    filters: vec![
                        filter("state", FilterOp::Eq, "completed".into()),
                        filter("completionDate", FilterOp::Gte, instant(start)),
                        filter(
                            "completionDate",
                            FilterOp::Lt,
                            instant(start + Duration::minutes(1)),
                        ),
                    ],
                    ..ListQuery::default()
                },
            )?;
            Ok::<_, AppError>(MinuteCount {
                minute: start,
                completed: ctx.store.count_keyed(stored, &keys).await?,
            })
        }
    };
    // The counts are independent: sent together, they take about as long
    // as the slowest one, not the sum (the database pool runs them side by
    // side).
    let counts =
        futures_util::future::try_join_all((0..=i64::from(minutes)).rev().map(minute)).await?;
    if let Ok(mut cache) = ctx.caches.completed_minutes.lock() {
        for count in counts.iter().filter(|c| settled(c.minute)) {
            cache.insert((tenant.clone(), count.minute), count.completed);
        }
    }
    Ok(counts)
}

/// A query whose every field was checked.
struct Checked {
    family: OrderFamily,
    state: Option<String>,
    from: Option<DateTime<Utc>>,
    /// The first instant after the last day asked for.
    to: Option<DateTime<Utc>>,
    limit: u64,
}

fn check(query: &OrderQuery) -> AppResult<Checked> {
    let mut problems = Vec::new();
    let family = match query.family.as_deref().filter(|f| !f.is_empty()) {
        None => OrderFamily::Partner,
        Some(text) => OrderFamily::parse(text).unwrap_or_else(|| {
            problems.push(FieldError::new(
                "family",
                "must be one of partner, product, care",
            ));
            OrderFamily::Partner
        }),
    };
    let state = query.state.as_deref().filter(|s| !s.is_empty());
    if let Some(state) = state
        && !family.states().contains(&state)
    {
        problems.push(FieldError::new(
            "state",
            format!(
                "is not a state of {} orders (one of {})",
                family.as_str(),
                family.states().join(", ")
            ),
        ));
    }
    let mut day = |name: &str, text: Option<&str>| -> Option<NaiveDate> {
        let text = text.filter(|t| !t.is_empty())?;
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                problems.push(FieldError::new(name, "must be a date, YYYY-MM-DD"));
                None
            }
        }
    };
    let from = day("from", query.from.as_deref());
    let to = day("to", query.to.as_deref());
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        problems.push(FieldError::new("to", "must not be before from"));
    }
    let limit = query.limit.unwrap_or(20);
    if limit == 0 || limit > MAX_PAGE {
        problems.push(FieldError::new("limit", format!("must be 1 to {MAX_PAGE}")));
    }
    if !problems.is_empty() {
        return Err(AppError::fields(problems));
    }
    let start_of = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    Ok(Checked {
        family,
        state: state.map(str::to_string),
        from: from.and_then(start_of),
        to: to.and_then(|d| d.succ_opt()).and_then(start_of),
        limit,
    })
}

pub(crate) fn filter(path: &str, op: FilterOp, value: String) -> Filter {
    Filter {
        path: path.split('.').map(str::to_string).collect(),
        op,
        values: vec![value],
    }
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The database's form of `query`: every filter and the sort must be on
/// search keys, so that no read is unbounded. One that is not is a bug in
/// this module (the kinds' keys are in the same table), not the caller's.
pub(crate) fn planned(kind: &str, query: ListQuery) -> AppResult<KeyQuery> {
    let plan = index::plan(kind, &query);
    match plan.rest {
        None => Ok(plan.keys),
        Some(rest) => Err(AppError::Internal(format!(
            "the operators' list of {kind} is not indexed on {}: {}",
            rest.parameter, rest.rule
        ))),
    }
}

fn text(body: &Value, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_string)
}

fn row(family: OrderFamily, doc: &Document) -> AppResult<OrderRow> {
    match family {
        OrderFamily::Partner => {
            let record = decode::<crate::order::record::OrderRecord>(doc)?.record;
            Ok(OrderRow {
                customer: record.customer().map(str::to_string),
                state: record.state.as_str().to_string(),
                placed_at: record.created_at,
                updated_at: record.updated_at,
                source: Some(record.channel),
                reason: record.failure.map(|f| f.reason),
                id: record.id,
            })
        }
        OrderFamily::Product => {
            let body = &doc.body;
            let parties = body
                .get("relatedParty")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            Ok(OrderRow {
                id: doc.id.clone(),
                state: text(body, "state").unwrap_or_default(),
                placed_at: text(body, "orderDate").unwrap_or_else(|| doc.created_at.clone()),
                updated_at: doc.updated_at.clone(),
                customer: omni_core::party::customer(parties).map(str::to_string),
                source: text(body, "externalId"),
                reason: None,
            })
        }
        OrderFamily::Care => {
            let record = decode::<crate::care::record::CareOrderRecord>(doc)?.record;
            let reason = record
                .changes
                .iter()
                .find_map(|c| c.result.failure.as_ref().map(|f| f.message.clone()));
            Ok(OrderRow {
                state: record.status.as_str().to_string(),
                placed_at: record.created_at,
                updated_at: record.updated_at,
                customer: Some(record.order.foundation_account_number),
                source: Some(record.client_id),
                reason,
                id: record.id,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(family: &str, state: &str, from: &str, to: &str) -> OrderQuery {
        OrderQuery {
            family: Some(family.into()),
            state: Some(state.into()),
            from: Some(from.into()),
            to: Some(to.into()),
            offset: 0,
            limit: None,
        }
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let Err(e) = check(&query("care", "completed", "2026-13-01", "yesterday")) else {
            panic!("accepted");
        };
        let fields: Vec<&str> = e.details().iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["state", "from", "to"]);
        let Err(e) = check(&query("lost", "", "", "")) else {
            panic!("accepted");
        };
        assert_eq!(e.details()[0].field, "family");
    }

    #[test]
    fn days_are_whole_and_inclusive() {
        let Ok(c) = check(&query("product", "completed", "2026-03-01", "2026-03-01")) else {
            panic!("refused");
        };
        assert_eq!(c.family, OrderFamily::Product);
        assert_eq!(
            c.from.map(instant).as_deref(),
            Some("2026-03-01T00:00:00.000Z")
        );
        assert_eq!(
            c.to.map(instant).as_deref(),
            Some("2026-03-02T00:00:00.000Z")
        );
        let Err(e) = check(&query("product", "", "2026-03-02", "2026-03-01")) else {
            panic!("accepted");
        };
        assert_eq!(e.details()[0].field, "to");
    }

    #[test]
    fn every_list_runs_on_search_keys() {
        for family in OrderFamily::ALL {
            let (state, date) = family.attributes();
            let query = ListQuery {
                filters: vec![
                    filter(state, FilterOp::Eq, family.states()[0].into()),
                    filter(date, FilterOp::Gte, "2026-01-01T00:00:00.000Z".into()),
                    filter(date, FilterOp::Lt, "2026-02-01T00:00:00.000Z".into()),
                ],
                sort: vec![SortKey {
                    path: vec![date.into()],
                    descending: true,
                }],
                ..ListQuery::default()
            };
            assert!(planned(family.kind(), query).is_ok(), "{family:?}");
        }
        // The dead letters' page (webhook::admin::dead_letters_page).
        let letters = ListQuery {
            filters: vec![filter("status", FilterOp::Eq, "parked".into())],
            sort: vec![SortKey {
                path: vec!["deadLetteredAt".into()],
                descending: true,
            }],
            ..ListQuery::default()
        };
        assert!(planned(crate::webhook::DEAD_LETTER_KIND, letters).is_ok());
    }
}
