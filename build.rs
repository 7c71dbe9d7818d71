//! Builds the workspace agent (`agent/main.rs` and the modules it declares, std only) as a
//! static x86_64 Linux binary into `$OUT_DIR/agent`, which `src/workspace_fs/image.rs` embeds
//! and imports as an image. It is compiled with `$RUSTC` directly rather than as a cargo
//! target: crt-static for the whole crate would break its proc-macros (DESIGN.md §3), and only
//! the agent needs it. Also exports `SANDKASTEN_TUI_AGENT_HASH`, a content hash of the binary,
//! so that a changed agent gets a new image tag. Anywhere the agent cannot run (another CPU
//! architecture) it writes an empty file and the module answers "unsupported" instead of
//! failing the build.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The agent's crate root; rustc follows its `mod` declarations to the other files in
/// `AGENT_DIR`.
const SOURCE: &str = "agent/main.rs";
const AGENT_DIR: &str = "agent";

fn main() {
    // A directory makes cargo rerun when any file in it changes, so a new agent module needs
    // no entry here.
    println!("cargo:rerun-if-changed={AGENT_DIR}");
    println!("cargo:rerun-if-changed=build.rs");
    let Some(out_dir) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        panic!("cargo did not set OUT_DIR");
    };
    let out = out_dir.join("agent");
    // The agent runs in a container on the Docker host, which is this machine for the local
    // engine the tool is for; the helper image is x86_64 Linux only (the design falls back to
    // the archive API elsewhere).
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if arch != "x86_64" || os != "linux" {
        println!(
            "cargo:warning=workspace agent not built for {arch}-{os}: file access unsupported"
        );
        write_or_panic(&out, &[]);
        println!("cargo:rustc-env=SANDKASTEN_TUI_AGENT_HASH=none");
        return;
    }
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    // gnu + crt-static needs static glibc (libc6-dev); musl is tried only when gnu fails and
    // its standard library is installed.
    let mut failures = Vec::new();
    for target in ["x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl"] {
        match compile(&rustc, target, &out) {
            Ok(()) => {
                let Ok(bytes) = fs::read(&out) else {
                    panic!("cannot read the built agent at {}", out.display());
                };
                println!(
                    "cargo:rustc-env=SANDKASTEN_TUI_AGENT_HASH={:016x}",
                    fnv1a(&bytes)
                );
                return;
            }
            Err(why) => failures.push(format!("{target}: {why}")),
        }
    }
    panic!(
        "cannot build the static workspace agent ({SOURCE}); static glibc comes with libc6-dev:\n{}",
        failures.join("\n")
    );
}

fn compile(rustc: &str, target: &str, out: &Path) -> Result<(), String> {
    let output = Command::new(rustc)
        .args([
            "-C",
            "target-feature=+crt-static",
            "--target",
            target,
            "-C",
            "opt-level=s",
            "-C",
            "panic=abort",
            "-C",
            "strip=symbols",
            "-C",
            "codegen-units=1",
            "--edition",
            "2021",
            "--crate-name",
            "sandkasten_tui_agent",
            "-o",
        ])
        .arg(out)
        .arg(SOURCE)
        // The crate's own flags (e.g. coverage or sanitizers) are not meant for the agent.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .map_err(|e| format!("cannot run {rustc}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn write_or_panic(path: &Path, bytes: &[u8]) {
    if let Err(e) = fs::write(path, bytes) {
        panic!("cannot write {}: {e}", path.display());
    }
}

/// FNV-1a, 64 bits: stable across toolchains (unlike std's `DefaultHasher`), which is all the
/// image tag needs.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
