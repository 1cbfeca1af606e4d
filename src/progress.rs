//! Progress lines on stderr while an association is followed, shared by plain mode and the
//! scripted commands (`create --wait`, `status --wait`): the hand-over of the consent URL, each
//! state change with the time since waiting began, poll errors once per kind, and a "still"
//! line when nothing changed for half a minute. Everything from the service is sanitised.

use std::time::Duration;

use tokio::time::Instant;

use iotmi_core::flow::command_line;
use iotmi_core::flow::{BrowserNote, Flow};
use iotmi_core::service::AssociationState;
use iotmi_core::text::{elapsed_text, sanitize};
use iotmi_core::url_policy::SkipReason;

/// How often a "still waiting" line is printed when nothing changes.
pub const NOTE_EVERY: Duration = Duration::from_secs(30);

pub struct Progress {
    state: Option<AssociationState>,
    started: Option<Instant>,
    /// The retry last announced (its attempt number).
    retry_attempt: Option<u32>,
    /// The reason a wait ended without a final state was said.
    lost_said: bool,
    last_line: Option<Instant>,
    /// `--wait-timeout`, named in the first line (plain mode asks instead of giving up).
    give_up_after: Option<Duration>,
}

impl Progress {
    pub fn new(give_up_after: Option<Duration>) -> Self {
        Self {
            state: None,
            started: None,
            retry_attempt: None,
            lost_said: false,
            last_line: None,
            give_up_after,
        }
    }

    fn say(&mut self, line: &str) {
        stderr_line!("{line}");
        self.last_line = Some(Instant::now());
    }

    fn elapsed(&self) -> String {
        elapsed_text(self.started.map_or(Duration::ZERO, |s| s.elapsed()))
    }

    /// The association was created (or found): its id, the URL on a line of its own, what
    /// happened with the browser, then its state.
    pub fn hand_over(&mut self, flow: &Flow) {
        // Only a create says "Created": a refresh or a followed association was not.
        if let Some(tracked) = &flow.association() {
            let verb = if flow.created_here() {
                "Created"
            } else {
                "Following"
            };
            self.say(&format!("{verb} {} ({}).", tracked.id, tracked.state));
        }
        if let Some(url) = iotmi_core::flow::shown_url(flow) {
            if let Some((host, connector)) = iotmi_core::flow::sign_in(flow) {
                let by = connector.map(|c| format!(" ({c})")).unwrap_or_default();
                self.say(&format!("You will sign in at {host}{by}."));
            }
            // A loopback URL over SSH is out of reach until its port is forwarded: that first.
            let over_ssh = iotmi_core::flow::loopback_over_ssh(flow);
            if let Some(over) = &over_ssh {
                self.say(&over.unreachable());
                let (before, tunnel, after) = over.tunnel_line();
                self.say(&format!("{before}`{tunnel}`{after}"));
                if let Some(per_run) = over.per_run() {
                    self.say(&per_run);
                }
            }
            self.say("Open this URL to authorize the account:");
            self.say(&url);
        }
        // Over SSH with a loopback URL the tunnel above is the advice; the skipped launch's
        // usual one (copy or scan) would lead nowhere.
        let tunnel_said = iotmi_core::flow::loopback_over_ssh(flow).is_some()
            && matches!(flow.browser(), BrowserNote::Skipped(SkipReason::OverSsh));
        if let Some(note) = browser_note(flow).filter(|_| !tunnel_said) {
            self.say(&note);
        }
        self.report(flow);
    }

    /// A state change or a new kind of poll error since the last call.
    pub fn report(&mut self, flow: &Flow) {
        let Some(tracked) = &flow.association() else {
            return;
        };
        let retrying = flow.polling().as_ref().and_then(|p| p.retrying.as_ref());
        if retrying.map(|r| r.attempt) != self.retry_attempt {
            self.retry_attempt = retrying.map(|r| r.attempt);
            if let Some(retrying) = retrying {
                let line = format!("[{}] {}", self.elapsed(), retrying.line());
                self.say(&line);
            }
        }
        if let Some(error) = &tracked.lost {
            if !self.lost_said {
                self.lost_said = true;
                let (what, remedy) = iotmi_core::flow::retry::ended_explanation(error);
                self.say(&format!("[{}] {what}", self.elapsed()));
                self.say(remedy);
            }
            return;
        }
        if self.state.as_ref() == Some(&tracked.state) {
            return;
        }
        if self.state.is_none() && !tracked.state.is_final() {
            self.started = Some(Instant::now());
            let limit = self
                .give_up_after
                .map(|t| format!("; giving up after {}", elapsed_text(t)))
                .unwrap_or_default();
            self.say(&format!(
                "Waiting for {} to reach a final state (now {}{limit}).",
                tracked.id, tracked.state
            ));
            // Said before it is needed: a Ctrl-C ends the run at once.
            if let Some([ours, _]) = command_line::check_later(flow.target(), &tracked.id) {
                self.say(&format!(
                    "Ctrl-C stops waiting and leaves it as it is: `{ours}` shows it later."
                ));
            }
        } else {
            let line = format!("[{}] {}", self.elapsed(), tracked.state);
            self.say(&line);
        }
        if let Some(message) = &tracked.error_message {
            self.say(&format!("error: {}", sanitize(message)));
        }
        self.state = Some(tracked.state.clone());
    }

