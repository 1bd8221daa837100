mod capture;
mod fulfillment;
mod items;
mod payment;
mod readiness;
mod terms;
