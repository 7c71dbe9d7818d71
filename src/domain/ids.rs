//! Ids: the request id that pairs a command with its reply, the rules a new workspace id
//! must follow, and a container id as short as the engine's own tools show it. Pure.

use std::fmt;

/// Correlates a command with its reply; replies to ids no longer pending are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

impl RequestId {
    /// The id after this one (the state hands them out in order, starting at 1).
    pub fn next(self) -> Self {
        Self(self.0.wrapping_add(1))
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Longest workspace id: keeps the volume name well inside filesystem name limits.
pub const MAX_WORKSPACE_ID: usize = 64;

/// Checks a new workspace id: the volume `sandkasten-ws-<id>` must be a valid Docker volume
/// name (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`), and sandkasten uses ids in paths and labels, so no
/// separators or spaces either.
pub fn validate_workspace_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("a workspace id cannot be empty".into());
    }
    if id.len() > MAX_WORKSPACE_ID {
        return Err(format!(
            "a workspace id has at most {MAX_WORKSPACE_ID} characters, this one {}",
            id.len()
        ));
    }
    if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "workspace id {id:?} must start with a letter or digit"
        ));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "workspace id {id:?} contains {bad:?}: use letters, digits, '_', '.' and '-'"
        ));
    }
    Ok(())
}

/// A container id as `docker ps` shows it (its first 12 hex digits), for words on screen where
/// no session id is known any more (the container is gone from the list): 64 digits would push
/// the reason off an 80-column status bar.
pub fn short_container_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_ids_follow_docker_and_sandkasten_rules() {
        assert!(validate_workspace_id("alice-project_1.v2").is_ok());
        assert!(validate_workspace_id("a").is_ok());
        assert!(validate_workspace_id("").is_err());
        assert!(validate_workspace_id("-leading").is_err());
        assert!(validate_workspace_id("has space").is_err());
        assert!(validate_workspace_id("../etc").is_err());
        assert!(validate_workspace_id("a/b").is_err());
        assert!(validate_workspace_id("ünï").is_err());
        assert!(validate_workspace_id(&"x".repeat(65)).is_err());
        let err = validate_workspace_id("a b").unwrap_err();
        assert!(err.contains("' '"), "{err}");
    }

    #[test]
    fn request_ids_count_up_and_order() {
        let first = RequestId(1);
        assert_eq!(first.next(), RequestId(2));
        assert!(first < first.next());
        assert_eq!(first.to_string(), "#1");
    }
}
