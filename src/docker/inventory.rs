//! One listing of sandkasten's footprint: every container plus the `sandkasten-ws-*` volumes.

use std::collections::HashMap;

use bollard::Docker;
use bollard::query_parameters::{ListContainersOptionsBuilder, ListVolumesOptionsBuilder};

use super::deadline;
use super::error::DockerError;
use super::model::build_inventory;
use crate::domain::labels::WORKSPACE_VOLUME_PREFIX;
use crate::domain::workspace::Inventory;

/// Lists containers and volumes concurrently and joins them into the domain view.
pub async fn fetch_inventory(docker: &Docker) -> Result<Inventory, DockerError> {
    let containers = deadline::answer(
        "listing containers",
        docker.list_containers(Some(ListContainersOptionsBuilder::new().all(true).build())),
    );
    // `name=` is a substring match on the engine side; the model keeps only real prefixes.
    let volume_filter = HashMap::from([("name", vec![WORKSPACE_VOLUME_PREFIX])]);
    let volumes = deadline::answer(
        "listing volumes",
        docker.list_volumes(Some(
            ListVolumesOptionsBuilder::new()
                .filters(&volume_filter)
                .build(),
        )),
    );
    let (containers, volumes) = tokio::try_join!(containers, volumes)?;
    let (containers, volumes) = (containers?, volumes?);
    Ok(build_inventory(
        &containers,
        volumes.volumes.as_deref().unwrap_or_default(),
    ))
}
