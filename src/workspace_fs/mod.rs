//! Workspace file access: list, read, edit and manage files in any workspace volume, whether
//! a session runs on it, is stopped, or there is none, and whatever the session image holds
//! (no shell or coreutils needed). Owns helper containers (label `sandkasten-tui.helper=true`)
//! and the agent image; it never touches other containers and never draws.
//!
//! How: the project's own static agent (`agent/main.rs`, std only, embedded by `build.rs`) is
//! imported once as `sandkasten-tui-agent:<hash>` ([`image`]), and [`WorkspaceFs::open`] runs
//! it as one long-lived helper per open workspace ([`helper`]: volume at `/workspace`, network
//! `none`, read-only rootfs, `init`, log driver `none`, `no-new-privileges`, all capabilities
//! dropped but CHOWN, FOWNER, FSETID and DAC_OVERRIDE; opened [`Access::ReadOnly`], the volume
//! is mounted read-only and only DAC_READ_SEARCH is kept). Requests are multiplexed over its attached
//! stdin/stdout ([`client`], [`protocol`]), so a listing or a read is one round trip through
//! the stream instead of a 40 ms exec or archive call. The agent refuses paths that leave the
//! workspace and never follows a symlink; [`FsPath`] refuses them here first.
//!
//! ```text
//! let fs = WorkspaceFs::open(&docker, "sandkasten-ws-demo", HashMap::new()).await?;
//! let all = fs.list(&FsPath::root(), u32::MAX).await?;     // dirs first, then by name
//! let file = fs.read(&path, 0, u64::MAX).await?;            // data + version
//! fs.write_atomic(&path, &edited, Some(file.version)).await // Err(Conflict) if changed since
//! fs.close().await?;
//! ```
//!
//! [`reap_stale_helpers`] runs once at program start (the files task does it, see
//! [`task::spawn`], once the engine first answers). Limits: the agent is x86_64 Linux only
//! (elsewhere `open` answers [`FsError::Unsupported`]; the design's fallback there is the
//! archive API, not implemented); one save holds at most 32 MiB; a conflict is detected by
//! (mtime, size, ctime, inode, device), so any write or replacement since the file was read
//! is caught (ctime cannot be set back); saving replaces the file (rename), so other hard links keep
//! the old content; a save killed midway can leave `.<name>.sandkasten-tui-<random>.tmp`,
//! which the next save in that directory removes once it is a minute old. New files and
//! directories get the owner of the directory they are made in.

mod client;
mod error;
mod helper;
mod image;
mod protocol;
mod reopen;
mod requests;
pub mod task;
mod transfer;

#[cfg(test)]
#[allow(dead_code)] // `main` and the constants the client spells its own way
#[path = "../../agent/main.rs"]
mod agent;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_ops;
#[cfg(test)]
mod tests_stream;
#[cfg(test)]
mod tests_task;

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;

use crate::docker::deadline;
use crate::domain::files::{Entry, FileData, FsPath, Identity, Version};
use crate::domain::measure::DirStats;

pub use error::FsError;
pub use helper::{Access, reap_stale_helpers};
pub use image::{agent_image, ensure_agent_image};
pub use protocol::Listing;

use client::Client;
use helper::Helper;
use protocol::{MAX_DATA, Request};

/// The agent greets within milliseconds; this only bounds a helper that never comes up.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Importing the agent image (~1.3 MB, once) and creating, attaching and starting the helper
/// take well under a second; past this the engine is not answering.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// An open workspace: one helper container and the stream to its agent. Requests may run
/// concurrently (`&self`). Close it with [`close`](Self::close); dropping it removes the
/// helper in the background (best effort, and the engine removes it anyway once its stdin
/// closes).
pub struct WorkspaceFs {
    client: Client,
    /// None only for the in-process agent of the unit tests.
    helper: Option<(Docker, Helper)>,
    volume: String,
}

impl WorkspaceFs {
    /// Imports the agent image if missing, starts a helper on `volume` and waits for its
    /// greeting. `extra_labels` go on the helper container (tests pass theirs so their sweep
    /// finds it; production passes none). The volume must exist: mounting a missing one
    /// would create it.
    pub async fn open(
        docker: &Docker,
        volume: &str,
        extra_labels: HashMap<String, String>,
    ) -> Result<Self, FsError> {
        Self::open_with(docker, volume, extra_labels, Access::ReadWrite).await
    }

