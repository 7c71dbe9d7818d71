//! The detail pane: everything known about the selected session or workspace.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::state::{DetailState, Pane, State};
use crate::app::workspace_row::WorkspaceRow;
use crate::domain::session::{Session, SessionDetail, SessionWorkspace};
use crate::format;
use crate::ui::theme;

fn field<'a>(name: &'a str, value: impl Into<Span<'a>>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<11}"), theme::label()),
        value.into(),
    ])
}

fn section(name: &str) -> Line<'_> {
    Line::from(Span::styled(name, theme::label()))
}

fn labels_lines<'a>(labels: impl Iterator<Item = (&'a String, &'a String)>) -> Vec<Line<'a>> {
    labels
        .map(|(k, v)| {
            Line::from(vec![
                Span::raw("  "),
                Span::styled(format!("{k}="), theme::dim()),
                Span::raw(v.as_str()),
            ])
        })
        .collect()
}

fn limits_lines(detail: &SessionDetail) -> Vec<Line<'static>> {
    let cpu = detail
        .cpu_limit
        .map(|c| format!("{c:.2} CPU"))
        .unwrap_or_else(|| "no CPU limit".into());
    let mem = detail
        .memory_bytes
        .map(format::bytes)
        .map(|m| format!("{m} memory"))
        .unwrap_or_else(|| "no memory limit".into());
    let pids = detail
        .pids_limit
        .map(|p| format!("{p} pids"))
        .unwrap_or_else(|| "no pids limit".into());
    let mut hardening = Vec::new();
    if detail.readonly_rootfs {
        hardening.push("read-only rootfs".to_owned());
    }
    if !detail.cap_drop.is_empty() {
        hardening.push(format!("cap-drop {}", detail.cap_drop.join(",")));
    }
    if !detail.cap_add.is_empty() {
        hardening.push(format!("cap-add {}", detail.cap_add.join(",")));
    }
    hardening.extend(detail.security_opt.iter().cloned());
    if detail.init {
        hardening.push("init".into());
    }
    let tmpfs: Vec<&str> = detail.tmpfs.keys().map(String::as_str).collect();
    let mut lines = vec![
        field("Limits", format!("{cpu} · {mem} · {pids}")),
        field(
            "Security",
            if hardening.is_empty() {
                Span::styled("none (not hardened)", theme::warn())
            } else {
                Span::raw(hardening.join(" · "))
            },
        ),
        field("Network", detail.network_mode.clone()),
        field(
            "Tmpfs",
            if tmpfs.is_empty() {
                "-".to_owned()
            } else {
                tmpfs.join(", ")
            },
        ),
    ];
    if detail.started_at.is_some() {
        lines.push(field(
            "Started",
            format!("{} UTC", format::datetime(detail.started_at)),
        ));
    }
    if let (Some(_), Some(code)) = (detail.finished_at, detail.exit_code) {
        lines.push(field(
            "Finished",
            format!("{} UTC (exit {code})", format::datetime(detail.finished_at)),
        ));
    }
    lines
}

fn session_lines<'a>(session: &'a Session, state: &'a State) -> Vec<Line<'a>> {
    let short_id: String = session.container_id.chars().take(12).collect();
    let workspace = match &session.workspace {
        SessionWorkspace::Persistent(id) => format!("{id} (persistent, survives the session)"),
        SessionWorkspace::Ephemeral { volume: Some(v) } => format!("ephemeral ({v})"),
        SessionWorkspace::Ephemeral { volume: None } => "ephemeral".to_owned(),
    };
    let mut lines = vec![
        field("Session", session.id.as_str()),
        field("Container", format!("{} ({short_id})", session.container)),
        field(
            "State",
            Span::styled(
                if session.status.eq_ignore_ascii_case(session.state.as_str()) {
                    session.status.clone()
                } else {
                    format!("{} — {}", session.state.as_str(), session.status)
                },
                theme::state(session.state),
            ),
        ),
        field("Image", session.image.as_str()),
        field(
            "Created",
            format!(
                "{} UTC ({} ago)",
                format::datetime(session.created_at),
                format::age(state.now, session.created_at)
            ),
        ),
        field("Workspace", workspace),
    ];
    if let Some(pool) = &session.pool {
        lines.push(field(
            "Pool",
            Span::styled(
                format!(
                    "{}, pooled {}",
                    pool.image.as_deref().unwrap_or("?"),
                    pool.pooled_at.as_deref().unwrap_or("?")
                ),
                theme::pool(),
            ),
        ));
    }
    match state.sessions.details.get(&session.container_id) {
        Some(DetailState::Ready { detail, .. }) => lines.extend(limits_lines(detail)),
        Some(DetailState::Failed { reason, .. }) => lines.push(field(
            "Limits",
            Span::styled(format!("inspect failed: {reason}"), theme::error()),
        )),
        Some(DetailState::Loading { .. }) | None => {
            lines.push(field("Limits", Span::styled("inspecting…", theme::dim())));
        }
    }
    lines.push(section("Mounts"));
    for m in &session.mounts {
        lines.push(Line::from(format!(
            "  {} {} → {} ({})",
            m.kind,
            m.source,
            m.destination,
            if m.read_write { "rw" } else { "ro" }
        )));
    }
    lines.push(section("Labels"));
    lines.extend(labels_lines(session.labels.iter()));
    lines
}

