//! Helper containers: one per open workspace, running the agent with the volume at
//! `/workspace`, hardened, attached before start, removed when closed (and by the engine itself
//! once the agent exits). Stale ones are reaped at program start. Only containers labelled
//! `sandkasten-tui.helper=true` are ever removed here.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::Docker;
use bollard::container::AttachContainerResults;
use bollard::models::{
    ContainerCreateBody, ContainerSummaryStateEnum, HostConfig, HostConfigLogConfig, Mount,
    MountType,
};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptionsBuilder, ListContainersOptionsBuilder,
    RemoveContainerOptionsBuilder, StartContainerOptions,
};

use super::error::FsError;
use crate::domain::labels::{HELPER_LABEL, OWNER_LABEL, VOLUME_LABEL};

/// A helper created but not started yet may belong to an open in progress elsewhere.
const CREATE_GRACE: Duration = Duration::from_secs(60);

/// What the helper may do to the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    #[default]
    ReadWrite,
    /// The volume is mounted read-only and the helper can only read (`--read-only`).
    ReadOnly,
}

/// A started helper container.
#[derive(Debug, Clone)]
pub struct Helper {
    pub id: String,
    pub name: String,
}

/// Creates the helper for `volume`, attaches to it, then starts it: attaching first means not
/// a byte of the agent's output (its HELLO) can be missed. On any failure the container is
/// removed again.
pub async fn start(
    docker: &Docker,
    image: &str,
    volume: &str,
    extra_labels: HashMap<String, String>,
    access: Access,
) -> Result<(Helper, AttachContainerResults), FsError> {
    let mut labels = extra_labels;
    labels.insert(HELPER_LABEL.into(), "true".into());
    labels.insert(VOLUME_LABEL.into(), volume.into());
    labels.insert(OWNER_LABEL.into(), owner());
    let name = format!("sandkasten-tui-fs-{volume}-{:08x}", random32());
    let body = ContainerCreateBody {
        image: Some(image.into()),
        labels: Some(labels),
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        open_stdin: Some(true),
        // The engine closes the agent's stdin when we detach (or die), so it exits then.
        stdin_once: Some(true),
        tty: Some(false),
        host_config: Some(host_config(volume, access)),
        ..Default::default()
    };
    let created = docker
        .create_container(
            Some(CreateContainerOptionsBuilder::new().name(&name).build()),
            body,
        )
        .await?;
    let helper = Helper {
        id: created.id,
        name,
    };
    let attached = async {
        let options = AttachContainerOptionsBuilder::new()
            .stdin(true)
            .stdout(true)
            .stderr(true)
            .stream(true)
            .build();
        let io = docker.attach_container(&helper.id, Some(options)).await?;
        docker
            .start_container(&helper.id, None::<StartContainerOptions>)
            .await?;
        Ok::<_, FsError>(io)
    }
    .await;
    match attached {
        Ok(io) => Ok((helper, io)),
        Err(e) => {
            let _ = remove(docker, &helper.id).await;
            Err(e)
        }
    }
}

/// Capabilities beyond none. Editing someone else's files as root inside the helper needs
/// exactly these: DAC_OVERRIDE to read, write and create regardless of mode bits (session
/// files are often 0600 and owned by the session user); CHOWN to give a saved file back its
/// owner (the temp file that replaces it is created by root) and new files their directory's
/// owner; FOWNER to set the mode on a file once it belongs to someone else; FSETID to keep a
/// setgid bit when root is not in the file's group (chmod clears it otherwise). Reading needs
/// only DAC_READ_SEARCH: read files and search directories regardless of mode bits.
fn capabilities(access: Access) -> Vec<String> {
    let caps: &[&str] = match access {
        Access::ReadWrite => &["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID"],
        Access::ReadOnly => &["DAC_READ_SEARCH"],
    };
    caps.iter().map(|c| (*c).to_owned()).collect()
}

fn host_config(volume: &str, access: Access) -> HostConfig {
    HostConfig {
        mounts: Some(vec![Mount {
            target: Some("/workspace".into()),
            source: Some(volume.into()),
            typ: Some(MountType::VOLUME),
            read_only: Some(access == Access::ReadOnly),
            ..Default::default()
        }]),
        // The protocol stream carries file contents: with the default json-file driver every
        // byte would also land in the engine's log on the host. Attach needs no log driver.
        log_config: Some(HostConfigLogConfig {
            typ: Some("none".into()),
            config: None,
        }),
        network_mode: Some("none".into()),
        readonly_rootfs: Some(true),
        // docker-init as PID 1: signals are handled and stop is immediate.
        init: Some(true),
        // Gone as soon as the agent exits, even if this process died without cleaning up.
        auto_remove: Some(true),
        cap_drop: Some(vec!["ALL".into()]),
        cap_add: Some(capabilities(access)),
        security_opt: Some(vec!["no-new-privileges".into()]),
        pids_limit: Some(32),
        // Four workers with at most a 32 MiB frame each, plus the frame being read.
        memory: Some(512 << 20),
        ..Default::default()
    }
}

