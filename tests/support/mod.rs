//! Shared by the integration and end-to-end tests: a labelled namespace per test on the real
//! engine, objects made exactly the way sandkasten makes them, and cleanup that runs even when
//! the test fails. Every object carries `sandkasten-tui.test=<run id>` (the run, for the test
//! script's final sweep) and `sandkasten-tui.test.case=<case>` (this test, for its own cleanup).

#![allow(dead_code)] // each test binary uses a different part of this module

pub mod cleanup;
pub mod proxy;
pub mod pty;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, ListVolumesOptionsBuilder,
    RemoveContainerOptionsBuilder,
};
use futures::FutureExt;

enum Adopted {
    Container(String),
    Volume(String),
}

pub const RUN_LABEL: &str = "sandkasten-tui.test";
pub const CASE_LABEL: &str = "sandkasten-tui.test.case";

/// The run id from the test script, or one made up for a bare `cargo test`.
pub fn run_id() -> String {
    std::env::var("SANDKASTEN_TUI_TEST_RUN")
        .unwrap_or_else(|_| format!("adhoc-{}", std::process::id()))
}

/// The image sessions run: built by scripts/test-image.sh.
pub fn test_image() -> String {
    std::env::var("SANDKASTEN_TUI_TEST_IMAGE").unwrap_or_else(|_| {
        panic!(
            "SANDKASTEN_TUI_TEST_IMAGE is not set: run the tests with scripts/test.sh, \
             which builds the local test image"
        )
    })
}

pub struct TestEnv {
    pub docker: Docker,
    /// Objects made by the code under test with names the test does not choose (random
    /// session ids): removed by `cleanup` too.
    adopted: std::sync::Mutex<Vec<Adopted>>,
    pub run: String,
    pub case: String,
    /// Short unique prefix for this test's sandkasten ids, so tests never collide.
    pub prefix: String,
}

