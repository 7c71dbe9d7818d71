//! Which engine the operator asked for, read the way the docker CLI reads it, and a refusal
//! whenever this tool would otherwise talk to a different engine or more weakly than asked:
//! a Docker context (`DOCKER_CONTEXT`, or the current context in `$DOCKER_CONFIG/config.json`)
//! that is not read yet, TLS asked for (`DOCKER_TLS_VERIFY`) that is not spoken yet, and
//! `ssh://` engines. Without this, `prune` could clean the default socket's engine while the
//! operator's `docker` talks to another host. Reads the environment and that one file; never
//! connects.

use std::path::PathBuf;

/// What the docker CLI would look at, gathered once (so the rule below is pure and tested).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Asked {
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    /// `currentContext` of the docker CLI's config file, when it names one.
    pub current_context: Option<String>,
    /// `DOCKER_TLS_VERIFY`, else `DOCKER_TLS`: either, set to anything, turns TLS on in the
    /// docker CLI (even `0`), and with no `DOCKER_HOST` moves it to `tcp://localhost:2376`.
    pub tls_verify: Option<String>,
}

impl Asked {
    /// From the environment and the docker CLI's config file (`$DOCKER_CONFIG`, else
    /// `~/.docker`). A config file that is missing or unreadable names no context.
    pub fn from_host() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let dir = var("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".docker")));
        let current_context = dir
            .map(|d| d.join("config.json"))
            // Read as our own configuration is: a regular file of at most 1 MiB, checked on
            // the open descriptor, so a FIFO or a swapped path never blocks the start.
            .and_then(|file| crate::config::read_config_text(&file).ok())
            .and_then(|text| current_context_of(&text));
        Self {
            docker_host: var("DOCKER_HOST"),
            docker_context: var("DOCKER_CONTEXT"),
            current_context,
            tls_verify: var("DOCKER_TLS_VERIFY").or_else(|| var("DOCKER_TLS")),
        }
    }
}

/// The docker CLI decodes its config with Go's `encoding/json`, which also takes a key that
/// differs only in case (`CurrentContext`); of several, a named context is kept over the
/// default, so that doubt refuses rather than picks the default socket.
fn current_context_of(config_json: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(config_json).ok()?;
    let names = value
        .as_object()?
        .iter()
        .filter(|(key, _)| key.eq_ignore_ascii_case("currentContext"))
        .filter_map(|(_, v)| v.as_str())
        .filter(|name| !name.is_empty());
    names
        .reduce(|kept, name| if kept == "default" { name } else { kept })
        .map(str::to_owned)
}

