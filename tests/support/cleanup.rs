//! Shared by the cleanup tests on the real engine: running the CLI, reading its JSON, making
//! files with chosen times, waiting out an idle rule, and writing into a volume from another
//! container the way a second sandbox would.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::binary;

pub fn cli(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .expect("run CLI")
}

pub fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Writes a file of `len` bytes with an mtime `days_ago` (its ctime is now).
pub fn write_file(dir: &Path, name: &str, len: usize, days_ago: u64) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, vec![b'x'; len]).unwrap();
    let when = SystemTime::now() - Duration::from_secs(days_ago * 86_400);
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

/// Gives a tree's directories old mtimes, as a restore does. Their ctimes stay "now" (nothing
/// unprivileged sets them), so this never makes a workspace idle: only waiting does.
pub fn backdate_dirs(dir: &Path, days_ago: u64) {
    let when = SystemTime::now() - Duration::from_secs(days_ago * 86_400);
    for entry in fs::read_dir(dir).unwrap().flatten() {
        if entry.file_type().unwrap().is_dir() {
            backdate_dirs(&entry.path(), days_ago);
        }
    }
    // The directory itself too, the workspace's root included: its own time is activity.
    fs::File::open(dir).unwrap().set_modified(when).unwrap();
}

/// An idle rule the test can wait out: activity is never older than the volume itself, so an
/// "idle" workspace is one created, filled and then left alone for longer than this.
pub const IDLE: Duration = Duration::from_secs(5);
pub const IDLE_ARG: &str = "5s";

/// Leaves what exists now alone for longer than `IDLE`.
pub async fn wait_idle() {
    tokio::time::sleep(IDLE + Duration::from_secs(1)).await;
}

pub fn ids(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

/// Writes a file into `volume` from an independent, short-lived container (not this tool,
/// not the host path): the way a second sandbox or a backup job would. The writer is removed
/// again before returning, so only the fresh file is left to tell.
pub async fn write_from_another_container(env: &super::TestEnv, volume: &str, name: &str) {
    let writer = format!("{}-writer-{name}", env.prefix);
    env.container(&writer, Default::default(), Some(volume), true)
        .await;
    let out = Command::new("docker")
        .args(["exec", &writer, "sh", "-c"])
        .arg(format!("echo fresh > /workspace/{name}"))
        .output()
        .expect("docker exec");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("docker")
        .args(["rm", "-f", &writer])
        .output()
        .expect("docker rm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
