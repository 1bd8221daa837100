//! TMF645 Service Qualification: can this address be served, with this
//! technology and speed, or for this offering? Answered from the address
//! registry held in the tenant's [`CatalogIndex`]; pure, like eligibility.
//!
//! An address lists the technologies that can be installed there and the
//! best download speed over all of them (see `data/README.md`). An offering
//! with `requiresServiceQualification: true` is serviceable exactly when
//! discovery would list it for that `serviceAddressId`: its `technology` is
//! available and its `downloadSpeedMbps` is at most the address's maximum.
//! Every other offering is serviceable anywhere.

use crate::discovery::{CatalogIndex, Place};
use crate::eligibility::{Reason, ReasonCode};

/// What one qualification item asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceNeed {
    /// The service an offering needs (its `technology` and `downloadSpeedMbps`).
    Offering(String),
    /// A technology (any, when `None`) with at least this download speed (any,
    /// when `None`). Neither named asks whether the address has any service.
    Technology {
        technology: Option<String>,
        min_download_mbps: Option<u64>,
    },
}

/// A technology available at the address, proposed instead of what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlternativeService {
    pub technology: String,
    /// The address's best download speed.
    pub max_download_mbps: u64,
}

/// The answer for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceQualification {
    /// True exactly when `reasons` is empty.
    pub qualified: bool,
    pub reasons: Vec<Reason>,
    /// When unqualified: every technology the address has (empty for an
    /// unknown address or one without service).
    pub alternatives: Vec<AlternativeService>,
}

fn unknown_address(place_id: &str) -> Reason {
    Reason::new(
        ReasonCode::UnknownAddress,
        format!("Service address '{place_id}' is not in the address registry"),
    )
}

/// Why `place` cannot give `technology` at `speed`, in the order technology,
/// speed. `any_service` also refuses an address without any technology when
/// no technology is named.
fn shortfalls(
    place: &Place,
    technology: Option<&str>,
    speed: Option<u64>,
    any_service: bool,
) -> Vec<Reason> {
    let mut reasons = Vec::new();
    match technology {
        Some(t) if !place.serves(Some(t), None) => reasons.push(Reason::new(
            ReasonCode::TechnologyNotAvailable,
            format!(
                "Technology '{t}' is not available at service address '{}'{}",
                place.id,
                available_list(place)
            ),
        )),
        None if any_service && place.technologies.is_empty() => reasons.push(Reason::new(
            ReasonCode::TechnologyNotAvailable,
            format!(
                "No technology is available at service address '{}'",
                place.id
            ),
        )),
        _ => {}
    }
    if let Some(s) = speed
        && !place.serves(None, Some(s))
    {
        reasons.push(Reason::new(
            ReasonCode::SpeedNotAvailable,
            format!(
                "A download speed of {s} Mbps is not available at service address '{}' (at most {} Mbps)",
                place.id, place.max_download_mbps
            ),
        ));
    }
    reasons
}

fn available_list(place: &Place) -> String {
    if place.technologies.is_empty() {
        " (it has no service)".to_string()
    } else {
        format!(" (it has {})", place.technologies.join(", "))
    }
}

fn answer(reasons: Vec<Reason>, place: Option<&Place>) -> ServiceQualification {
    let qualified = reasons.is_empty();
    let alternatives = match place {
        Some(p) if !qualified => p
            .technologies
            .iter()
            .map(|t| AlternativeService {
                technology: t.clone(),
                max_download_mbps: p.max_download_mbps,
            })
            .collect(),
        _ => Vec::new(),
    };
    ServiceQualification {
        qualified,
        reasons,
        alternatives,
    }
}