/// `None` when the engine this tool reaches is the one the docker CLI would reach, the same
/// way; else why not, said so that the operator knows what to set. The CLI's order:
/// `DOCKER_HOST`, then `DOCKER_CONTEXT`, then the current context, then the default socket.
pub fn refusal(asked: &Asked) -> Option<String> {
    let named_context = |name: &str| name != "default";
    if asked.docker_host.is_none() {
        let context = asked
            .docker_context
            .as_deref()
            .map(|c| (c, "DOCKER_CONTEXT"))
            .or(asked
                .current_context
                .as_deref()
                .map(|c| (c, "the docker CLI's current context")));
        if let Some((name, from)) = context.filter(|(name, _)| named_context(name)) {
            return Some(format!(
                "{from} selects the Docker context {name:?}, which sandkasten-tui cannot read \
                 yet; refusing to use the default socket instead. Set DOCKER_HOST to that \
                 context's endpoint (docker context inspect {name}), or switch to the default \
                 context (docker context use default)"
            ));
        }
    }
    let host = asked.docker_host.as_deref().unwrap_or("");
    if host.starts_with("ssh://") {
        return Some(format!(
            "DOCKER_HOST={host}: ssh:// engines are not supported yet (use a unix:// or \
             tcp:// endpoint, e.g. through an ssh tunnel)"
        ));
    }
    // No DOCKER_HOST with TLS on: the docker CLI goes to tcp://localhost:2376, not the
    // default socket this tool would use.
    if asked.tls_verify.is_some() && !host.starts_with("unix://") {
        let to = if host.is_empty() {
            "tcp://localhost:2376 (the docker CLI's endpoint with TLS on and no DOCKER_HOST)"
        } else {
            host
        };
        return Some(format!(
            "DOCKER_TLS_VERIFY or DOCKER_TLS asks for TLS to {to}, which sandkasten-tui does \
             not speak yet; refusing to send it plain text or to use another engine"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(host: Option<&str>, context: Option<&str>, current: Option<&str>) -> Asked {
        Asked {
            docker_host: host.map(str::to_owned),
            docker_context: context.map(str::to_owned),
            current_context: current.map(str::to_owned),
            tls_verify: None,
        }
    }

    #[test]
    fn the_default_engine_and_an_explicit_host_are_used() {
        assert_eq!(refusal(&asked(None, None, None)), None);
        assert_eq!(
            refusal(&asked(None, Some("default"), Some("default"))),
            None
        );
        assert_eq!(refusal(&asked(Some("unix:///x.sock"), None, None)), None);
        assert_eq!(
            refusal(&asked(Some("tcp://127.0.0.1:2375"), None, None)),
            None
        );
        // DOCKER_HOST comes first, as with the docker CLI.
        assert_eq!(
            refusal(&asked(Some("unix:///x.sock"), Some("prod"), Some("eu"))),
            None
        );
    }

    #[test]
    fn a_context_is_refused_rather_than_taken_for_the_default_socket() {
        let why = refusal(&asked(None, Some("prod"), None)).unwrap();
        assert!(
            why.contains("DOCKER_CONTEXT selects the Docker context \"prod\""),
            "{why}"
        );
        let why = refusal(&asked(None, None, Some("eu"))).unwrap();
        assert!(
            why.contains("current context selects the Docker context \"eu\""),
            "{why}"
        );
        // DOCKER_CONTEXT wins over the current context, even when it names the default.
        assert_eq!(refusal(&asked(None, Some("default"), Some("eu"))), None);
    }

    #[test]
    fn tls_asked_for_and_ssh_are_refused_never_weakened() {
        let mut tls = asked(Some("tcp://10.0.0.5:2376"), None, None);
        tls.tls_verify = Some("1".into());
        let why = refusal(&tls).unwrap();
        assert!(why.contains("refusing to send it plain text"), "{why}");
        let why = refusal(&asked(Some("ssh://ops@10.0.0.5"), None, None)).unwrap();
        assert!(
            why.contains("ssh:// engines are not supported yet"),
            "{why}"
        );
    }

    #[test]
    fn tls_with_no_host_is_refused_not_sent_to_the_default_socket() {
        // The docker CLI then talks TLS to tcp://localhost:2376, another engine.
        for value in ["1", "0"] {
            let mut tls = asked(None, None, None);
            tls.tls_verify = Some(value.into());
            let why = refusal(&tls).unwrap();
            assert!(why.contains("tcp://localhost:2376"), "{why}");
        }
        let mut local = asked(Some("unix:///var/run/docker.sock"), None, None);
        local.tls_verify = Some("1".into());
        assert_eq!(refusal(&local), None);
    }

    #[test]
    fn the_current_context_key_is_read_as_go_reads_it() {
        assert_eq!(
            current_context_of(r#"{"CurrentContext":"prod"}"#).as_deref(),
            Some("prod")
        );
        assert_eq!(
            current_context_of(r#"{"currentContext":"default","currentcontext":"eu"}"#).as_deref(),
            Some("eu")
        );
        assert_eq!(current_context_of(r#"{"currentContext":""}"#), None);
    }

    #[test]
    fn the_current_context_is_read_from_the_cli_config() {
        assert_eq!(
            current_context_of(r#"{"auths":{},"currentContext":"prod-eu"}"#).as_deref(),
            Some("prod-eu")
        );
        assert_eq!(current_context_of(r#"{"auths":{}}"#), None);
        assert_eq!(current_context_of("not json"), None);
    }
}
