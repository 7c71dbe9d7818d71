//! Dialog state: the generic yes/no question (`app::confirm`), deleting workspaces, the cleanup
//! planner, a new workspace's id, the report of a finished deletion, and the session and file
//! dialogs; `DialogKind` names each without its contents, and says what its text field takes.
//! Pure data and the small rules that go with it; `update` drives them, the overlay stack
//! (`app::screen`) holds them.

use std::collections::BTreeSet;

use crate::app::confirm::Confirm;
use crate::app::workspace_row::WorkspaceRow;
use crate::cleanup::{Rule, parse_duration, parse_size};
use crate::domain::workspace::WorkspaceKind;

/// Deleting more than this many workspaces asks for the count to be typed.
pub const TYPED_CONFIRM_OVER: usize = 10;

#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// A yes/no question that carries what to do on yes: destroying a session, deleting a file
    /// or directory, starting a stopped session before its shell.
    Confirm(Confirm),
    Delete(DeleteDialog),
    Planner(Planner),
    NewWorkspace(TextPrompt),
    Report(Report),
    NewSession(NewSession),
    /// A name or host path for a file operation.
    FilePrompt(FilePrompt),
    /// Closing an editor with unsaved changes: save, discard or cancel.
    UnsavedChanges,
    /// The file changed on disk since it was opened: overwrite, reload or cancel.
    SaveConflict {
        message: String,
    },
}

/// Which dialog, without what it holds: what its keymap context and hints go by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialogKind {
    Confirm,
    Delete,
    Planner,
    NewWorkspace,
    Report,
    NewSession,
    FilePrompt,
    UnsavedChanges,
    SaveConflict,
}

/// What a dialog's text field takes as typed: those characters are never key bindings there,
/// so a binding can never steal a letter from a name being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typing {
    /// No text field: every key is a binding or nothing.
    Nothing,
    /// The delete dialog's typed-back count.
    Digits,
    /// Names, ids, durations: every printable character but space (which the planner and the
    /// new-session dialog bind; where it is unbound it is typed too).
    Text,
}

impl Typing {
    /// Whether `c`, typed with no modifier, goes to the field whatever the keymap binds.
    pub fn takes(self, c: char) -> bool {
        match self {
            Self::Nothing => false,
            Self::Digits => c.is_ascii_digit(),
            Self::Text => !c.is_whitespace() && !c.is_control(),
        }
    }
}

impl DialogKind {
    pub const ALL: [DialogKind; 9] = [
        Self::Confirm,
        Self::Delete,
        Self::Planner,
        Self::NewWorkspace,
        Self::Report,
        Self::NewSession,
        Self::FilePrompt,
        Self::UnsavedChanges,
        Self::SaveConflict,
    ];

    pub fn typing(self) -> Typing {
        match self {
            Self::Delete => Typing::Digits,
            Self::Planner | Self::NewWorkspace | Self::NewSession | Self::FilePrompt => {
                Typing::Text
            }
            Self::Confirm | Self::Report | Self::UnsavedChanges | Self::SaveConflict => {
                Typing::Nothing
            }
        }
    }
}

