//! Inspecting one session container for the detail pane: limits and hardening that the
//! container list does not carry.

use std::collections::BTreeMap;

use bollard::Docker;
use bollard::models::ContainerInspectResponse;

use super::error::DockerError;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionDetail {
    pub cpu_limit: Option<f64>,
    pub memory_bytes: Option<u64>,
    pub pids_limit: Option<i64>,
    pub readonly_rootfs: bool,
    pub cap_drop: Vec<String>,
    pub cap_add: Vec<String>,
    pub security_opt: Vec<String>,
    pub network_mode: String,
    pub tmpfs: BTreeMap<String, String>,
    pub init: bool,
    pub started_at: Option<jiff::Timestamp>,
    pub finished_at: Option<jiff::Timestamp>,
    pub exit_code: Option<i64>,
}

pub fn detail_from_inspect(inspect: &ContainerInspectResponse) -> SessionDetail {
    let host = inspect.host_config.clone().unwrap_or_default();
    let state = inspect.state.clone().unwrap_or_default();
    let cpu_limit = match (host.nano_cpus, host.cpu_quota, host.cpu_period) {
        (Some(n), _, _) if n > 0 => Some(n as f64 / 1e9),
        (_, Some(q), Some(p)) if q > 0 && p > 0 => Some(q as f64 / p as f64),
        _ => None,
    };
    // Docker reports "not set" as 0 or -1 depending on the field and the version.
    let positive = |v: Option<i64>| v.filter(|n| *n > 0);
    // Docker writes "0001-01-01T00:00:00Z" for "never".
    let non_zero_time = |t: Option<String>| {
        t.and_then(|s| s.parse::<jiff::Timestamp>().ok())
            .filter(|ts| ts.as_second() > 0)
    };
    SessionDetail {
        cpu_limit,
        memory_bytes: positive(host.memory).map(|m| m as u64),
        pids_limit: positive(host.pids_limit),
        readonly_rootfs: host.readonly_rootfs.unwrap_or(false),
        cap_drop: host.cap_drop.unwrap_or_default(),
        cap_add: host.cap_add.unwrap_or_default(),
        security_opt: host.security_opt.unwrap_or_default(),
        network_mode: host.network_mode.unwrap_or_default(),
        tmpfs: host.tmpfs.unwrap_or_default().into_iter().collect(),
        init: host.init.unwrap_or(false),
        started_at: non_zero_time(state.started_at),
        finished_at: non_zero_time(state.finished_at),
        exit_code: state.exit_code,
    }
}

pub async fn inspect_session(
    docker: &Docker,
    container_id: &str,
) -> Result<SessionDetail, DockerError> {
    let inspect = docker.inspect_container(
        container_id,
        None::<bollard::query_parameters::InspectContainerOptions>,
    );
    let inspect = super::deadline::answer("inspecting the container", inspect).await??;
    Ok(detail_from_inspect(&inspect))
}
