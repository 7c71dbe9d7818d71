//! The names and labels that mark what sandkasten (and this tool) put on the engine: label
//! keys, container and volume name prefixes, the workspace mount point, and the pure checks
//! built on them. The single source of these spellings for every module.

use std::collections::HashMap;

/// Label every sandkasten session container carries (`true`).
pub const LABEL_MANAGED: &str = "sandkasten.managed";
pub const LABEL_SESSION_ID: &str = "sandkasten.session_id";
pub const LABEL_WORKSPACE_ID: &str = "sandkasten.workspace_id";
/// Label on persistent workspace volumes (`true`).
pub const LABEL_WORKSPACE: &str = "sandkasten.workspace";
pub const LABEL_POOL: &str = "sandkasten.pool";
pub const LABEL_POOL_IMAGE: &str = "sandkasten.image";
pub const LABEL_POOLED_AT: &str = "sandkasten.pooled_at";
/// Label on containers this tool created, so operators can tell them from the daemon's.
pub const LABEL_CREATED_BY: &str = "sandkasten-tui.created";
/// Container name prefix: `sandkasten-<session_id>`.
pub const SESSION_CONTAINER_PREFIX: &str = "sandkasten-";
/// Volume name prefix: `sandkasten-ws-<workspace_id>` (or `<session_id>` when ephemeral).
pub const WORKSPACE_VOLUME_PREFIX: &str = "sandkasten-ws-";
/// Where sandkasten mounts the workspace inside a session.
pub const WORKSPACE_MOUNT: &str = "/workspace";

/// Label on this tool's file helper containers (`true`): the only containers it reaps.
pub const HELPER_LABEL: &str = "sandkasten-tui.helper";
/// The workspace volume a helper container mounts.
pub const VOLUME_LABEL: &str = "sandkasten-tui.helper.volume";
/// `<hostname>/<pid>` of the process that started a helper, so reaping can tell a live owner.
pub const OWNER_LABEL: &str = "sandkasten-tui.helper.owner";
/// Label on the agent image (its content hash), so operators can find it
/// (`docker images --filter label=...`).
pub const AGENT_LABEL: &str = "sandkasten-tui.agent";

/// Whether `key` is set to `true`.
pub fn is_true(labels: &HashMap<String, String>, key: &str) -> bool {
    labels.get(key).is_some_and(|v| v == "true")
}

/// Ephemeral storage carries no `sandkasten.*` label; any such label (e.g. a decoy
/// `sandkasten.workspace=false`) means it is not ours to call an orphan. Labels of other tools
/// (including this tool's test label) do not matter.
pub fn has_sandkasten_label(labels: &HashMap<String, String>) -> bool {
    labels.keys().any(|k| k.starts_with("sandkasten."))
}

/// Whether a volume, as the engine describes it now, is one this tool may delete: a
/// `sandkasten-ws-*` volume that is either a labelled workspace or carries no sandkasten label
/// (ephemeral storage). Anything else (decoys, relabelled volumes) is refused.
pub fn deletable_volume(name: &str, labels: &HashMap<String, String>) -> Result<(), String> {
    let Some(id) = name.strip_prefix(WORKSPACE_VOLUME_PREFIX) else {
        return Err(format!(
            "{name} is not a sandkasten volume (no {WORKSPACE_VOLUME_PREFIX} prefix)"
        ));
    };
    if id.is_empty() {
        return Err(format!("{name} has no workspace id"));
    }
    if is_true(labels, LABEL_WORKSPACE) || !has_sandkasten_label(labels) {
        Ok(())
    } else {
        Err(format!(
            "{name} carries sandkasten labels but is not a workspace: not touched"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn only_workspaces_and_unlabelled_storage_are_deletable() {
        let ws = labels(&[(LABEL_WORKSPACE, "true"), (LABEL_WORKSPACE_ID, "a")]);
        assert!(deletable_volume("sandkasten-ws-a", &ws).is_ok());
        assert!(deletable_volume("sandkasten-ws-eph", &labels(&[])).is_ok());
        assert!(
            deletable_volume(
                "sandkasten-ws-eph",
                &labels(&[("sandkasten-tui.test", "x")])
            )
            .is_ok()
        );
        assert!(
            deletable_volume("sandkasten-ws-x", &labels(&[(LABEL_WORKSPACE, "false")])).is_err()
        );
        assert!(deletable_volume("postgres-data", &ws).is_err());
        assert!(deletable_volume("sandkasten-ws-", &ws).is_err());
    }
}