fn size_lines(row: &WorkspaceRow, state: &State) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    match (&row.measurement, &row.size_error) {
        (Some(m), _) => {
            let files = m
                .files
                .map(|f| format!(" in {f} files"))
                .unwrap_or_default();
            let quota = row
                .ws
                .quota_bytes
                .filter(|q| *q > 0)
                .map(|q| format!(" ({:.0}% of quota)", m.bytes as f64 * 100.0 / q as f64))
                .unwrap_or_default();
            lines.push(field(
                "Size",
                format!("{}{files}{quota}", format::bytes(m.bytes)),
            ));
            let modified = match m.newest_mtime {
                Some(t) => format!(
                    "{} UTC ({} ago)",
                    format::datetime(Some(t)),
                    format::age(state.now, Some(t))
                ),
                None if m.files == Some(0) => "empty".to_owned(),
                None => "unknown with this strategy".to_owned(),
            };
            lines.push(field("Modified", modified));
            // What the idle rule and the IDLE column judge, when it is not the newest
            // modification: restored mtimes (`tar x`, `touch -d`) do not make work look old.
            if m.has_activity()
                && let Some(t) = row.last_activity()
                && Some(t) != m.newest_mtime
            {
                lines.push(field(
                    "Activity",
                    format!(
                        "{} UTC ({} ago)",
                        format::datetime(Some(t)),
                        format::age(state.now, Some(t))
                    ),
                ));
            }
            let mut measured = format!("{} ago", format::age(state.now, Some(m.measured_at)));
            if let Some(strategy) = &state.workspaces.strategy {
                measured.push_str(&format!(" by {}", strategy.short()));
            }
            if row.measuring {
                measured.push_str(", measuring again…");
            }
            lines.push(field("Measured", Span::styled(measured, theme::dim())));
        }
        (None, Some(e)) => lines.push(field(
            "Size",
            Span::styled(format!("unknown: {e}"), theme::error()),
        )),
        (None, None) if row.measuring => {
            lines.push(field("Size", Span::styled("measuring…", theme::dim())))
        }
        (None, None) => lines.push(field(
            "Size",
            Span::styled("not measured (r)", theme::dim()),
        )),
    }
    lines
}

fn workspace_lines<'a>(row: &'a WorkspaceRow, state: &'a State) -> Vec<Line<'a>> {
    let ws = &row.ws;
    let kind = if ws.is_orphan() {
        Span::styled(
            "orphaned ephemeral storage: its session is gone",
            theme::warn(),
        )
    } else {
        Span::raw("persistent workspace")
    };
    let quota = match ws.quota_bytes {
        Some(q) => format::bytes(q),
        None => "none set by the driver".to_owned(),
    };
    let users = if ws.used_by.is_empty() {
        Span::styled("no session", theme::dim())
    } else {
        Span::raw(ws.used_by.join(", "))
    };
    let mut lines = vec![
        field("Workspace", ws.id.as_str()),
        field("Volume", ws.volume.as_str()),
        field("Kind", kind),
        field(
            "Created",
            format!(
                "{} UTC ({} ago)",
                format::datetime(ws.created_at),
                format::age(state.now, ws.created_at)
            ),
        ),
        field("Driver", ws.driver.as_str()),
        field("Mountpoint", ws.mountpoint.as_str()),
        field("Quota", quota),
        field("Used by", users),
    ];
    lines.extend(size_lines(row, state));
    if !ws.other_users.is_empty() {
        lines.push(field(
            "Also",
            Span::styled(
                format!("mounted by {} (not sandkasten)", ws.other_users.join(", ")),
                theme::warn(),
            ),
        ));
    }
    if !ws.options.is_empty() {
        lines.push(section("Options"));
        lines.extend(labels_lines(ws.options.iter()));
    }
    lines.push(section("Labels"));
    if ws.labels.is_empty() {
        lines.push(Line::from(Span::styled("  (none)", theme::dim())));
    }
    lines.extend(labels_lines(ws.labels.iter()));
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let (title, lines) = match state.focus {
        Pane::Sessions => (
            " Session ",
            state
                .selected_session()
                .map(|s| session_lines(s, state))
                .unwrap_or_default(),
        ),
        Pane::Workspaces => (
            " Workspace ",
            state
                .selected_workspace()
                .map(|w| workspace_lines(w, state))
                .unwrap_or_default(),
        ),
    };
    let lines = if lines.is_empty() {
        vec![Line::from(Span::styled("Nothing selected.", theme::dim()))]
    } else {
        lines
    };
    let block = Block::bordered()
        .title(title)
        .border_style(theme::border(false));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
