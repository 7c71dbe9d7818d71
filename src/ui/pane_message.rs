//! What a pane says when it has no rows to show: connecting, engine down, loading, empty, or
//! nothing matching the filter.

use ratatui::text::{Line, Span};

use crate::app::state::{EngineStatus, State};
use crate::ui::theme;

pub fn message(
    state: &State,
    rows: usize,
    filter: &str,
    empty: &'static str,
) -> Option<Vec<Line<'static>>> {
    if !state.loaded {
        return Some(match &state.engine {
            EngineStatus::Connecting { endpoint } => {
                vec![Line::from(format!(
                    "Connecting to the Docker engine at {endpoint}…"
                ))]
            }
            EngineStatus::Unreachable {
                endpoint,
                reason,
                attempt,
                retry_in_ms,
            } => engine_down_lines(endpoint, reason, *attempt, *retry_in_ms),
            EngineStatus::Connected(_) => vec![Line::from("Loading…")],
        });
    }
    if rows > 0 {
        return None;
    }
    Some(if filter.is_empty() {
        vec![Line::from(empty)]
    } else {
        vec![
            Line::from(format!("Nothing matches the filter “{filter}”.")),
            Line::from(Span::styled("esc clears it", theme::dim())),
        ]
    })
}

pub fn engine_down_lines(
    endpoint: &str,
    reason: &str,
    attempt: u32,
    retry_in_ms: u64,
) -> Vec<Line<'static>> {
    vec![
        Line::from(Span::styled(
            format!("Docker engine unreachable at {endpoint}"),
            theme::error(),
        )),
        Line::from(reason.to_owned()),
        Line::from(Span::styled(
            format!(
                "Retrying by itself in {:.1}s (attempt {attempt}). Is dockerd running, and is DOCKER_HOST right?",
                retry_in_ms as f64 / 1000.0
            ),
            theme::dim(),
        )),
    ]
}
