//! The reason codes a care order may send. Each list is closed: a value not
//! listed fails validation with the list in the message, so a client sees at
//! once what it may send. Codes are compared exactly (they are codes, not
//! prose) and are part of the API: never renamed, new ones may be added.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares one reason list: the enum (variant name = the code as sent), its
/// `ALL` list, `as_str` and `parse`.
macro_rules! reason_list {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every code of the list, in the order the API documents them.
            pub const ALL: &'static [$name] = &[$(Self::$variant),+];

            /// The code as the request spells it, e.g. `CustomerRequest`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => stringify!($variant)),+
                }
            }

            /// The reason spelled exactly `code`, if the list has it.
            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|r| r.as_str() == code)
            }

            /// The codes joined with `, `, for error messages.
            pub fn listing() -> String {
                Self::ALL
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

reason_list! {
    /// `suspendServiceReason`: why a line is suspended.
    SuspendReason {
        /// The device was lost.
        Lost,
        /// The device was stolen.
        Stolen,
        /// The user is away for a while.
        Vacation,
        /// The customer asked, for no other listed reason.
        CustomerRequest,
        /// The account is behind on payments.
        NonPayment,
        /// Suspected fraudulent use.
        Fraud,
        /// The user is deployed on military service.
        MilitaryDeployment,
    }
}

reason_list! {
    /// `resumeServiceReason`: why a suspended line is restored.
    ResumeReason {
        /// The customer asked, for no other listed reason.
        CustomerRequest,
        /// A lost device was found.
        Found,
        /// A stolen device was recovered.
        Recovered,
        /// The user is back from vacation.
        ReturnFromVacation,
        /// The overdue balance was paid.
        PaymentReceived,
        /// A fraud investigation cleared the line.
        FraudCleared,
        /// The user is back from military deployment.
        ReturnFromDeployment,
    }
}

reason_list! {
    /// `cancellationReason`: who or what initiates the cancellation.
    CancellationReason {
        /// The business customer cancels a line it pays for.
        CorporateCustomerCancel,
        /// The subscriber asked.
        CustomerRequest,
        /// The carrier cancels for unpaid bills.
        NonPayment,
        /// The carrier cancels for fraud.
        Fraud,
        /// The number was ported to another carrier.
        PortOut,
        /// The line was opened twice by mistake.
        DuplicateLine,
    }
}

reason_list! {
    /// `cancelServiceReason`: why the service is no longer wanted.
    CancelServiceReason {
        /// The line's user left the business customer.
        EmployeeLeftCompany,
        /// The line is not needed any more.
        NoLongerNeeded,
        /// Cutting costs.
        CostReduction,
        /// Coverage does not meet the user's needs.
        CoverageIssues,
        /// Service moves to another carrier.
        SwitchedCarrier,
        /// The user moved out of the service area.
        Relocation,
        /// The business closed.
        BusinessClosed,
        /// The user died.
        Deceased,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_exact() {
        for r in SuspendReason::ALL {
            assert_eq!(SuspendReason::parse(r.as_str()), Some(*r));
        }
        assert_eq!(SuspendReason::parse("lost"), None);
        assert_eq!(
            serde_json::to_value(CancelServiceReason::EmployeeLeftCompany).ok(),
            Some(serde_json::json!("EmployeeLeftCompany"))
        );
        assert!(ResumeReason::listing().starts_with("CustomerRequest, Found"));
    }

    #[test]
    fn the_page_example_values_are_listed() {
        assert!(SuspendReason::parse("Lost").is_some());
        assert!(ResumeReason::parse("CustomerRequest").is_some());
        assert!(CancellationReason::parse("CorporateCustomerCancel").is_some());
        assert!(CancelServiceReason::parse("EmployeeLeftCompany").is_some());
    }
}
