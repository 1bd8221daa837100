//! `careAccount`: a line as it is now, with its foundation account, account
//! group and billing account, read through the inventory repositories.

use super::authorize;
use super::request::AccountQuery;
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::inventory::{accounts, billing_accounts, lines};
use omni_core::Principal;
use omni_core::inventory::{Account, BillingAccount, Subscriber};
use serde_json::{Value, json};

/// A line and the accounts it belongs to (an account absent from the
/// inventory is answered as `null`).
#[derive(Debug, Clone, PartialEq)]
pub struct CareAccount {
    pub line: Subscriber,
    pub account: Option<Account>,
    pub billing: Option<BillingAccount>,
}

pub async fn care_account(
    ctx: &Context,
    principal: &Principal,
    query: &AccountQuery,
) -> AppResult<CareAccount> {
    authorize(principal)?;
    let (store, tenant) = (ctx.store(), principal.tenant.as_str());
    let ctn = query.ctn.as_str();
    let group = query.account_group_id.as_deref();
    // A line outside the group named is answered as absent.
    let Some(line) = lines(store, tenant)
        .find(ctn)
        .await?
        .map(|s| s.record)
        .filter(|l| group.is_none_or(|g| l.account_group_id.as_deref() == Some(g)))
    else {
        return Err(AppError::not_found("line", ctn));
    };
    let billing = billing_accounts(store, tenant)
        .find(&line.billing_account_id)
        .await?
        .map(|s| s.record);
    let account = accounts(store, tenant)
        .find(&line.account_id)
        .await?
        .map(|s| s.record);
    Ok(CareAccount {
        line,
        account,
        billing,
    })
}

impl CareAccount {
    /// As `careAccountResponse` answers it: the line's rate plan, features,
    /// device and SIM beside it rather than inside.
    pub fn render(&self) -> AppResult<Value> {
        let line = &self.line;
        let group_name = self.account.as_ref().and_then(|a| {
            a.account_groups
                .iter()
                .find(|g| Some(&g.id) == line.account_group_id.as_ref())
                .map(|g| g.name.clone())
        });
        let mut subscriber = serde_json::to_value(line)
            .map_err(|e| AppError::Internal(format!("line '{}': {e}", line.ctn)))?;
        let mut take = |key: &str| {
            subscriber
                .as_object_mut()
                .and_then(|o| o.remove(key))
                .unwrap_or(Value::Null)
        };
        let (rate_plan, features, device, sim) = (
            take("ratePlan"),
            take("features"),
            take("device"),
            take("sim"),
        );
        let billing = self.billing.as_ref();
        Ok(json!({
            "account": self.account.as_ref().map(|a| json!({
                "id": a.id, "name": a.name, "customerType": a.customer_type,
                "customerSubType": a.customer_sub_type,
            })),
            "accountGroup": line.account_group_id.as_ref().map(|g| json!({"id": g, "name": group_name})),
            "billingAccount": billing.map(|b| json!({
                "id": b.id, "name": b.name, "status": b.status, "ratingType": b.rating_type,
                "billCycleDay": b.bill_cycle_day, "market": b.market,
            })),
            "billingContact": billing.and_then(|b| b.billing_contact.as_ref()),
            "subscriber": subscriber,
            "ratePlan": rate_plan,
            "features": features,
            "device": device,
            "sim": sim,
        }))
    }
}
