//! What a finished run prints: the summary on stdout, and on stderr what became of the draft
//! and how to check an association later. Shared by the wizard and plain mode.

use std::io::Write;

use crate::cli::OutputFormat;
use iotmi_core::flow::{DraftFate, Outcome, Target};
use iotmi_core::service::AssociationState;

/// What became of a draft left unsubmitted, and how to get back to it.
pub fn print_draft_fate(draft: DraftFate, target: &Target) {
    match (draft, iotmi_core::flow::command::rerun(target)) {
        (DraftFate::None, _) => {}
        (DraftFate::Saved, Some(rerun)) => {
            eprintln!("Your draft is saved: run `{rerun}` to resume it.")
        }
        _ if target.demo => eprintln!("The draft is not kept: a demo keeps no journal."),
        _ => eprintln!("The draft is not kept: another run holds this profile's journal."),
    }
}

/// The summary on stdout (text `key  value` lines or JSON), and on stderr what became of the
/// draft or how to check an association left in progress, with this run's flags (never a
/// command aimed at a demo's simulator, gone with the run). Shared by the wizard and plain mode.
pub fn print_summary(
    outcome: &Outcome,
    target: &Target,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let Some(summary) = &outcome.summary else {
        if let Some(line) = outcome.without_summary_line() {
            eprintln!("{line}");
        }
        print_draft_fate(outcome.draft, target);
        print_demo_next_steps(target);
        return Ok(());
    };
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut stdout, summary)?;
            writeln!(stdout)?;
        }
        OutputFormat::Text => {
            // Values from the service: sanitised, stdout may be a terminal.
            let clean = |s: &str| iotmi_core::text::sanitize(s).into_owned();
            writeln!(stdout, "association-id  {}", clean(&summary.association_id))?;
            writeln!(stdout, "arn             {}", clean(&summary.arn))?;
            writeln!(stdout, "state           {}", summary.state)?;
            writeln!(stdout, "name            {}", clean(&summary.name))?;
            // A managed association's destination name is not looked up: show the id alone.
            match summary.destination_name.as_str() {
                "" => writeln!(stdout, "destination     {}", clean(&summary.destination_id))?,
                name => writeln!(
                    stdout,
                    "destination     {} ({})",
                    clean(&summary.destination_id),
                    clean(name)
                )?,
            }
            if let Some(message) = &summary.error_message {
                writeln!(stdout, "error           {}", clean(message))?;
            }
            if !summary.oauth_url.is_empty() {
                writeln!(stdout, "consent-url     {}", clean(&summary.oauth_url))?;
            }
            if let (Some(found), Some(adopted)) = (summary.devices_found, summary.devices_adopted) {
                writeln!(stdout, "devices-found   {found}")?;
                writeln!(stdout, "devices-adopted {adopted}")?;
            }
        }
    }
    if !matches!(
        summary.state,
        AssociationState::Succeeded | AssociationState::Failed
    ) {
        match iotmi_core::flow::command::check_later(target, &summary.association_id) {
            Some([ours, aws]) => {
                eprintln!("Left {}. Check it later with", summary.state);
                eprintln!("  {ours}");
                eprintln!("  {aws}");
            }
            None => eprintln!(
                "Left {} in the demo's simulator, which stops now: there is nothing to check later.",
                summary.state
            ),
        }
    }
    print_demo_next_steps(target);
    Ok(())
}

/// After a demo: only what works once its simulator is gone.
pub fn print_demo_next_steps(target: &Target) {
    if target.demo {
        for line in iotmi_core::flow::command::demo_next_steps() {
            eprintln!("{line}");
        }
    }
}
