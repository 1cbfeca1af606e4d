use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::ListItem;

use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::{
    boxed_paragraph, error_lines, highlighted, labelled, spinner, text_field, windowed_list,
};
use iotmi_core::flow::{DetailLoad, Load};

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let list = &model.destinations();
    if let Load::Failed(error) = &list.load {
        let lines = error_lines(
            error,
            &model.target().profile,
            &[("r", "retry"), ("Ctrl-C", "quit")],
            theme,
        );
        boxed_paragraph(
            frame,
            area,
            "Could not list connector destinations",
            lines,
            theme,
        );
        return;
    }
    let [filter_area, main] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    let count = if list.load == Load::Loading {
        format!(" {} loading… ", spinner(ui.spinner))
    } else if list.more {
        format!(
            " {}/{} · {} loading more… ",
            list.matches.len(),
            list.items.len(),
            spinner(ui.spinner)
        )
    } else {
        format!(" {}/{} ", list.matches.len(), list.items.len())
    };
    let title = Line::from(vec![Span::raw("Filter"), Span::styled(count, theme.dim())]);
    text_field(
        frame,
        filter_area,
        title,
        &ui.destination_filter,
        true,
        theme,
    );

    if list.load == Load::Loaded && list.items.is_empty() {
        let lines = vec![
            Line::from(Span::styled(
                "This account has no connector destinations yet.",
                theme.warn(),
            )),
            Line::from(""),
            Line::from(
                "An account association connects through a connector destination. Create one first:",
            ),
            Line::from(Span::styled(
                "  aws iot-managed-integrations create-connector-destination --cloud-connector-id … --auth-type OAUTH …",
                theme.key(),
            )),
            Line::from(
                "or in the AWS console: IoT Device Management › Managed integrations › Cloud connectors.",
            ),
            Line::from(""),
            Line::from(
                "Check that the profile, account and region in the header are the ones you meant.",
            ),
        ];
        boxed_paragraph(frame, main, "No destinations", lines, theme);
        return;
    }

    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main);
    let filter = ui.destination_filter.value();
    let row = |d: &iotmi_core::service::DestinationSummary| {
        let connector = model
            .connector_name(&d.cloud_connector_id)
            .unwrap_or(&d.cloud_connector_id);
        let mut spans = highlighted(&d.name, filter, Style::new(), theme.matched());
        spans.push(Span::styled("  ", theme.dim()));
        spans.extend(highlighted(connector, filter, theme.dim(), theme.matched()));
        ListItem::new(Line::from(spans))
    };
    windowed_list(
        frame,
        left,
        "Destinations",
        (&list.items, &list.matches, ui.destination_cursor),
        &ui.destination_window,
        row,
        theme,
    );

    let mut lines = Vec::new();
    match app.highlighted_destination() {
        Some(d) => {
            lines.push(Line::from(Span::styled(d.name.clone(), theme.title())));
            lines.push(labelled("id", d.id.clone(), theme));
            let connector = model.connector_name(&d.cloud_connector_id).unwrap_or("…");
            lines.push(labelled(
                "connector",
                format!("{connector} ({})", d.cloud_connector_id),
                theme,
            ));
            lines.push(Line::from(""));
            lines.push(Line::from(d.description.clone()));
        }
        None if list.load == Load::Loading => lines.push(Line::from(format!(
            "{} Loading destinations…",
            spinner(ui.spinner)
        ))),
        None => lines.push(Line::from(Span::styled(
            "Nothing matches the filter (Esc clears it).",
            theme.warn(),
        ))),
    }
    match &list.detail {
        DetailLoad::Loading { .. } => {
            lines.push(Line::from(""));
            lines.push(Line::from(format!(
                "{} Fetching its authorization settings…",
                spinner(ui.spinner)
            )));
        }
        DetailLoad::Failed { id, error } => {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                format!("Could not fetch {id}:"),
                theme.error(),
            )));
            lines.extend(error_lines(
                error,
                &model.target().profile,
                &[("Enter", "retry")],
                theme,
            ));
        }
        DetailLoad::Idle => {}
    }
    boxed_paragraph(frame, right, "Details", lines, theme);
}
