mod items;
mod payment;
