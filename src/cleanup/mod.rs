//! Cleanup: which workspaces a rule selects, and the plan shown before anything is deleted.
//! Pure: it reads domain values and measurements, never the engine.

mod plan;
mod recheck;
mod rule;

pub use plan::{Candidate, Plan, SkipReason};
pub use recheck::{Pick, recheck};
pub use rule::{Rule, RuleError, parse_duration, parse_size};
