//! The editor: the textarea with line numbers, a title with the dirty marker, and a bottom
//! line with the cursor position, the line ending, and the search being typed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};

use crate::app::files::{EditorView, display_name};
use crate::app::state::State;
use crate::ui::theme;

pub fn draw(frame: &mut Frame, area: Rect, editor: &EditorView, state: &State) {
    frame.render_widget(Clear, area);
    let mut title = vec![Span::raw(format!(
        " {} ",
        display_name(editor.path.as_bytes())
    ))];
    if editor.dirty {
        title.push(Span::styled("[+] ", theme::warn()));
    }
    if editor.saving.is_some() {
        title.push(Span::styled("saving… ", theme::dim()));
    }
    if state.config.read_only {
        title.push(Span::styled("read-only ", theme::warn()));
    }
    let ratatui_textarea::DataCursor(row, col) = editor.textarea.cursor();
    let ending = editor.ending.label();
    let status = match &editor.search {
        Some(text) => Line::from(vec![
            Span::styled(" search: ", theme::key()),
            Span::raw(text.clone()),
            Span::styled("█ enter finds ", theme::dim()),
        ]),
        None => Line::from(Span::styled(
            format!(
                " Ln {}, Col {} · {} lines · {ending}{} ",
                row + 1,
                col + 1,
                editor.textarea.lines().len(),
                if editor.final_newline {
                    ""
                } else {
                    " · no final newline"
                }
            ),
            theme::dim(),
        )),
    };
    let block = Block::bordered()
        .title(Line::from(title))
        .title_bottom(status)
        .border_style(theme::border(true));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(&editor.textarea, inner);
}