/// Removes a helper (forcibly: it may be running). Gone already is fine, and so is a removal
/// the engine started by itself (auto-remove).
pub async fn remove(docker: &Docker, id: &str) -> Result<(), FsError> {
    let options = RemoveContainerOptionsBuilder::new().force(true).build();
    match docker.remove_container(id, Some(options)).await {
        Ok(())
        | Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(()),
        // 409: the engine is already removing it (auto-remove after stdin closed). Return
        // only once it is gone, so "closed" means "no helper left".
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 409, ..
        }) => {
            for _ in 0..100 {
                if docker
                    .inspect_container(
                        id,
                        None::<bollard::query_parameters::InspectContainerOptions>,
                    )
                    .await
                    .is_err()
                {
                    return Ok(());
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(FsError::Engine {
                kind: crate::domain::outcome::FailureKind::Stalled,
                reason: format!("helper {id} is still being removed after 5 s"),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes helper containers nobody uses any more; returns how many. Call it at program start.
///
/// A helper is stale when it has exited (or is dead), when it was created more than a minute
/// ago and never started, or when it runs for a process on this host that no longer exists.
/// Running helpers of live processes (another sandkasten-tui, here or on another host) are
/// left alone. Containers without the helper label are never looked at.
pub async fn reap_stale_helpers(docker: &Docker) -> Result<usize, FsError> {
    let label = format!("{HELPER_LABEL}=true");
    let filters = HashMap::from([("label", vec![label.as_str()])]);
    let listed = docker
        .list_containers(Some(
            ListContainersOptionsBuilder::new()
                .all(true)
                .filters(&filters)
                .build(),
        ))
        .await?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let host = hostname();
    let mut removed = 0;
    for c in listed {
        let labels = c.labels.unwrap_or_default();
        // The filter already ensures it; checked again because removal is irreversible.
        if labels.get(HELPER_LABEL).map(String::as_str) != Some("true") {
            continue;
        }
        let Some(id) = c.id else { continue };
        let age = now.saturating_sub(u64::try_from(c.created.unwrap_or(0)).unwrap_or(0));
        let stale = match c.state {
            Some(ContainerSummaryStateEnum::EXITED | ContainerSummaryStateEnum::DEAD) => true,
            Some(ContainerSummaryStateEnum::CREATED) => age > CREATE_GRACE.as_secs(),
            Some(ContainerSummaryStateEnum::RUNNING) => labels
                .get(OWNER_LABEL)
                .is_some_and(|owner| owner_is_gone(owner, &host)),
            _ => false,
        };
        if stale {
            remove(docker, &id).await?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn owner() -> String {
    format!("{}/{}", hostname(), std::process::id())
}

/// True only when `owner` names a process on this host that no longer runs.
fn owner_is_gone(owner: &str, host: &str) -> bool {
    let Some((owner_host, pid)) = owner.rsplit_once('/') else {
        return false;
    };
    if owner_host != host || host.is_empty() {
        return false;
    }
    match pid.parse::<u32>() {
        Ok(pid) => !Path::new(&format!("/proc/{pid}")).exists(),
        Err(_) => false,
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

/// Good enough to keep helper names apart; not a secret.
fn random32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    // Truncation is the point: eight hex digits.
    h.finish() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_is_gone_only_on_this_host_and_without_its_process() {
        let host = "box";
        assert!(!owner_is_gone(&format!("box/{}", std::process::id()), host));
        assert!(owner_is_gone("box/4294967295", host));
        assert!(!owner_is_gone("other/4294967295", host));
        assert!(!owner_is_gone("box/not-a-pid", host));
        assert!(!owner_is_gone("garbage", host));
        assert!(!owner_is_gone("/4294967295", ""));
    }

    #[test]
    fn the_helper_is_hardened() {
        let hc = host_config("sandkasten-ws-x", Access::ReadWrite);
        assert_eq!(hc.network_mode.as_deref(), Some("none"));
        assert_eq!(hc.readonly_rootfs, Some(true));
        assert_eq!(hc.init, Some(true));
        assert_eq!(hc.cap_drop, Some(vec!["ALL".to_owned()]));
        let mut caps = hc.cap_add.unwrap();
        caps.sort();
        assert_eq!(caps, ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID"]);
        assert_eq!(hc.security_opt, Some(vec!["no-new-privileges".to_owned()]));
        let mount = &hc.mounts.unwrap()[0];
        assert_eq!(mount.target.as_deref(), Some("/workspace"));
        assert_eq!(mount.source.as_deref(), Some("sandkasten-ws-x"));
        assert_eq!(mount.read_only, Some(false));
    }

    #[test]
    fn helpers_never_log_the_protocol_stream() {
        for access in [Access::ReadWrite, Access::ReadOnly] {
            let log = host_config("v", access).log_config.unwrap();
            assert_eq!(log.typ.as_deref(), Some("none"));
        }
    }

    #[test]
    fn a_read_only_helper_mounts_read_only_and_can_only_read() {
        let hc = host_config("sandkasten-ws-x", Access::ReadOnly);
        assert_eq!(hc.mounts.unwrap()[0].read_only, Some(true));
        assert_eq!(hc.cap_add, Some(vec!["DAC_READ_SEARCH".to_owned()]));
        assert_eq!(hc.cap_drop, Some(vec!["ALL".to_owned()]));
    }
}
