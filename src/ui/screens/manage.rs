use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{ListItem, Paragraph};

use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::{
    boxed_paragraph, error_lines, highlighted, key_line, labelled, spinner, text_field,
    windowed_list,
};
use iotmi_core::flow::{Load, Notice};
use iotmi_core::service::AssociationState;

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let view = &model.manage();
    if let Load::Failed(error) = &view.load {
        let lines = error_lines(error, &model.target().profile, &[("g", "retry")], theme);
        boxed_paragraph(
            frame,
            area,
            "Could not list account associations",
            lines,
            theme,
        );
        return;
    }
    let [filter_area, main, message_area] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let count = match (&view.load, view.more) {
        (Load::Loading, _) => format!(" {} loading… ", spinner(ui.spinner)),
        (_, true) => format!(
            " {}/{} · {} loading more… ",
            view.matches.len(),
            view.items.len(),
            spinner(ui.spinner)
        ),
        _ => format!(" {}/{} ", view.matches.len(), view.items.len()),
    };
    let title = Line::from(vec![
        Span::raw("Filter (/)"),
        Span::styled(count, theme.dim()),
    ]);
    match &ui.delete_input {
        Some(input) => text_field(
            frame,
            filter_area,
            Line::from("Type the name to confirm the delete"),
            input,
            true,
            theme,
        ),
        None => text_field(
            frame,
            filter_area,
            title,
            &ui.manage_filter,
            ui.manage_filter_focused,
            theme,
        ),
    }

    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main);
    let filter = ui.manage_filter.value();
    let row = |a: &iotmi_core::service::AssociationSummary| {
        let name = if a.name.is_empty() {
            a.id.clone()
        } else {
            a.name.clone()
        };
        let mut spans = vec![if view.selected.contains(&a.id) {
            Span::styled("[x] ", theme.key())
        } else if view.selected.is_empty() {
            Span::raw("")
        } else {
            Span::raw("[ ] ")
        }];
        spans.extend(highlighted(&name, filter, Style::new(), theme.matched()));
        spans.push(Span::styled(
            format!("  {}", short_state(&a.state)),
            theme.dim(),
        ));
        if let Some(counts) = &view.thing_counts {
            let count = counts.get(&a.id).copied().unwrap_or(0);
            spans.push(Span::styled(
                format!(" · {count} thing{}", if count == 1 { "" } else { "s" }),
                theme.dim(),
            ));
        }
        ListItem::new(Line::from(spans))
    };
    windowed_list(
        frame,
        left,
        "Associations",
        (&view.items, &view.matches, ui.manage_cursor),
        &ui.manage_window,
        row,
        theme,
    );

    let mut lines = Vec::new();
    if let Some(a) = app.highlighted_association() {
        // What matters first, so a 60x16 window keeps it: name, state, what can be done.
        lines.push(Line::from(Span::styled(
            if a.name.is_empty() {
                "(no name)".into()
            } else {
                a.name.clone()
            },
            theme.title(),
        )));
        lines.push(labelled("state", a.state.to_string(), theme));
        let mut actions = Vec::new();
        match a.state {
            AssociationState::InProgress => actions.push(("a", "authorize")),
            AssociationState::RefreshTokenExpired => actions.push(("r", "refresh")),
            AssociationState::Failed => actions.push(("n", "retry as new")),
            AssociationState::Succeeded => actions.push(("f", "devices")),
            _ => {}
        }
        actions.push(("d", "delete"));
        lines.push(key_line(&actions, theme));
        if let Some(message) = &a.error_message {
            lines.push(labelled("error", message.clone(), theme));
        }
        lines.push(labelled("id", a.id.clone(), theme));
        lines.push(labelled("destination", a.destination_id.clone(), theme));
        if let Some(detail) = view.detail.as_ref().filter(|d| d.id == a.id) {
            if !detail.description.is_empty() {
                lines.push(labelled("description", detail.description.clone(), theme));
            }
            let tags: Vec<String> = detail
                .tags
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            lines.push(labelled(
                "tags",
                if tags.is_empty() {
                    "(none)".into()
                } else {
                    tags.join(", ")
                },
                theme,
            ));
            if let Some(material) = &detail.auth_material {
                lines.push(labelled("auth material", material.clone(), theme));
            }
        } else {
            lines.push(Line::from(Span::styled(
                "Enter shows its tags and details",
                theme.dim(),
            )));
        }
    } else if view.load == Load::Loaded {
        lines.push(Line::from(if view.items.is_empty() {
            "No account associations in this account and region yet."
        } else {
            "Nothing matches the filter (Esc clears it)."
        }));
    }
    boxed_paragraph(frame, right, "Details", lines, theme);

    let message = match &view.message {
        Some(Notice::Error(error)) => {
            Line::from(Span::styled(format!(" ✗ {error}"), theme.error()))
        }
        Some(Notice::Info(info)) => Line::from(Span::styled(format!(" {info}"), theme.ok())),
        None => Line::from(""),
    };
    frame.render_widget(Paragraph::new(message), message_area);
}

fn short_state(state: &AssociationState) -> &str {
    match state {
        AssociationState::InProgress => "in progress",
        AssociationState::Failed => "failed",
        AssociationState::Succeeded => "succeeded",
        AssociationState::Deleting => "deleting",
        AssociationState::RefreshTokenExpired => "token expired",
        AssociationState::Unknown(other) => other,
    }
}