    /// "still STATE" when nothing was printed for [`NOTE_EVERY`] while waiting.
    pub fn still(&mut self, flow: &Flow) {
        let (Some(state), Some(last)) = (&self.state, self.last_line) else {
            return;
        };
        if flow.polling().is_some() && last.elapsed() >= NOTE_EVERY {
            let line = format!("[{}] still {state}", self.elapsed());
            self.say(&line);
        }
    }
}

/// What happened with the browser, as one line.
pub fn browser_note(flow: &Flow) -> Option<String> {
    match flow.browser() {
        BrowserNote::Refused(why) => Some(format!("Not opening the URL: {why}")),
        BrowserNote::Skipped(reason) => Some(iotmi_core::flow::browser_skipped_line(flow, *reason)),
        BrowserNote::LaunchFailed(why) => Some(format!(
            "Could not open a browser ({}): open the URL yourself.",
            sanitize(why)
        )),
        BrowserNote::Opening => Some("Opening the URL in a browser.".into()),
        BrowserNote::Opened => Some("Opened the URL in a browser.".into()),
        BrowserNote::None => None,
    }
}

/// A batch's progress on stderr, for the command and plain mode: on a terminal a bar with
/// counts, the rate and the ETA, and a line for each row that ends or needs consent; otherwise
/// those lines alone, and a rate line whenever the service throttles.
pub struct BatchProgress {
    bar: Option<indicatif::ProgressBar>,
    /// What was said of each row last.
    said: Vec<&'static str>,
    throttles_said: u64,
    /// Consent URLs go to stderr as rows need them (plain mode and the command print them).
    show_urls: bool,
}

impl BatchProgress {
    /// `terminal`: stderr is one (a bar can redraw itself there).
    pub fn new(rows: usize, terminal: bool, show_urls: bool) -> Self {
        let bar = terminal.then(|| {
            let bar = indicatif::ProgressBar::new(rows as u64);
            bar.set_style(
                // The message last, cut to the terminal's width rather than wrapped.
                indicatif::ProgressStyle::with_template(
                    "{bar:20} {pos}/{len} rows · ETA {eta} · {wide_msg}",
                )
                .expect("a valid template"),
            );
            bar
        });
        Self {
            bar,
            said: vec![""; rows],
            throttles_said: 0,
            show_urls,
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => stderr_line!("{text}"),
        }
    }

    /// Says what changed since the last call.
    pub fn update(&mut self, run: &iotmi_core::flow::BatchRun) {
        use iotmi_core::flow::{RowState, row_state_label};
        for (index, row) in run.rows().iter().enumerate() {
            let label = row_state_label(row);
            if self.said[index] == label {
                continue;
            }
            self.said[index] = label;
            if matches!(row.state, RowState::Queued | RowState::Sending) {
                continue;
            }
            // Under a bar, only rows that need the operator: failed ones and consent pages.
            // A log (no terminal) gets every row.
            let notable = !matches!(
                row.state,
                RowState::Made(iotmi_core::service::AssociationState::Succeeded)
                    | RowState::Made(iotmi_core::service::AssociationState::InProgress)
            ) || run.consent_url(index).is_some();
            if self.bar.is_some() && !notable {
                continue;
            }
            let name = sanitize(row.row.draft.name.as_deref().unwrap_or_default()).into_owned();
            let id = row.association_id.as_deref().unwrap_or("-");
            let earlier = if row.already {
                " (made by an earlier run)"
            } else {
                ""
            };
            let mut text = format!("line {}: {name}: {label}{earlier} {id}", row.row.line);
            if let Some(error) = &row.error
                && !row.in_progress()
            {
                text.push_str(&format!(": {}", sanitize(error)));
            }
            if self.show_urls
                && let Some(url) = run.consent_url(index)
            {
                text.push_str(&format!("\n  consent: {}", sanitize(&url)));
            }
            self.line(&text);
        }
        let rate = run.rate();
        if rate.throttles() > self.throttles_said {
            if self.bar.is_none() {
                self.line(&format!("rate: {}", rate.describe()));
            }
            self.throttles_said = rate.throttles();
        }
        if let Some(bar) = &self.bar {
            let tally = run.tally();
            bar.set_position(tally.done() as u64);
            let throttled = match rate.throttles() {
                0 => String::new(),
                n => format!(", {n} throttled"),
            };
            bar.set_message(format!(
                "{} ok · {} failed · {} in progress · {:.1} calls/s{throttled}",
                tally.succeeded,
                tally.failed,
                tally.in_progress,
                rate.rate()
            ));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A line now and then while many items are worked through (`report`): how many are done, the
/// rate in use and the throttles met. Every 2 s on a terminal, every 10 s in a log.
pub struct Counting {
    what: &'static str,
    started: Instant,
    last_line: Option<Instant>,
    every: Duration,
}

impl Counting {
    pub fn new(what: &'static str) -> Self {
        use std::io::IsTerminal;
        Self {
            what,
            started: Instant::now(),
            last_line: None,
            every: Duration::from_secs(if std::io::stderr().is_terminal() {
                2
            } else {
                10
            }),
        }
    }

    /// After each item; says so when it is time (and always for the last one).
    pub fn tick(&mut self, done: usize, total: usize, rate: &iotmi_core::rate::AdaptiveRate) {
        let due = self.last_line.is_none_or(|at| at.elapsed() >= self.every);
        if done < total && !due {
            return;
        }
        self.last_line = Some(Instant::now());
        stderr_line!(
            "[{}] {done}/{total} {} · {}",
            elapsed_text(self.started.elapsed()),
            self.what,
            rate.describe()
        );
    }
}