    /// [`open`](Self::open) with the given access: [`Access::ReadOnly`] mounts the volume
    /// read-only in the helper, so the engine itself refuses every change (EROFS).
    pub async fn open_with(
        docker: &Docker,
        volume: &str,
        extra_labels: HashMap<String, String>,
        access: Access,
    ) -> Result<Self, FsError> {
        // The first call is the cheapest: an engine that does not answer it is stalled, and
        // the operator hears so within seconds instead of "Starting the file helper…" forever.
        let stalled =
            |what: &str, limit| FsError::Stalled(deadline::stalled(what, limit).to_string());
        match tokio::time::timeout(deadline::PROBE, docker.inspect_volume(volume)).await {
            Err(_) => return Err(stalled(&format!("inspecting {volume}"), deadline::PROBE)),
            Ok(Ok(_)) => {}
            Ok(Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            })) => return Err(FsError::NotFound(format!("no volume {volume}"))),
            Ok(Err(e)) => return Err(e.into()),
        }
        let start = async {
            let image = ensure_agent_image(docker).await?;
            helper::start(docker, &image, volume, extra_labels, access).await
        };
        // A helper half made when the deadline hits carries the helper label: the next
        // start's reaping removes it.
        let (helper, io) = tokio::time::timeout(START_TIMEOUT, start)
            .await
            .map_err(|_| stalled("starting the file helper", START_TIMEOUT))??;
        match Client::connect(io.output, io.input, HELLO_TIMEOUT).await {
            Ok(client) => Ok(Self {
                client,
                helper: Some((docker.clone(), helper)),
                volume: volume.to_owned(),
            }),
            Err(e) => {
                let _ = helper::remove(docker, &helper.id).await;
                Err(e)
            }
        }
    }

    pub fn volume(&self) -> &str {
        &self.volume
    }

    /// The helper container's id (empty for the in-process test agent).
    pub fn container_id(&self) -> &str {
        self.helper.as_ref().map_or("", |(_, h)| h.id.as_str())
    }

    /// The helper container's name, `sandkasten-tui-fs-<volume>-<random>`.
    pub fn container_name(&self) -> &str {
        self.helper.as_ref().map_or("", |(_, h)| h.name.as_str())
    }

    /// The entries of `dir` (at most `limit` of them), directories first, then everything
    /// else, each by name bytes; `total` counts every entry, also those beyond `limit`. The
    /// agent reads the directory once and streams it in chunks, so neither side's frames grow
    /// with it; beyond `limit` the entries kept are the first readdir gave, not the first by
    /// name.
    pub async fn list(&self, dir: &FsPath, limit: u32) -> Result<Listing, FsError> {
        let mut entries = Vec::new();
        let end = self
            .client
            .call_streamed(&Request::List { dir, limit }, |chunk| {
                protocol::decode_listing_chunk(chunk, &mut entries)
            })
            .await?;
        let (total, _sent) = protocol::decode_listing_end(&end)?;
        let mut listing = Listing { total, entries };
        listing.sort();
        Ok(listing)
    }

    /// The entry itself (lstat: a symlink is described, not followed).
    pub async fn stat(&self, path: &FsPath) -> Result<Entry, FsError> {
        let reply = self.client.call(&Request::Stat { path }).await?;
        protocol::decode_entry(&reply)
    }

    /// Up to `len` bytes of a regular file from `offset` (fewer at its end), with the file's
    /// version; `u64::MAX` reads it whole. Large reads go in 32 MiB requests; if the file
    /// changes between them, the result is a conflict rather than a mix of two versions.
    pub async fn read(&self, path: &FsPath, offset: u64, len: u64) -> Result<FileData, FsError> {
        let mut out: Option<FileData> = None;
        let mut at = offset;
        let mut left = len;
        loop {
            let chunk = left.min(MAX_DATA as u64);
            let reply = self
                .client
                .call(&Request::Read {
                    path,
                    offset: at,
                    len: chunk,
                })
                .await?;
            let part = protocol::decode_read(&reply)?;
            let got = part.data.len() as u64;
            let whole = match out.as_mut() {
                None => out.insert(part),
                Some(whole) if whole.version == part.version => {
                    whole.data.extend_from_slice(&part.data);
                    whole
                }
                Some(_) => {
                    return Err(FsError::Conflict {
                        message: format!("{path}: changed while being read"),
                        current: Some(part.version),
                    });
                }
            };
            at += got;
            left -= got;
            if got < chunk || left == 0 {
                return Ok(FileData {
                    data: std::mem::take(&mut whole.data),
                    version: whole.version,
                });
            }
        }
    }

    /// Replaces the file's content atomically (temp file, fsync, rename), keeping its mode
    /// and owner; creates it when missing. With `expected`, fails with
    /// [`FsError::Conflict`] unless the file on disk is still that version. Returns the new
    /// version, to pass as `expected` next time.
    pub async fn write_atomic(
        &self,
        path: &FsPath,
        data: &[u8],
        expected: Option<Version>,
    ) -> Result<Version, FsError> {
        self.write(path, data, expected, false).await
    }

    /// Creates the file with `data`, only if nothing has its name: [`FsError::AlreadyExists`]
    /// otherwise, even when something took the name a moment ago (the agent links the new
    /// file into place, which never replaces). Mode 0644, the directory's owner.
    pub async fn create_new(&self, path: &FsPath, data: &[u8]) -> Result<Version, FsError> {
        self.write(path, data, None, true).await
    }

    /// One write request: the whole content in one frame, so it is refused here when too big.
    async fn write(
        &self,
        path: &FsPath,
        data: &[u8],
        expected: Option<Version>,
        create_new: bool,
    ) -> Result<Version, FsError> {
        if data.len() > MAX_DATA {
            return Err(FsError::Refused(format!(
                "{path}: {} bytes, more than one save can hold (32 MiB)",
                data.len()
            )));
        }
        let reply = self
            .client
            .call(&Request::Write {
                path,
                expected,
                create_new,
                data,
            })
            .await?;
        protocol::decode_version(&reply)
    }

    /// Creates one directory (its parent must exist).
    pub async fn mkdir(&self, path: &FsPath) -> Result<(), FsError> {
        let reply = self.client.call(&Request::Mkdir { path }).await?;
        protocol::decode_empty(&reply)
    }

    /// Renames or moves an entry (a symlink is moved itself). An existing `to` is refused
    /// with [`FsError::AlreadyExists`] unless `overwrite`.
    pub async fn rename(&self, from: &FsPath, to: &FsPath, overwrite: bool) -> Result<(), FsError> {
        let reply = self
            .client
            .call(&Request::Rename {
                from,
                to,
                overwrite,
            })
            .await?;
        protocol::decode_empty(&reply)
    }

    /// Removes a file, a symlink (never what it points to) or a directory; a non-empty
    /// directory needs `recursive` ([`FsError::NotEmpty`] otherwise).
    pub async fn remove(&self, path: &FsPath, recursive: bool) -> Result<(), FsError> {
        self.remove_if(path, recursive, None).await
    }

    /// [`Self::remove`], only while the name holds `meant` (the file listed): one put at that
    /// name since is kept, and the answer is [`FsError::Conflict`].
    pub async fn remove_if(
        &self,
        path: &FsPath,
        recursive: bool,
        meant: Option<Identity>,
    ) -> Result<(), FsError> {
        let request = Request::Remove {
            path,
            recursive,
            meant,
        };
        let reply = self.client.call(&request).await?;
        protocol::decode_empty(&reply)
    }

    /// Size, file count and newest modification below `dir`, by the same rules as the
    /// workspace sizes (regular files once per inode, symlinks not followed).
    pub async fn walk(&self, dir: &FsPath) -> Result<DirStats, FsError> {
        let reply = self.client.call(&Request::Walk { dir }).await?;
        protocol::decode_walk(&reply)
    }

    /// Closes the stream (the agent exits) and removes the helper container.
    pub async fn close(mut self) -> Result<(), FsError> {
        self.client.shutdown().await;
        match self.helper.take() {
            Some((docker, helper)) => helper::remove(&docker, &helper.id).await,
            None => Ok(()),
        }
    }

    #[cfg(test)]
    fn in_process(client: Client) -> Self {
        Self {
            client,
            helper: None,
            volume: String::new(),
        }
    }
}

impl Drop for WorkspaceFs {
    fn drop(&mut self) {
        let Some((docker, helper)) = self.helper.take() else {
            return;
        };
        // Without a runtime there is nothing to run the removal on; the engine's auto-remove
        // takes over once the agent sees its stdin close.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let _ = helper::remove(&docker, &helper.id).await;
            });
        }
    }
}
