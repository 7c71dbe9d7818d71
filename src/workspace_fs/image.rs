//! The agent image: the static agent embedded in this binary (built by `build.rs`), imported
//! once per engine with `create_image(from_src = "-")` and a one-file tar (no registry needed,
//! ~50 ms). Its tag carries the agent's content hash, so a changed agent gets a new image and
//! an old one is never run by mistake. The image is kept afterwards (about 1.3 MB, labelled
//! `sandkasten-tui.agent=<hash>`); this module never removes images.

use bollard::Docker;
use bollard::query_parameters::CreateImageOptionsBuilder;
use futures::StreamExt;

use super::error::FsError;
use crate::domain::labels::AGENT_LABEL;

/// The agent binary; empty where `build.rs` could not build it (another architecture).
static AGENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/agent"));
const AGENT_HASH: &str = env!("SANDKASTEN_TUI_AGENT_HASH");
const REPO: &str = "sandkasten-tui-agent";

/// `sandkasten-tui-agent:<content hash>`.
pub fn agent_image() -> String {
    format!("{REPO}:{AGENT_HASH}")
}

/// Makes sure the agent image for this build exists on the engine; returns its reference.
pub async fn ensure_agent_image(docker: &Docker) -> Result<String, FsError> {
    if AGENT.is_empty() {
        return Err(FsError::Unsupported(
            "the agent is built for x86_64 Linux only".into(),
        ));
    }
    let image = agent_image();
    match docker.inspect_image(&image).await {
        Ok(_) => return Ok(image),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => {}
        Err(e) => return Err(e.into()),
    }
    import(docker).await?;
    Ok(image)
}

/// Imports the embedded agent as `agent_image()`, whether or not it exists already.
pub async fn import(docker: &Docker) -> Result<(), FsError> {
    // The binary is x86_64 only; an engine on another CPU could import it but never run it.
    let arch = docker.version().await?.arch.unwrap_or_default();
    if arch != "amd64" && arch != "x86_64" {
        return Err(FsError::Unsupported(format!(
            "the engine runs on {arch}, the agent on x86_64"
        )));
    }
    // Deliberately no test or run labels: the product's own image is shared by every run
    // and kept.
    let changes = vec![
        "ENTRYPOINT [\"/agent\"]".to_owned(),
        "WORKDIR /workspace".to_owned(),
        format!("LABEL {AGENT_LABEL}={AGENT_HASH}"),
    ];
    let options = CreateImageOptionsBuilder::new()
        .from_src("-")
        .repo(REPO)
        .tag(AGENT_HASH)
        .message("sandkasten-tui workspace agent")
        .changes(changes)
        .build();
    let tar = single_file_tar("agent", 0o755, AGENT);
    let mut progress =
        docker.create_image(Some(options), Some(bollard::body_full(tar.into())), None);
    // bollard turns an `errorDetail` in the progress stream into an Err item.
    while let Some(item) = progress.next().await {
        item?;
    }
    Ok(())
}

/// A ustar archive holding one regular file owned by root: a 512-byte header, the data padded
/// to 512 bytes, and two zero blocks.
pub fn single_file_tar(name: &str, mode: u32, data: &[u8]) -> Vec<u8> {
    let mut header = [0u8; 512];
    let field = |header: &mut [u8; 512], at: usize, bytes: &[u8]| {
        header[at..at + bytes.len()].copy_from_slice(bytes);
    };
    field(&mut header, 0, &name.as_bytes()[..name.len().min(100)]);
    field(&mut header, 100, format!("{mode:07o}\0").as_bytes());
    field(&mut header, 108, b"0000000\0"); // uid
    field(&mut header, 116, b"0000000\0"); // gid
    field(
        &mut header,
        124,
        format!("{:011o}\0", data.len()).as_bytes(),
    );
    field(&mut header, 136, b"00000000000\0"); // mtime: fixed, so the archive is reproducible
    header[156] = b'0'; // regular file
    field(&mut header, 257, b"ustar\0");
    field(&mut header, 263, b"00");
    // The checksum is computed with its own field read as eight spaces.
    field(&mut header, 148, b"        ");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    field(&mut header, 148, format!("{sum:06o}\0 ").as_bytes());

    let padded = data.len().div_ceil(512) * 512;
    let mut out = Vec::with_capacity(512 + padded + 1024);
    out.extend_from_slice(&header);
    out.extend_from_slice(data);
    out.resize(512 + padded + 1024, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tar_has_one_entry_with_a_valid_checksum() {
        let data = b"#!hello\n".repeat(100);
        let tar = single_file_tar("agent", 0o755, &data);
        assert_eq!(tar.len(), 512 + 1024 + 1024);
        let header = &tar[..512];
        assert_eq!(&header[..6], b"agent\0");
        assert_eq!(&header[100..108], b"0000755\0");
        assert_eq!(&header[124..136], b"00000001440\0"); // 800 bytes
        assert_eq!(&header[257..263], b"ustar\0");
        let stored =
            u32::from_str_radix(std::str::from_utf8(&header[148..154]).unwrap(), 8).unwrap();
        let mut check = header.to_vec();
        check[148..156].copy_from_slice(b"        ");
        assert_eq!(stored, check.iter().map(|&b| u32::from(b)).sum::<u32>());
        assert_eq!(&tar[512..512 + data.len()], &data[..]);
        assert!(tar[512 + data.len()..].iter().all(|&b| b == 0));
    }

    #[test]
    fn the_tar_is_read_by_tar() {
        // Independent check with the system's tar, when there is one.
        let dir = std::env::temp_dir().join(format!("sandkasten-tui-tar-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let archive = dir.join("a.tar");
        std::fs::write(&archive, single_file_tar("agent", 0o755, b"payload")).unwrap();
        let Ok(out) = std::process::Command::new("tar")
            .arg("-tvf")
            .arg(&archive)
            .output()
        else {
            return;
        };
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let listing = String::from_utf8_lossy(&out.stdout);
        assert!(listing.starts_with("-rwxr-xr-x"), "{listing}");
        assert!(listing.trim_end().ends_with(" agent"), "{listing}");
    }

    #[test]
    fn the_image_tag_carries_the_content_hash() {
        let image = agent_image();
        assert!(image.starts_with("sandkasten-tui-agent:"));
        assert!(!AGENT.is_empty(), "built on x86_64 Linux");
        assert_eq!(image.len(), "sandkasten-tui-agent:".len() + 16);
    }
}