impl Dialog {
    pub fn kind(&self) -> DialogKind {
        match self {
            Self::Confirm(_) => DialogKind::Confirm,
            Self::Delete(_) => DialogKind::Delete,
            Self::Planner(_) => DialogKind::Planner,
            Self::NewWorkspace(_) => DialogKind::NewWorkspace,
            Self::Report(_) => DialogKind::Report,
            Self::NewSession(_) => DialogKind::NewSession,
            Self::FilePrompt(_) => DialogKind::FilePrompt,
            Self::UnsavedChanges => DialogKind::UnsavedChanges,
            Self::SaveConflict { .. } => DialogKind::SaveConflict,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOp {
    NewFile,
    NewDirectory,
    Rename,
    Download,
    Upload,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePrompt {
    pub op: FileOp,
    pub text: String,
    pub error: Option<String>,
    /// What a rename or download acts on: fixed when the prompt opens, whatever the listing
    /// does meanwhile.
    pub source: Option<crate::domain::files::FsPath>,
}

/// Where a new session's files live, as the dialog offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageChoice {
    Ephemeral,
    Existing,
    New,
}

/// The new-session dialog: image, storage, and the workspace (picked or typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub images: Vec<String>,
    pub image: usize,
    pub storage: StorageChoice,
    /// Existing workspace ids to pick from.
    pub workspaces: Vec<String>,
    pub existing: usize,
    /// The id typed for a new workspace.
    pub new_id: String,
    pub focus: usize,
    /// Storage choices allowed (workspaces disabled: ephemeral only).
    pub workspaces_enabled: bool,
    pub error: Option<String>,
}

impl NewSession {
    pub const FIELDS: usize = 3;

    pub fn choices(&self) -> Vec<StorageChoice> {
        if !self.workspaces_enabled {
            return vec![StorageChoice::Ephemeral];
        }
        let mut c = vec![StorageChoice::Ephemeral];
        if !self.workspaces.is_empty() {
            c.push(StorageChoice::Existing);
        }
        c.push(StorageChoice::New);
        c
    }

    /// Moves the focused field's choice by `delta`.
    pub fn cycle(&mut self, delta: isize) {
        let step = |i: usize, n: usize| (i as isize + delta).rem_euclid(n.max(1) as isize) as usize;
        match self.focus {
            0 => self.image = step(self.image, self.images.len()),
            1 => {
                let choices = self.choices();
                let at = choices.iter().position(|c| *c == self.storage).unwrap_or(0);
                self.storage = choices[step(at, choices.len())];
            }
            _ if self.storage == StorageChoice::Existing => {
                self.existing = step(self.existing, self.workspaces.len());
            }
            _ => {}
        }
    }

    /// The storage as the engine call needs it, or why it is not valid yet.
    pub fn storage(&self) -> Result<crate::domain::session::SessionStorage, String> {
        use crate::domain::session::SessionStorage;
        match self.storage {
            StorageChoice::Ephemeral => Ok(SessionStorage::Ephemeral),
            StorageChoice::Existing => self
                .workspaces
                .get(self.existing)
                .map(|w| SessionStorage::Existing(w.clone()))
                .ok_or_else(|| "no workspace to pick".to_owned()),
            StorageChoice::New => {
                crate::domain::ids::validate_workspace_id(&self.new_id)?;
                if self.workspaces.contains(&self.new_id) {
                    return Err(format!(
                        "workspace {} already exists: pick it instead",
                        self.new_id
                    ));
                }
                Ok(SessionStorage::New(self.new_id.clone()))
            }
        }
    }
}

/// One workspace the delete dialog lists.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteItem {
    pub id: String,
    pub volume: String,
    pub kind: WorkspaceKind,
    pub bytes: Option<u64>,
    /// When the size shown was measured: the dialog says how old the figure is.
    pub measured_at: Option<jiff::Timestamp>,
    /// (session id, container id) of the sandkasten sessions whose containers mount it.
    pub sessions: Vec<(String, String)>,
    /// Other containers that mount it: never touched, so it is always skipped.
    pub others: Vec<String>,
}

impl DeleteItem {
    /// `sessions` are all known sessions: those whose container mounts the volume are its
    /// users (by container id, since session ids are labels and may repeat).
    pub fn from_row(row: &WorkspaceRow, sessions: &[crate::domain::session::Session]) -> Self {
        Self {
            id: row.ws.id.clone(),
            volume: row.ws.volume.clone(),
            kind: row.ws.kind,
            bytes: row.bytes(),
            measured_at: row.measurement.map(|m| m.measured_at),
            sessions: sessions
                .iter()
                .filter(|s| row.ws.mounted_by.contains(&s.container_id))
                .map(|s| (s.id.clone(), s.container_id.clone()))
                .collect(),
            others: row.ws.other_users.clone(),
        }
    }