static CASE_COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestEnv {
    fn new(name: &str) -> Self {
        let docker = Docker::connect_with_defaults().expect("docker client");
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let n = CASE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let prefix = format!("t{:x}{:x}{n}", std::process::id() % 0xfff, nanos % 0xffff);
        let run = run_id();
        let case = format!("{run}.{name}.{prefix}");
        Self {
            docker,
            adopted: std::sync::Mutex::new(Vec::new()),
            run,
            case,
            prefix,
        }
    }

    /// A sandkasten id unique to this test.
    pub fn id(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
    }

    pub fn test_labels(&self) -> HashMap<String, String> {
        HashMap::from([
            (RUN_LABEL.to_owned(), self.run.clone()),
            (CASE_LABEL.to_owned(), self.case.clone()),
        ])
    }

    async fn volume(&self, name: &str, extra: &[(&str, &str)], options: &[(&str, &str)]) -> String {
        let mut labels = self.test_labels();
        labels.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let driver_opts = options
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.docker
            .create_volume(VolumeCreateRequest {
                name: Some(name.to_owned()),
                labels: Some(labels),
                driver_opts: Some(driver_opts),
                ..Default::default()
            })
            .await
            .expect("create volume");
        name.to_owned()
    }

    /// A persistent workspace volume, labelled as sandkasten labels it.
    pub async fn workspace(&self, ws_id: &str) -> String {
        self.volume(
            &format!("sandkasten-ws-{ws_id}"),
            &[
                ("sandkasten.workspace", "true"),
                ("sandkasten.workspace_id", ws_id),
            ],
            &[],
        )
        .await
    }

    /// A persistent workspace with a driver size option (tmpfs, so it works on any host).
    pub async fn workspace_with_quota(&self, ws_id: &str, size: &str) -> String {
        let o = format!("size={size}");
        self.volume(
            &format!("sandkasten-ws-{ws_id}"),
            &[
                ("sandkasten.workspace", "true"),
                ("sandkasten.workspace_id", ws_id),
            ],
            &[("type", "tmpfs"), ("device", "tmpfs"), ("o", &o)],
        )
        .await
    }

    /// Session-scoped storage: no sandkasten label (only the test's own labels).
    pub async fn ephemeral_volume(&self, session_id: &str) -> String {
        self.volume(&format!("sandkasten-ws-{session_id}"), &[], &[])
            .await
    }

    /// Any other volume (decoys).
    pub async fn plain_volume(&self, name: &str, labels: &[(&str, &str)]) -> String {
        self.volume(name, labels, &[]).await
    }

    /// A session container made as sandkasten makes one; `workspace` names a persistent
    /// workspace, else an ephemeral volume is created. Started when `running`.
    pub async fn session(
        &self,
        session_id: &str,
        workspace: Option<&str>,
        running: bool,
    ) -> String {
        self.session_with(session_id, workspace, running, &[]).await
    }

    pub async fn session_with(
        &self,
        session_id: &str,
        workspace: Option<&str>,
        running: bool,
        extra_labels: &[(&str, &str)],
    ) -> String {
        let volume = match workspace {
            Some(ws) => format!("sandkasten-ws-{ws}"),
            None => self.ephemeral_volume(session_id).await,
        };
        let mut labels = self.test_labels();
        labels.insert("sandkasten.managed".into(), "true".into());
        labels.insert("sandkasten.session_id".into(), session_id.into());
        if let Some(ws) = workspace {
            labels.insert("sandkasten.workspace_id".into(), ws.into());
        }
        labels.extend(
            extra_labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let name = format!("sandkasten-{session_id}");
        self.container(&name, labels, Some(&volume), running).await;
        name
    }

    /// A container of another image, hardened the same way, with no volume.
    pub async fn container_from(
        &self,
        image: &str,
        name: &str,
        labels: HashMap<String, String>,
        running: bool,
    ) -> String {
        self.create_container(image, name, labels, None, running)
            .await
    }

    /// A container with the hardened sandkasten host config; `volume` is mounted at /workspace.
    pub async fn container(
        &self,
        name: &str,
        labels: HashMap<String, String>,
        volume: Option<&str>,
        running: bool,
    ) -> String {
        self.create_container(&test_image(), name, labels, volume, running)
            .await
    }

    async fn create_container(
        &self,
        image: &str,
        name: &str,
        labels: HashMap<String, String>,
        volume: Option<&str>,
        running: bool,
    ) -> String {
        let mut labels = labels;
        labels.extend(self.test_labels());
        let host_config = HostConfig {
            readonly_rootfs: Some(true),
            cap_drop: Some(vec!["ALL".into()]),
            security_opt: Some(vec!["no-new-privileges".into()]),
            network_mode: Some("none".into()),
            nano_cpus: Some(1_000_000_000),
            memory: Some(512 * 1024 * 1024),
            pids_limit: Some(256),
            init: Some(true),
            tmpfs: Some(HashMap::from([
                ("/tmp".into(), "rw,nosuid,nodev,size=64m".into()),
                ("/run".into(), "rw,nosuid,nodev".into()),
                ("/home/sandbox/.cache".into(), "rw,nosuid,nodev".into()),
            ])),
            mounts: volume.map(|v| {
                vec![Mount {
                    target: Some("/workspace".into()),
                    source: Some(v.into()),
                    typ: Some(MountType::VOLUME),
                    read_only: Some(false),
                    ..Default::default()
                }]
            }),
            ..Default::default()
        };
        let body = ContainerCreateBody {
            image: Some(image.to_owned()),
            labels: Some(labels),
            host_config: Some(host_config),
            ..Default::default()
        };
        let created = self
            .docker
            .create_container(
                Some(CreateContainerOptionsBuilder::new().name(name).build()),
                body,
            )
            .await
            .expect("create container");
        if running {
            self.docker
                .start_container(
                    &created.id,
                    None::<bollard::query_parameters::StartContainerOptions>,
                )
                .await
                .expect("start container");
        }
        created.id
    }

    /// Where a volume's files live on the host (the tests run as root, so it is writable).
    pub async fn mountpoint(&self, volume: &str) -> std::path::PathBuf {
        let v = self
            .docker
            .inspect_volume(volume)
            .await
            .expect("inspect volume");
        std::path::PathBuf::from(v.mountpoint)
    }

    /// What `cmd` prints on stdout in `container` (an exec, read to its end).
    pub async fn exec_output(&self, container: &str, cmd: &[&str]) -> String {
        use bollard::exec::{CreateExecOptions, StartExecResults};
        use futures::StreamExt;
        let exec = self
            .docker
            .create_exec(
                container,
                CreateExecOptions {
                    cmd: Some(cmd.to_vec()),
                    attach_stdout: Some(true),
                    ..Default::default()
                },
            )
            .await
            .expect("create the exec");
        let mut text = String::new();
        if let StartExecResults::Attached { mut output, .. } = self
            .docker
            .start_exec(&exec.id, None)
            .await
            .expect("start the exec")
        {
            while let Some(Ok(chunk)) = output.next().await {
                text.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
            }
        }
        text
    }

    pub async fn volume_exists(&self, volume: &str) -> bool {
        self.docker.inspect_volume(volume).await.is_ok()
    }

    /// Makes cleanup remove this container (and then this volume) too.
    pub fn adopt(&self, container: &str, volume: Option<&str>) {
        let mut adopted = self.adopted.lock().unwrap();
        adopted.push(Adopted::Container(container.to_owned()));
        if let Some(v) = volume {
            adopted.push(Adopted::Volume(v.to_owned()));
        }
    }

    /// Removes every container, then every volume, of this test.
    pub async fn cleanup(&self) {
        let adopted = std::mem::take(&mut *self.adopted.lock().unwrap());
        for a in &adopted {
            if let Adopted::Container(name) = a {
                let opts = RemoveContainerOptionsBuilder::new().force(true).build();
                let _ = self.docker.remove_container(name, Some(opts)).await;
            }
        }
        for a in &adopted {
            if let Adopted::Volume(name) = a {
                let _ = self
                    .docker
                    .remove_volume(name, None::<bollard::query_parameters::RemoveVolumeOptions>)
                    .await;
            }
        }
        let filter = HashMap::from([("label", vec![format!("{CASE_LABEL}={}", self.case)])]);
        let filter: HashMap<&str, Vec<&str>> = filter
            .iter()
            .map(|(k, v)| (*k, v.iter().map(String::as_str).collect()))
            .collect();
        if let Ok(containers) = self
            .docker
            .list_containers(Some(
                ListContainersOptionsBuilder::new()
                    .all(true)
                    .filters(&filter)
                    .build(),
            ))
            .await
        {
            for c in containers {
                let Some(id) = c.id else { continue };
                let _ = self
                    .docker
                    .remove_container(
                        &id,
                        Some(RemoveContainerOptionsBuilder::new().force(true).build()),
                    )
                    .await;
            }
        }
        // Volumes this test made through the CLI carry no test label, only its unique prefix.
        let own_name = format!("sandkasten-ws-{}-", self.prefix);
        let by_name = HashMap::from([("name", vec![own_name.as_str()])]);
        let mut volumes = Vec::new();
        for f in [&filter, &by_name] {
            if let Ok(list) = self
                .docker
                .list_volumes(Some(ListVolumesOptionsBuilder::new().filters(f).build()))
                .await
            {
                volumes.extend(list.volumes.unwrap_or_default());
            }
        }
        volumes.retain(|v| {
            v.labels.get(CASE_LABEL) == Some(&self.case) || v.name.starts_with(&own_name)
        });
        for v in volumes {
            let _ = self
                .docker
                .remove_volume(
                    &v.name,
                    None::<bollard::query_parameters::RemoveVolumeOptions>,
                )
                .await;
        }
    }
}

/// Runs a test body in its own namespace and cleans up afterwards, also when it panics.
pub async fn with_env<F>(name: &str, body: F)
where
    F: AsyncFnOnce(&TestEnv),
{
    let env = TestEnv::new(name);
    let outcome = AssertUnwindSafe(body(&env)).catch_unwind().await;
    env.cleanup().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// An image whose containers run but that has no shell at all.
pub fn noshell_image() -> String {
    std::env::var("SANDKASTEN_TUI_TEST_IMAGE_NOSHELL").unwrap_or_else(|_| {
        panic!("SANDKASTEN_TUI_TEST_IMAGE_NOSHELL is not set: run scripts/test.sh")
    })
}

/// Path of the binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_sandkasten-tui")
}
