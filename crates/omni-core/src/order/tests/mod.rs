mod fulfillment;
mod items;
mod payment;