    pub fn in_use(&self) -> bool {
        !self.sessions.is_empty() || !self.others.is_empty()
    }
}

/// What to do with workspaces sessions still use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InUseChoice {
    /// Not decided yet: the dialog asks.
    Ask,
    /// Destroy those sessions first (their ephemeral storage goes; persistent workspaces of
    /// other sessions stay), then delete.
    DestroySessions,
    Skip,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeleteDialog {
    pub items: Vec<DeleteItem>,
    /// The rule that picked the items (from the planner), re-checked right before each
    /// removal; `None` when marked by hand.
    pub rule: Option<Rule>,
    pub in_use: InUseChoice,
    /// The count typed back, when the dialog asks for it.
    pub typed: String,
}

impl DeleteDialog {
    pub fn new(items: Vec<DeleteItem>, rule: Option<Rule>) -> Self {
        let asks = items
            .iter()
            .any(|i| !i.sessions.is_empty() && i.others.is_empty());
        Self {
            items,
            rule,
            in_use: if asks {
                InUseChoice::Ask
            } else {
                InUseChoice::Skip
            },
            typed: String::new(),
        }
    }

    /// Whether an item will be deleted under the current choice.
    pub fn will_delete(&self, item: &DeleteItem) -> bool {
        item.others.is_empty()
            && (item.sessions.is_empty() || self.in_use == InUseChoice::DestroySessions)
    }

    pub fn to_delete(&self) -> impl Iterator<Item = &DeleteItem> {
        self.items.iter().filter(|i| self.will_delete(i))
    }

    /// Container ids of the sessions to destroy first.
    pub fn sessions_to_destroy(&self) -> Vec<String> {
        let mut ids: BTreeSet<String> = BTreeSet::new();
        if self.in_use == InUseChoice::DestroySessions {
            for item in self.to_delete() {
                ids.extend(item.sessions.iter().map(|(_, cid)| cid.clone()));
            }
        }
        ids.into_iter().collect()
    }

    pub fn total_bytes(&self) -> (u64, bool) {
        let mut total = 0;
        let mut partial = false;
        for item in self.to_delete() {
            match item.bytes {
                Some(b) => total += b,
                None => partial = true,
            }
        }
        (total, partial)
    }

    /// Many workspaces, or destroying sessions, needs the count typed back.
    pub fn needs_typed_count(&self) -> bool {
        let count = self.to_delete().count();
        count > TYPED_CONFIRM_OVER
            || (self.in_use == InUseChoice::DestroySessions
                && !self.sessions_to_destroy().is_empty())
    }

    /// Whether confirming now would go ahead.
    pub fn can_confirm(&self) -> bool {
        let count = self.to_delete().count();
        self.in_use != InUseChoice::Ask
            && count > 0
            && (!self.needs_typed_count() || self.typed.trim() == count.to_string())
    }
}

/// Which planner field has focus.
pub const PLANNER_FIELDS: usize = 5;

/// The cleanup planner's inputs, kept between openings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlannerFields {
    pub older_than: String,
    pub idle_for: String,
    pub unused: bool,
    pub orphans: bool,
    pub larger_than: String,
}

impl PlannerFields {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The rule these fields describe, or the first field that does not parse.
    pub fn rule(&self) -> Result<Rule, String> {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        Ok(Rule {
            older_than: opt(&self.older_than)
                .map(|s| parse_duration(&s))
                .transpose()
                .map_err(|e| format!("created more than: {e}"))?,
            idle_for: opt(&self.idle_for)
                .map(|s| parse_duration(&s))
                .transpose()
                .map_err(|e| format!("idle for: {e}"))?,
            unused: self.unused,
            orphans: self.orphans,
            larger_than: opt(&self.larger_than)
                .map(|s| parse_size(&s))
                .transpose()
                .map_err(|e| format!("larger than: {e}"))?,
            id_prefix: None,
        })
    }

    /// The text field at `index`, if that field is text (1, 2 and 4 are toggles... see order).
    pub fn text_mut(&mut self, index: usize) -> Option<&mut String> {
        match index {
            0 => Some(&mut self.older_than),
            1 => Some(&mut self.idle_for),
            4 => Some(&mut self.larger_than),
            _ => None,
        }
    }

