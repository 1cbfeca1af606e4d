//! `iotmi-onboard report [--filter TEXT] [--output table|json|csv] [--concurrency N]`: every
//! association of the account (all pages), filtered as `list associations --filter` filters,
//! then gathered by [`crate::report`] (the code Manage's `w` runs too) and printed on stdout;
//! progress and a closing count of calls and throttles on stderr.

use std::io::Write;

use crate::cli::ReportArgs;
use crate::output::report as report_error;
use crate::progress::Counting;
use crate::report::Gatherer;
use crate::session::Connection;
use iotmi_core::exit;
use iotmi_core::filter::{association_haystack, filter_matches};
use iotmi_core::report::render;
use iotmi_core::service::AssociationSummary;
use iotmi_core::text::elapsed_text;

pub async fn run(connection: Connection, args: ReportArgs) -> anyhow::Result<i32> {
    let started = std::time::Instant::now();
    let gatherer = Gatherer::new(connection.service.clone());
    let listed = match gatherer.associations().await {
        Ok(listed) => listed,
        Err(error) => return Ok(report_error(&error, &connection.target)),
    };
    let filter = args.filter.unwrap_or_default();
    let chosen: Vec<AssociationSummary> = listed
        .iter()
        .filter(|a| filter_matches(&association_haystack(a), &filter))
        .cloned()
        .collect();
    if chosen.len() == listed.len() {
        stderr_line!("{} association(s) to report.", listed.len());
    } else {
        stderr_line!(
            "{} of {} association(s) match the filter.",
            chosen.len(),
            listed.len()
        );
    }
    let mut progress = Counting::new("associations");
    let (rows, stats) = match gatherer
        .rows(&chosen, usize::from(args.concurrency), |p| {
            progress.tick(p.done, p.total, p.rate)
        })
        .await
    {
        Ok(gathered) => gathered,
        Err(error) => return Ok(report_error(&error, &connection.target)),
    };
    let text = render(&rows, args.output);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    if stats.vanished > 0 {
        stderr_line!(
            "{} association(s) were deleted while the report was gathered: left out.",
            stats.vanished
        );
    }
    stderr_line!(
        "Reported {} association(s) in {}: {} calls, {} throttled, {:.1} calls/s at the end.",
        rows.len(),
        elapsed_text(started.elapsed()),
        stats.calls,
        stats.throttles,
        stats.rate
    );
    Ok(exit::OK)
}
