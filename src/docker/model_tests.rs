//! The bollard → domain conversion: labels, kinds, mounts, orphans and decoys.

use super::*;

fn labels(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn volume_mount(volume: &str, destination: &str) -> MountPoint {
    MountPoint {
        typ: Some("volume".into()),
        name: Some(volume.into()),
        source: Some(format!("/var/lib/docker/volumes/{volume}/_data")),
        destination: Some(destination.into()),
        rw: Some(true),
        ..Default::default()
    }
}

fn container(
    id: &str,
    name: &str,
    state: ContainerSummaryStateEnum,
    label_pairs: &[(&str, &str)],
    mounts: Vec<MountPoint>,
) -> ContainerSummary {
    ContainerSummary {
        id: Some(id.into()),
        names: Some(vec![format!("/{name}")]),
        image: Some("sandbox-runtime:python".into()),
        created: Some(1_700_000_000),
        labels: Some(labels(label_pairs)),
        state: Some(state),
        status: Some("Up 5 minutes".into()),
        mounts: Some(mounts),
        ..Default::default()
    }
}

fn volume(name: &str, label_pairs: &[(&str, &str)]) -> Volume {
    Volume {
        name: name.into(),
        driver: "local".into(),
        mountpoint: format!("/var/lib/docker/volumes/{name}/_data"),
        created_at: Some("2026-11-20T10:00:00Z".into()),
        labels: labels(label_pairs),
        ..Default::default()
    }
}

const WS_LABELS: &[(&str, &str)] = &[(LABEL_WORKSPACE, "true"), (LABEL_WORKSPACE_ID, "alpha")];

fn footprint() -> (Vec<ContainerSummary>, Vec<Volume>) {
    use ContainerSummaryStateEnum as S;
    let containers = vec![
        // persistent session on workspace alpha
        container(
            "c1",
            "sandkasten-s1",
            S::RUNNING,
            &[
                (LABEL_MANAGED, "true"),
                (LABEL_SESSION_ID, "s1"),
                (LABEL_WORKSPACE_ID, "alpha"),
            ],
            vec![volume_mount("sandkasten-ws-alpha", "/workspace")],
        ),
        // ephemeral, exited session
        container(
            "c2",
            "sandkasten-s2",
            S::EXITED,
            &[(LABEL_MANAGED, "true"), (LABEL_SESSION_ID, "s2")],
            vec![volume_mount("sandkasten-ws-s2", "/workspace")],
        ),
        // pool container
        container(
            "c3",
            "sandkasten-p1",
            S::RUNNING,
            &[
                (LABEL_MANAGED, "true"),
                (LABEL_SESSION_ID, "p1"),
                (LABEL_POOL, "true"),
                (LABEL_POOL_IMAGE, "sandbox-runtime:python"),
                (LABEL_POOLED_AT, "2026-11-20T10:00:00Z"),
            ],
            vec![volume_mount("sandkasten-ws-p1", "/workspace")],
        ),
        // decoys: right name but no label, label false, unrelated
        container("d1", "sandkasten-fake", S::RUNNING, &[], vec![]),
        container(
            "d2",
            "sandkasten-off",
            S::RUNNING,
            &[(LABEL_MANAGED, "false"), (LABEL_SESSION_ID, "off")],
            vec![],
        ),
        // a foreign container that mounts workspace beta
        container(
            "d3",
            "backup-job",
            S::CREATED,
            &[],
            vec![volume_mount("sandkasten-ws-beta", "/data")],
        ),
    ];
    let volumes = vec![
        volume("sandkasten-ws-alpha", WS_LABELS),
        volume(
            "sandkasten-ws-beta",
            &[(LABEL_WORKSPACE, "true"), (LABEL_WORKSPACE_ID, "beta")],
        ),
        volume("sandkasten-ws-s2", &[]), // ephemeral, container exists
        volume("sandkasten-ws-p1", &[]), // ephemeral, pool container exists
        volume("sandkasten-ws-gone", &[]), // orphan
        volume("sandkasten-ws-nope", &[(LABEL_WORKSPACE, "false")]), // decoy
        // orphan: a foreign label (like this tool's test label) does not make it sandkasten's
        volume("sandkasten-ws-tagged", &[("com.example.backup", "daily")]),
        volume("sandkasten-ws-managed", &[(LABEL_MANAGED, "true")]), // decoy: sandkasten label
        volume("sandkasten-ws-", &[(LABEL_WORKSPACE, "true")]),      // decoy: empty id
        volume("other-volume", &[(LABEL_WORKSPACE, "true")]),        // decoy: wrong name
    ];
    (containers, volumes)
}

#[test]
fn sessions_are_only_managed_containers() {
    let (containers, volumes) = footprint();
    let inv = build_inventory(&containers, &volumes);
    let ids: Vec<&str> = inv.sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["p1", "s1", "s2"]);
}

#[test]
fn persistent_session_names_its_workspace() {
    let (containers, volumes) = footprint();
    let inv = build_inventory(&containers, &volumes);
    let s1 = &inv.sessions[1];
    assert_eq!(s1.container, "sandkasten-s1");
    assert_eq!(s1.state, SessionState::Running);
    assert_eq!(s1.workspace, SessionWorkspace::Persistent("alpha".into()));
    assert_eq!(s1.workspace_id(), Some("alpha"));
    assert_eq!(
        s1.created_at,
        Some(Timestamp::from_second(1_700_000_000).unwrap())
    );
    assert!(s1.pool.is_none());
}

#[test]
fn ephemeral_session_points_at_its_volume() {
    let (containers, volumes) = footprint();
    let inv = build_inventory(&containers, &volumes);
    let s2 = &inv.sessions[2];
    assert_eq!(s2.state, SessionState::Exited);
    assert_eq!(
        s2.workspace,
        SessionWorkspace::Ephemeral {
            volume: Some("sandkasten-ws-s2".into())
        }
    );
}