/// Qualifies one item at `place_id`. Reason codes: `UNKNOWN_ADDRESS`,
/// `TECHNOLOGY_NOT_AVAILABLE`, `SPEED_NOT_AVAILABLE`, and `NOT_FOUND` for an
/// unknown offering.
pub fn qualify_service(
    index: &CatalogIndex,
    place_id: &str,
    need: &ServiceNeed,
) -> ServiceQualification {
    let place = index.place(place_id);
    let reasons = match need {
        ServiceNeed::Offering(id) => match offering_serviceable(index, id, place_id) {
            Ok(()) => Vec::new(),
            Err(first) => match (index.offering(id), place) {
                // Name every shortfall, not only the first.
                (Some(o), Some(p)) => {
                    shortfalls(p, o.technology.as_deref(), o.download_mbps, false)
                        .into_iter()
                        .map(|r| about(id, r))
                        .collect()
                }
                _ => vec![first],
            },
        },
        ServiceNeed::Technology {
            technology,
            min_download_mbps,
        } => match place {
            None => vec![unknown_address(place_id)],
            Some(p) => shortfalls(p, technology.as_deref(), *min_download_mbps, true),
        },
    };
    answer(reasons, place)
}

/// Qualifies every item at one address, in order.
pub fn qualify_services(
    index: &CatalogIndex,
    place_id: &str,
    needs: &[ServiceNeed],
) -> Vec<ServiceQualification> {
    needs
        .iter()
        .map(|need| qualify_service(index, place_id, need))
        .collect()
}

/// Whether `offering_id` can be served at `place_id`: offerings without
/// `requiresServiceQualification` always can; the others need a known
/// address with their technology and speed. The first reason otherwise
/// (`NOT_FOUND`, `UNKNOWN_ADDRESS`, `TECHNOLOGY_NOT_AVAILABLE`,
/// `SPEED_NOT_AVAILABLE`).
pub fn offering_serviceable(
    index: &CatalogIndex,
    offering_id: &str,
    place_id: &str,
) -> Result<(), Reason> {
    let Some(offering) = index.offering(offering_id) else {
        return Err(Reason::new(
            ReasonCode::NotFound,
            format!("Product offering '{offering_id}' does not exist"),
        ));
    };
    if !offering.requires_service_qualification {
        return Ok(());
    }
    let Some(place) = index.place(place_id) else {
        return Err(unknown_address(place_id));
    };
    let technology = offering.technology.as_deref();
    if place.serves(technology, offering.download_mbps) {
        return Ok(());
    }
    match shortfalls(place, technology, offering.download_mbps, false)
        .into_iter()
        .next()
    {
        Some(reason) => Err(about(offering_id, reason)),
        None => Ok(()),
    }
}

