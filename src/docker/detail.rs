//! Inspecting one session container for the detail pane: limits and hardening that the
//! container list does not carry.

use bollard::Docker;

use super::error::DockerError;
use super::model::detail_from_inspect;
use crate::domain::session::SessionDetail;

/// Inspects one session container for the detail pane.
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
