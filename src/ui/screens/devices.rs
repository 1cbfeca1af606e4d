//! The Devices step: the discovery's progress, then the devices as a filterable list to
//! select and adopt, with the adoption's progress and each device's result.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, ListItem, Paragraph, Wrap};

use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::{boxed_paragraph, highlighted, spinner, text_field, windowed_list};
use iotmi_core::flow::{DiscoveryState, Notice};
use iotmi_core::service::DiscoveredDevice;

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let model = &app.flow;
    let ui = &app.ui;
    let Some(view) = &model.devices() else {
        return;
    };
    let title = format!("Devices of {}", view.association_name);
    let status = match &view.discovery {
        DiscoveryState::Idle => Line::from("Enter discovers the devices of this account."),
        DiscoveryState::Starting { .. } => {
            Line::from(format!("{} Starting a discovery…", spinner(ui.spinner)))
        }
        DiscoveryState::Running { id, started, .. } => {
            let secs = model.now().saturating_duration_since(*started).as_secs();
            Line::from(format!(
                "{} Discovering through the connector… {}:{:02}  ({id})",
                spinner(ui.spinner),
                secs / 60,
                secs % 60
            ))
        }
        DiscoveryState::Listing { .. } => Line::from(format!(
            "{} Listing the devices found… {}",
            spinner(ui.spinner),
            view.items.len()
        )),
        DiscoveryState::Done { .. } => {
            let managed = view
                .items
                .iter()
                .filter(|d| d.managed_thing_id.is_some())
                .count();
            Line::from(vec![
                Span::styled(format!("✓ Found {} devices", view.items.len()), theme.ok()),
                Span::styled(
                    format!(
                        " · {managed} already managed · {} selected",
                        view.selected.len()
                    ),
                    theme.dim(),
                ),
            ])
        }
        DiscoveryState::Failed(why) => Line::from(Span::styled(
            format!("✗ {why} (Enter tries again)"),
            theme.error(),
        )),
    };
    if !matches!(view.discovery, DiscoveryState::Done { .. }) {
        boxed_paragraph(frame, area, &title, vec![status], theme);
        return;
    }
    let [
        status_area,
        filter_area,
        list_area,
        progress_area,
        message_area,
    ] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(status), status_area);
    text_field(
        frame,
        filter_area,
        Line::from(vec![
            Span::raw("Filter (/)"),
            Span::styled(
                format!(" {}/{} ", view.matches.len(), view.items.len()),
                theme.dim(),
            ),
        ]),
        &ui.devices_filter,
        ui.devices_filter_focused,
        theme,
    );
    let filter = ui.devices_filter.value();
    let adoption = view.adoption.as_ref();
    let row = |d: &DiscoveredDevice| {
        let id = &d.connector_device_id;
        let mark = if d.managed_thing_id.is_some() {
            Span::styled("[✓] ", theme.ok())
        } else if adoption.is_some_and(|a| a.in_flight.contains(id)) {
            Span::raw("[…] ")
        } else if adoption.is_some_and(|a| a.failed.contains_key(id)) {
            Span::styled("[✗] ", theme.error())
        } else if view.selected.contains(id) {
            Span::styled("[x] ", theme.key())
        } else {
            Span::raw("[ ] ")
        };
        let mut spans = vec![mark];
        spans.extend(highlighted(&d.name, filter, Style::new(), theme.matched()));
        spans.push(Span::styled(
            format!("  {} {} · {}", d.brand, d.model, d.device_types.join(", ")),
            theme.dim(),
        ));
        if let Some(thing) = &d.managed_thing_id {
            spans.push(Span::styled(format!("  managed {thing}"), theme.ok()));
        }
        ListItem::new(Line::from(spans))
    };
    windowed_list(
        frame,
        list_area,
        "Devices",
        (&view.items, &view.matches, ui.devices_cursor),
        &ui.devices_window,
        row,
        theme,
    );
    if let Some(adoption) = adoption {
        let settled = adoption.done.len() + adoption.failed.len();
        let ratio = if adoption.total == 0 {
            1.0
        } else {
            settled as f64 / adoption.total as f64
        };
        frame.render_widget(
            Gauge::default()
                .gauge_style(theme.ok())
                .ratio(ratio.min(1.0))
                .label(format!(
                    "adopting {settled}/{}{}",
                    adoption.total,
                    if adoption.failed.is_empty() {
                        String::new()
                    } else {
                        format!(" · {} failed", adoption.failed.len())
                    }
                )),
            progress_area,
        );
    }
    let message = match &view.message {
        Some(Notice::Error(error)) => {
            Line::from(Span::styled(format!(" ✗ {error}"), theme.error()))
        }
        Some(Notice::Info(info)) => Line::from(Span::styled(format!(" ✓ {info}"), theme.ok())),
        None => Line::from(""),
    };
    frame.render_widget(
        Paragraph::new(message).wrap(Wrap { trim: true }),
        message_area,
    );
}
