//! A workspace as the workspaces pane lists it: the volume plus what is known of its contents.
//! Measurements outlive inventory refreshes (they are carried over by volume name).

use jiff::Timestamp;

use crate::domain::measure::Measurement;
use crate::domain::workspace::Workspace;

#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceRow {
    pub ws: Workspace,
    /// The latest figure; kept while a new one is being computed.
    pub measurement: Option<Measurement>,
    pub measuring: bool,
    /// Why the last measurement failed, if it did.
    pub size_error: Option<String>,
}

impl WorkspaceRow {
    pub fn new(ws: Workspace) -> Self {
        Self {
            ws,
            measurement: None,
            measuring: false,
            size_error: None,
        }
    }

    pub fn bytes(&self) -> Option<u64> {
        self.measurement.map(|m| m.bytes)
    }

    /// What the idle rule judges (newest modification or change inside, never before the
    /// volume's creation), so the IDLE column and the rule never disagree.
    pub fn last_activity(&self) -> Option<Timestamp> {
        crate::cleanup::Rule::last_activity(&self.ws, self.measurement.as_ref())
    }
}
