//! Marking workspaces for bulk actions. Marks are kept by volume name, so they survive
//! refreshes, sorting and filtering; vanished volumes lose their mark.

use crate::app::state::{Pane, State};

fn selected_volume(state: &State) -> Option<String> {
    (state.focus == Pane::Workspaces)
        .then(|| state.selected_workspace().map(|r| r.ws.volume.clone()))
        .flatten()
}

pub fn toggle(state: &mut State) {
    let Some(volume) = selected_volume(state) else {
        return;
    };
    let pane = &mut state.workspaces;
    if !pane.marked.remove(&volume) {
        pane.marked.insert(volume.clone());
    }
    pane.mark_anchor = Some(volume);
    pane.list.move_by(1);
}

/// Marks every visible row between the anchor (last toggled) and the selection.
pub fn range(state: &mut State) {
    let Some(volume) = selected_volume(state) else {
        return;
    };
    let pane = &mut state.workspaces;
    let position_of = |v: &str| pane.list.visible().position(|r| r.ws.volume == v);
    let here = position_of(&volume);
    let anchor = pane.mark_anchor.as_deref().and_then(position_of);
    let (Some(here), Some(anchor)) = (here, anchor) else {
        toggle(state);
        return;
    };
    let (from, to) = (here.min(anchor), here.max(anchor));
    let volumes: Vec<String> = pane
        .list
        .visible()
        .skip(from)
        .take(to - from + 1)
        .map(|r| r.ws.volume.clone())
        .collect();
    pane.marked.extend(volumes);
    pane.mark_anchor = Some(volume);
}

pub fn all(state: &mut State) {
    if state.focus != Pane::Workspaces {
        return;
    }
    let pane = &mut state.workspaces;
    let volumes: Vec<String> = pane.list.visible().map(|r| r.ws.volume.clone()).collect();
    pane.marked.extend(volumes);
}

pub fn clear(state: &mut State) {
    state.workspaces.marked.clear();
    state.workspaces.mark_anchor = None;
}
