//! The console's screens: who may open each (one table, [`SCREENS`], from
//! which the navigation, the home page and every refusal are made), and the
//! home page.

use crate::page;
use crate::session::Agent;
use axum::Router;
use maud::html;
use omni_api::state::AppState;

pub mod care;
pub mod catalog;
pub mod customers;
pub mod operations;

/// One screen: its address, its name in the navigation, the roles that open
/// it (any one of them) and what it is for.
#[derive(Debug)]
pub struct Screen {
    pub path: &'static str,
    pub title: &'static str,
    pub roles: &'static [&'static str],
    pub purpose: &'static str,
}

pub const CUSTOMERS: Screen = Screen {
    path: "/console/customers",
    title: "Customers",
    roles: &["order.ops", "sc.ops"],
    purpose: "Find a customer, see their lines, discover offers, build a cart and place an order.",
};
pub const CARE: Screen = Screen {
    path: "/console/care",
    title: "Care",
    roles: &["care.ops"],
    purpose: "A line's page, care changes with effective dates, and care orders.",
};
pub const CATALOG: Screen = Screen {
    path: "/console/catalog",
    title: "Catalog",
    roles: &["catalog.admin", "promotion.admin", "tenant.admin"],
    purpose: "Offerings, prices, promotions and cart rules, with a preview of Product Discovery.",
};
pub const OPERATIONS: Screen = Screen {
    path: "/console/operations",
    title: "Operations",
    roles: &["events.admin", "jobs.admin"],
    purpose: "Orders by state and date, failed jobs and dead letters to retry, webhook listeners.",
};
pub const DASHBOARD: Screen = Screen {
    path: "/console/dashboard",
    title: "Dashboard",
    roles: &["events.admin", "jobs.admin"],
    purpose: "Requests, errors and latency per API family; orders completed per minute.",
};

/// Every screen, in navigation order.
pub const SCREENS: &[&Screen] = &[&CUSTOMERS, &CARE, &CATALOG, &OPERATIONS, &DASHBOARD];

/// Every screen's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(customers::routes())
        .merge(care::routes())
        .merge(catalog::routes())
        .merge(operations::routes())
}

/// The home page: the screens this user's roles open.
pub async fn home(agent: Agent) -> maud::Markup {
    let open: Vec<&&Screen> = SCREENS.iter().filter(|s| agent.has_any(s.roles)).collect();
    let main = html! {
        h1 { "Omni Console" }
        @if open.is_empty() {
            p id="no-screens" {
                "Your roles (" (agent.principal.roles.join(", ")) ") open no console screen. "
                "Each screen names the roles it needs:"
            }
        }
        ul class="cards" {
            @for screen in SCREENS {
                li {
                    @if agent.has_any(screen.roles) {
                        h2 { a href=(screen.path) { (screen.title) } }
                    } @else {
                        h2 { (screen.title) }
                    }
                    p { (screen.purpose) }
                    p class="roles" { "Roles: " (screen.roles.join(", ")) }
                }
            }
        }
    };
    page::layout(&agent, "Home", None, main)
}