/// The reason, its label saying which offering it is about.
fn about(offering_id: &str, mut reason: Reason) -> Reason {
    reason.label = format!("Product offering '{offering_id}': {}", reason.label);
    reason
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::CatalogSource;
    use crate::time::parse_rfc3339;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    const DEMO_OFFERINGS: &str = include_str!("../../../data/catalog/productOffering.json");
    const DEMO_PLACES: &str = include_str!("../../../data/places/addresses.json");

    const FIXED_WIRELESS_ONLY: &str = "00010LVFT8";
    const FIBER_AND_WIRELESS: &str = "000011VYAA";
    const NO_SERVICE: &str = "00010NOSV1";
    const SLOW_WIRELESS: &str = "000012DL03";

    fn demo() -> CatalogIndex {
        let offerings: Vec<Value> = serde_json::from_str(DEMO_OFFERINGS).expect("offerings");
        let places: Vec<Value> = serde_json::from_str(DEMO_PLACES).expect("places");
        let now = parse_rfc3339("2026-06-01T00:00:00Z").expect("time");
        CatalogIndex::build(
            &CatalogSource {
                offerings,
                places,
                ..CatalogSource::default()
            },
            now,
        )
    }

    fn tech(t: Option<&str>, speed: Option<u64>) -> ServiceNeed {
        ServiceNeed::Technology {
            technology: t.map(str::to_string),
            min_download_mbps: speed,
        }
    }

    fn codes(q: &ServiceQualification) -> Vec<&str> {
        q.reasons.iter().map(|r| r.code.as_str()).collect()
    }

    fn alternative_techs(q: &ServiceQualification) -> Vec<&str> {
        q.alternatives
            .iter()
            .map(|a| a.technology.as_str())
            .collect()
    }

    #[test]
    fn fixed_wireless_only_address() {
        let index = demo();
        let fiber = qualify_service(&index, FIXED_WIRELESS_ONLY, &tech(Some("fiber"), None));
        assert!(!fiber.qualified);
        assert_eq!(codes(&fiber), ["TECHNOLOGY_NOT_AVAILABLE"]);
        assert_eq!(alternative_techs(&fiber), ["fixedWireless"]);
        assert_eq!(fiber.alternatives[0].max_download_mbps, 225);

        let wireless = qualify_service(
            &index,
            FIXED_WIRELESS_ONLY,
            &tech(Some("FixedWireless"), Some(225)),
        );
        assert!(wireless.qualified, "{wireless:?}");
        assert!(wireless.alternatives.is_empty());

        let too_fast = qualify_service(
            &index,
            FIXED_WIRELESS_ONLY,
            &tech(Some("fixedWireless"), Some(300)),
        );
        assert_eq!(codes(&too_fast), ["SPEED_NOT_AVAILABLE"]);
        let both = qualify_service(
            &index,
            FIXED_WIRELESS_ONLY,
            &tech(Some("fiber"), Some(1000)),
        );
        assert_eq!(
            codes(&both),
            ["TECHNOLOGY_NOT_AVAILABLE", "SPEED_NOT_AVAILABLE"]
        );

        for (offering, ok) in [
            ("WBB_Plan_prod11920327", true),
            (
                "ibbndl_prod11920327_prod8580387_rwd-43100015_prod9040405",
                true,
            ),
            ("BB_Plan_fiber-300", false),
            ("Rented_Equipment_prod8580412", false),
            ("Rented_Equipment_prod8580387", true),
            // Needs no service qualification.
            ("Rented_Equipment_prod9040405", true),
            ("0b690f7e-3f41-49bf-a6cf-6f65caa650ca", true),
        ] {
            assert_eq!(
                offering_serviceable(&index, offering, FIXED_WIRELESS_ONLY).is_ok(),
                ok,
                "{offering}"
            );
        }
        let refused = offering_serviceable(&index, "BB_Plan_fiber-300", FIXED_WIRELESS_ONLY)
            .expect_err("no fiber");
        assert!(refused.is(ReasonCode::TechnologyNotAvailable), "{refused}");
        assert!(refused.label.contains("BB_Plan_fiber-300"), "{refused}");
    }

    #[test]
    fn fiber_and_wireless_address() {
        let index = demo();
        let q = qualify_services(
            &index,
            FIBER_AND_WIRELESS,
            &[
                tech(Some("fiber"), Some(5000)),
                tech(Some("fixedWireless"), None),
                tech(None, Some(6000)),
                ServiceNeed::Offering("BB_Plan_fiber-5000".into()),
                ServiceNeed::Offering("417df8e3-2026-455b-aa79-03d3545e7f6d".into()),
            ],
        );
        assert!(q[0].qualified && q[1].qualified, "{q:?}");
        assert_eq!(codes(&q[2]), ["SPEED_NOT_AVAILABLE"]);
        let mut alts = alternative_techs(&q[2]);
        alts.sort_unstable();
        assert_eq!(alts, ["fiber", "fixedWireless"]);
        assert!(q[3].qualified && q[4].qualified, "{q:?}");
    }

    #[test]
    fn no_service_and_unknown_addresses() {
        let index = demo();
        let none = qualify_service(&index, NO_SERVICE, &tech(None, None));
        assert_eq!(codes(&none), ["TECHNOLOGY_NOT_AVAILABLE"]);
        assert!(none.alternatives.is_empty());
        let wireless = qualify_service(
            &index,
            NO_SERVICE,
            &ServiceNeed::Offering("WBB_Plan_prod11920327".into()),
        );
        assert_eq!(
            codes(&wireless),
            ["TECHNOLOGY_NOT_AVAILABLE", "SPEED_NOT_AVAILABLE"]
        );

        let unknown = qualify_service(&index, "NOPE", &tech(Some("fiber"), None));
        assert_eq!(codes(&unknown), ["UNKNOWN_ADDRESS"]);
        assert!(unknown.alternatives.is_empty());
        let err = offering_serviceable(&index, "BB_Plan_fiber-300", "NOPE").expect_err("unknown");
        assert!(err.is(ReasonCode::UnknownAddress));
        // Offerings that need no qualification pass even there.
        assert!(offering_serviceable(&index, "Rented_Equipment_prod9040405", "NOPE").is_ok());
        let missing = offering_serviceable(&index, "nope", FIBER_AND_WIRELESS).expect_err("404");
        assert!(missing.is(ReasonCode::NotFound));
        let missing = qualify_service(
            &index,
            FIBER_AND_WIRELESS,
            &ServiceNeed::Offering("nope".into()),
        );
        assert_eq!(codes(&missing), ["NOT_FOUND"]);
    }

    #[test]
    fn speed_decides_between_the_wireless_plans() {
        let index = demo();
        // 150 Mbps: Unlimited 5G (150) qualifies, Internet Air (225) does not.
        assert!(
            offering_serviceable(
                &index,
                "417df8e3-2026-455b-aa79-03d3545e7f6d",
                SLOW_WIRELESS
            )
            .is_ok()
        );
        let err = offering_serviceable(&index, "WBB_Plan_prod11920327", SLOW_WIRELESS)
            .expect_err("too slow");
        assert!(err.is(ReasonCode::SpeedNotAvailable), "{err}");
    }

    fn arb_place() -> impl Strategy<Value = Value> {
        (
            proptest::sample::subsequence(vec!["fiber", "fixedWireless"], 0..=2),
            prop_oneof![Just(0u64), Just(100), Just(225), Just(1000), Just(5000)],
        )
            .prop_map(|(techs, max)| {
                json!({"id": "p", "technologies": techs, "maxDownloadSpeedMbps": max})
            })
    }

    proptest! {
        /// `offering_serviceable` agrees with discovery's own rule
        /// (`Place::serves`), and the item answer agrees with it; an
        /// unqualified answer at a served address always proposes something.
        #[test]
        fn serviceable_matches_discovery(
            place in arb_place(),
            needs_sq in any::<bool>(),
            technology in proptest::option::of(prop_oneof![Just("fiber"), Just("fixedWireless"), Just("copper")]),
            speed in proptest::option::of(prop_oneof![Just(50u64), Just(150), Just(300), Just(2000), Just(9000)]),
        ) {
            let mut doc = json!({"id": "o", "name": "o", "lifecycleStatus": "Active",
                "requiresServiceQualification": needs_sq});
            if let Some(t) = technology { doc["technology"] = json!(t); }
            if let Some(s) = speed { doc["downloadSpeedMbps"] = json!(s); }
            let now = parse_rfc3339("2026-06-01T00:00:00Z").expect("time");
            let index = CatalogIndex::build(&CatalogSource {
                offerings: vec![doc], places: vec![place.clone()], ..CatalogSource::default()
            }, now);
            let p = Place::from_json(&place).expect("place");
            let expected = !needs_sq || p.serves(technology, speed);
            let got = offering_serviceable(&index, "o", "p");
            prop_assert_eq!(got.is_ok(), expected);
            let item = qualify_service(&index, "p", &ServiceNeed::Offering("o".into()));
            prop_assert_eq!(item.qualified, expected);
            prop_assert_eq!(item.qualified, item.reasons.is_empty());
            if let Err(first) = got {
                prop_assert_eq!(&item.reasons[0].code, &first.code);
            }
            prop_assert_eq!(item.alternatives.is_empty(), item.qualified || p.technologies.is_empty());
            // Asking for the offering's technology and speed directly gives the same answer.
            if needs_sq && technology.is_some() {
                let direct = qualify_service(&index, "p", &tech(technology, speed));
                prop_assert_eq!(direct.qualified, expected);
            }
        }
    }
}