    pub fn toggle(&mut self, index: usize) {
        match index {
            2 => self.unused = !self.unused,
            3 => self.orphans = !self.orphans,
            _ => {}
        }
    }
}

/// The planner dialog; its fields and preview live in the workspaces pane, so the header can
/// show what the last rule would reclaim after the dialog closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planner {
    pub focus: usize,
}

/// A one-line text prompt with live validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextPrompt {
    pub text: String,
    pub error: Option<String>,
}

/// The outcome of a finished deletion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub deleted: Vec<String>,
    pub destroyed: Vec<String>,
    /// (volume, why): a rule's pick that changed since the plan, kept on purpose.
    pub kept: Vec<(String, String)>,
    /// (what, the reason it failed)
    pub failed: Vec<(String, String)>,
    /// Steps that never reported (the engine went away or refused the whole request).
    pub not_done: usize,
}

impl Report {
    /// Anything the operator should read item by item: failures, kept picks, steps not done.
    pub fn needs_attention(&self) -> bool {
        !self.failed.is_empty() || !self.kept.is_empty() || self.not_done > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, sessions: &[&str], others: &[&str], bytes: u64) -> DeleteItem {
        DeleteItem {
            id: id.into(),
            volume: format!("sandkasten-ws-{id}"),
            kind: WorkspaceKind::Persistent,
            bytes: Some(bytes),
            measured_at: None,
            sessions: sessions
                .iter()
                .map(|s| ((*s).into(), format!("{s}-cid")))
                .collect(),
            others: others.iter().map(|s| (*s).into()).collect(),
        }
    }

    #[test]
    fn unused_items_confirm_directly() {
        let d = DeleteDialog::new(vec![item("a", &[], &[], 10), item("b", &[], &[], 5)], None);
        assert_eq!(d.in_use, InUseChoice::Skip);
        assert!(!d.needs_typed_count());
        assert!(d.can_confirm());
        assert_eq!(d.total_bytes(), (15, false));
    }

    #[test]
    fn in_use_asks_then_destroying_needs_the_typed_count() {
        let mut d = DeleteDialog::new(
            vec![item("a", &["s1"], &[], 10), item("b", &[], &[], 5)],
            None,
        );
        assert_eq!(d.in_use, InUseChoice::Ask);
        assert!(!d.can_confirm());
        d.in_use = InUseChoice::Skip;
        assert_eq!(d.to_delete().count(), 1);
        assert!(d.can_confirm());
        d.in_use = InUseChoice::DestroySessions;
        assert_eq!(d.sessions_to_destroy(), ["s1-cid"]);
        assert!(d.needs_typed_count());
        assert!(!d.can_confirm());
        d.typed = "2".into();
        assert!(d.can_confirm());
    }

    #[test]
    fn foreign_users_are_always_skipped() {
        let mut d = DeleteDialog::new(vec![item("a", &[], &["backup"], 10)], None);
        d.in_use = InUseChoice::DestroySessions;
        assert_eq!(d.to_delete().count(), 0);
        assert!(!d.can_confirm());
    }

    #[test]
    fn more_than_ten_needs_the_count() {
        let items = (0..11)
            .map(|i| item(&format!("w{i}"), &[], &[], 1))
            .collect();
        let mut d = DeleteDialog::new(items, None);
        assert!(d.needs_typed_count());
        assert!(!d.can_confirm());
        d.typed = "11".into();
        assert!(d.can_confirm());
    }

    #[test]
    fn planner_fields_make_a_rule_or_name_the_bad_field() {
        let mut f = PlannerFields {
            older_than: "30d".into(),
            ..Default::default()
        };
        f.toggle(2);
        let rule = f.rule().unwrap();
        assert!(rule.unused);
        assert_eq!(
            rule.older_than,
            Some(std::time::Duration::from_secs(30 * 86_400))
        );
        f.larger_than = "huge".into();
        assert!(f.rule().unwrap_err().starts_with("larger than"));
    }
}