#[test]
fn pool_containers_are_marked() {
    let (containers, volumes) = footprint();
    let inv = build_inventory(&containers, &volumes);
    let pool = inv.sessions[0].pool.as_ref().unwrap();
    assert_eq!(pool.image.as_deref(), Some("sandbox-runtime:python"));
    assert_eq!(pool.pooled_at.as_deref(), Some("2026-11-20T10:00:00Z"));
}

#[test]
fn session_id_falls_back_to_the_container_name() {
    let c = container(
        "c9",
        "sandkasten-zz",
        ContainerSummaryStateEnum::CREATED,
        &[(LABEL_MANAGED, "true")],
        vec![],
    );
    let s = session_from_summary(&c).unwrap();
    assert_eq!(s.id, "zz");
    assert_eq!(s.state, SessionState::Created);
}

#[test]
fn workspaces_are_labelled_volumes_and_orphans_only() {
    let (containers, volumes) = footprint();
    let inv = build_inventory(&containers, &volumes);
    let listed: Vec<(&str, WorkspaceKind)> = inv
        .workspaces
        .iter()
        .map(|w| (w.volume.as_str(), w.kind))
        .collect();
    assert_eq!(
        listed,
        [
            ("sandkasten-ws-alpha", WorkspaceKind::Persistent),
            ("sandkasten-ws-beta", WorkspaceKind::Persistent),
            ("sandkasten-ws-gone", WorkspaceKind::OrphanEphemeral),
            ("sandkasten-ws-tagged", WorkspaceKind::OrphanEphemeral),
        ]
    );
}

#[test]
fn workspaces_know_who_mounts_them() {
    let (containers, volumes) = footprint();
    let inv = build_inventory(&containers, &volumes);
    let alpha = &inv.workspaces[0];
    assert_eq!(alpha.id, "alpha");
    assert_eq!(alpha.used_by, ["s1"]);
    assert!(alpha.in_use());
    let beta = &inv.workspaces[1];
    assert!(beta.used_by.is_empty());
    assert_eq!(beta.other_users, ["backup-job"]);
    assert!(beta.in_use());
    let gone = &inv.workspaces[2];
    assert!(gone.is_orphan());
    assert!(!gone.in_use());
    assert_eq!(gone.id, "gone");
}

#[test]
fn volume_created_at_is_parsed_with_any_offset() {
    let mut v = volume("sandkasten-ws-x", WS_LABELS);
    v.created_at = Some("2026-11-20T11:00:00+01:00".into());
    let inv = build_inventory(&[], &[v]);
    assert_eq!(
        inv.workspaces[0].created_at,
        Some("2026-11-20T10:00:00Z".parse().unwrap())
    );
}

#[test]
fn quota_reads_size_and_local_driver_o_option() {
    let q = |pairs: &[(&str, &str)]| quota_bytes(&labels(pairs));
    assert_eq!(q(&[("size", "10G")]), Some(10 * 1024 * 1024 * 1024));
    assert_eq!(q(&[("size", "512MiB")]), Some(512 * 1024 * 1024));
    assert_eq!(q(&[("size", "1000")]), Some(1000));
    assert_eq!(
        q(&[("type", "tmpfs"), ("o", "uid=1000,size=16m")]),
        Some(16 * 1024 * 1024)
    );
    assert_eq!(q(&[("size", "lots")]), None);
    assert_eq!(q(&[]), None);
}

#[test]
fn state_mapping_covers_every_engine_state() {
    use ContainerSummaryStateEnum as S;
    assert_eq!(SessionState::from(Some(S::PAUSED)), SessionState::Paused);
    assert_eq!(SessionState::from(Some(S::DEAD)), SessionState::Dead);
    assert_eq!(
        SessionState::from(Some(S::RESTARTING)),
        SessionState::Restarting
    );
    assert_eq!(SessionState::from(None), SessionState::Unknown);
}

#[test]
fn detail_reads_limits_and_treats_zero_as_unset() {
    use bollard::models::{ContainerState, HostConfig};
    let inspect = ContainerInspectResponse {
        host_config: Some(HostConfig {
            nano_cpus: Some(1_500_000_000),
            memory: Some(0),
            pids_limit: Some(-1),
            readonly_rootfs: Some(true),
            cap_drop: Some(vec!["ALL".into()]),
            network_mode: Some("none".into()),
            init: Some(true),
            ..Default::default()
        }),
        state: Some(ContainerState {
            started_at: Some("2026-01-02T03:04:05Z".into()),
            finished_at: Some("0001-01-01T00:00:00Z".into()),
            exit_code: Some(0),
            ..Default::default()
        }),
        ..Default::default()
    };
    let d = detail_from_inspect(&inspect);
    assert_eq!(d.cpu_limit, Some(1.5));
    assert_eq!(d.memory_bytes, None);
    assert_eq!(d.pids_limit, None);
    assert!(d.readonly_rootfs && d.init);
    assert_eq!(d.cap_drop, vec!["ALL".to_owned()]);
    assert_eq!(d.network_mode, "none");
    assert!(d.started_at.is_some());
    assert_eq!(d.finished_at, None, "Docker's year 1 means never");
    assert_eq!(d.exit_code, Some(0));
}

#[test]
fn engine_info_marks_what_the_engine_left_out() {
    let v = SystemVersion {
        version: Some("27.1.0".into()),
        ..Default::default()
    };
    let info = engine_info("unix:///var/run/docker.sock", v);
    assert_eq!(info.version, "27.1.0");
    assert_eq!(info.api_version, "?");
    assert_eq!(info.endpoint, "unix:///var/run/docker.sock");
}
