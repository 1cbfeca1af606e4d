//! What a line-by-line front end says about the flow: where it works and whose account that
//! is, the saved onboarding offered for resuming, the lists it numbers (profiles,
//! destinations, associations) and the Devices step's state changes. Sentences, not layout:
//! plain mode prints them as they are, a progress reporter may too; when to say them is the
//! front end's. Everything from the service or the user is sanitised here.

use super::Flow;
use super::destination::LIST_MAX;
use super::model::{Adoption, DevicesView, DiscoveryState, Identity, ManageView, Target};
use crate::service::Association;
use crate::text::sanitize;

/// Where the run works, for the opening line: the demo, an endpoint, or profile and region.
pub fn target_place(target: &Target) -> String {
    match &target.endpoint {
        Some(_) if target.demo => "DEMO: the built-in simulator; nothing real is created".into(),
        Some(endpoint) => format!("endpoint {}", sanitize(endpoint)),
        None => format!(
            "profile {}, region {}",
            sanitize(&target.profile),
            target
                .region
                .as_deref()
                .map_or("from the environment".into(), sanitize)
        ),
    }
}

/// How to pick from `count` numbered items: "1" alone, never "a number 1-1".
pub fn numbers(count: usize) -> String {
    match count {
        1 => "1".into(),
        _ => format!("a number 1-{count}"),
    }
}

/// A line front end's first two lines: what the run does and where, and how to answer it.
pub fn opening_lines(flow: &Flow) -> [String; 2] {
    let place = target_place(flow.target());
    let answering =
        "Plain mode: answer each question and press Enter. Ctrl-C or end of input quits.";
    if flow.batch().is_some() {
        return [
            format!("iotmi-onboard: create the account associations of a batch file ({place})."),
            "Plain mode: each row is said as it ends; the run ends by itself. Ctrl-C quits.".into(),
        ];
    }
    let what = match flow.opts().first {
        super::FirstScreen::Manage => "manage the account associations",
        _ => "create an account association",
    };
    [
        format!("iotmi-onboard: {what} ({place})."),
        answering.into(),
    ]
}

/// The tags of the draft as one line: `k=v, k2=v2`, or `none`.
pub fn tags_text(tags: &[(String, String)]) -> String {
    if tags.is_empty() {
        return "none".into();
    }
    let pairs: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
    sanitize(&pairs.join(", ")).into_owned()
}

/// The Tags step's introduction: how to answer, and the tags so far.
pub fn tags_intro(flow: &Flow) -> Vec<String> {
    let mut lines = vec![
        "Tags: KEY=VALUE, one per line or several separated by commas; an empty line ends."
            .to_string(),
    ];
    if !flow.tags().rows.is_empty() {
        lines.push(format!(
            "Tags so far: {} (type 'clear' to remove them).",
            tags_text(&flow.tag_pairs())
        ));
    }
    lines
}

/// What a tag answer did: added or deleted (with the tags now), or why it was refused.
pub fn tag_news(flow: &Flow) -> Option<String> {
    match &flow.tags().message {
        Some(super::Notice::Error(error)) => Some(format!("error: tags: {}", sanitize(error))),
        Some(super::Notice::Info(done)) => Some(format!(
            "{}. Tags: {}",
            sanitize(done),
            tags_text(&flow.tag_pairs())
        )),
        None => None,
    }
}

/// The profiles offered when none was named, numbered as they are picked.
pub fn profile_lines(flow: &Flow) -> Vec<String> {
    let mut lines = vec!["No profile was named, and your AWS config has several:".to_string()];
    lines.extend(flow.opts().profiles.iter().enumerate().map(|(n, p)| {
        format!(
            "  {}. {} ({}, {})",
            n + 1,
            sanitize(&p.name),
            p.region.as_deref().map_or("no region".into(), sanitize),
            p.kind.label()
        )
    }));
    lines
}

/// The destinations matching the filter, numbered as they are picked when there are at most
/// [`LIST_MAX`]; otherwise how many match; or that there are none at all.
pub fn destination_lines(flow: &Flow) -> Vec<String> {
    let list = flow.destinations();
    if list.items.is_empty() {
        return vec![
            "No connector destinations here: create one first, or check the region.".into(),
        ];
    }
    let matching = match list.filter.as_str() {
        "" => String::new(),
        filter => format!(" matching '{}'", sanitize(filter)),
    };
    if list.matches.len() > LIST_MAX {
        let count = list.matches.len();
        return vec![format!(
            "{count} connector destinations{matching}: too many to list."
        )];
    }
    let mut lines = vec![format!("Connector destinations{matching}:")];
    lines.extend(list.matches.iter().enumerate().map(|(n, &i)| {
        let d = &list.items[i];
        let connector = flow
            .connector_name(&d.cloud_connector_id)
            .unwrap_or(&d.cloud_connector_id);
        format!(
            "  {}. {} ({}), connector {}",
            n + 1,
            sanitize(&d.name),
            sanitize(&d.id),
            sanitize(connector)
        )
    }));
    lines
}

/// The General Authorization materials of the chosen destination, numbered as they are picked.
pub fn material_lines(flow: &Flow) -> Vec<String> {
    let materials = flow.destination().iter().flat_map(|d| &d.auth_materials);
    let mut lines = vec!["This destination uses General Authorization. Materials:".to_string()];
    lines.extend(
        materials
            .enumerate()
            .map(|(n, material)| format!("  {}. {}", n + 1, sanitize(material))),
    );
    lines
}

/// The values about to be sent, one per line, and the equivalent AWS CLI command.
pub fn review_lines(flow: &Flow) -> Vec<String> {
    let values = super::review_values(flow);
    if values.is_empty() {
        return Vec::new();
    }
    let mut lines = vec!["Review:".to_string()];
    lines.extend(
        values
            .into_iter()
            .map(|(key, value)| format!("  {key:<15}{}", sanitize(&value))),
    );
    lines.push("Equivalent AWS CLI command:".into());
    lines.extend(super::review_command(flow).map(|command| format!("  {}", sanitize(&command))));
    lines
}

/// Manage's associations matching the filter, numbered as they are picked.
pub fn association_lines(view: &ManageView) -> Vec<String> {
    if view.items.is_empty() {
        return vec!["No account associations here.".into()];
    }
    let line = |(n, &i): (usize, &usize)| {
        let a = &view.items[i];
        let (name, id) = (sanitize(&a.name), sanitize(&a.id));
        format!("  {}. {name} ({id}) {}", n + 1, a.state)
    };
    view.matches.iter().enumerate().map(line).collect()
}

/// An association's details, as one line.
pub fn association_detail(detail: &Association) -> Vec<String> {
    let mut lines = vec![
        format!(
            "{} ({}): {}",
            sanitize(&detail.name),
            sanitize(&detail.id),
            detail.state
        ),
        format!("  destination    {}", sanitize(&detail.destination_id)),
        format!("  arn            {}", sanitize(&detail.arn)),
    ];
    if !detail.description.is_empty() {
        lines.push(format!(
            "  description    {}",
            sanitize(&detail.description)
        ));
    }
    if let Some(error) = &detail.error_message {
        lines.push(format!("  error          {}", sanitize(error)));
    }
    if let Some(material) = &detail.auth_material {
        lines.push(format!("  authorization  {}", sanitize(material)));
    }
    let tags: Vec<(String, String)> = detail.tags.clone().into_iter().collect();
    lines.push(format!("  tags           {}", tags_text(&tags)));
    lines
}

/// Whose account this is, once known, or why it is not and how to fix it. Nothing while the
/// check runs or when a custom endpoint stands in for the account.
pub fn identity_lines(flow: &Flow) -> Vec<String> {
    let target = flow.target();
    match flow.identity() {
        Identity::Known => vec![format!(
            "Onboarding into account {} as {} (credentials: {}).",
            target.account.as_deref().unwrap_or_default(),
            target.arn.as_deref().unwrap_or_default(),
            target.credentials
        )],
        Identity::Failed(error) => vec![
            format!(
                "Whose account this is is not known: {}: {}",
                error.title(),
                error.message
            ),
            match flow.sso_login() {
                Some(command) => format!(
                    "Sign in with `{}`, then run iotmi-onboard again.",
                    command.join(" ")
                ),
                None => error.remedy(&target.profile),
            },
        ],
        Identity::Checking | Identity::Endpoint => Vec::new(),
    }
}

/// What to do about `error` for this target: an SSO profile's missing or refused credentials
/// are a sign-in away; everything else is the error's own remedy.
pub fn remedy(error: &crate::service::ServiceError, target: &Target) -> String {
    use crate::service::ErrorKind;
    let sso = target.credentials == crate::profile::CredentialKind::Sso.label();
    if sso
        && matches!(
            error.kind,
            ErrorKind::NoCredentials | ErrorKind::AccessDenied
        )
    {
        return format!(
            "Sign in with `aws sso login --profile {}`, then run iotmi-onboard again.",
            target.profile
        );
    }
    error.remedy(&target.profile)
}

/// A service error and what to do about it, as two lines: `error: …` and `hint: …`.
pub fn error_lines(error: &crate::service::ServiceError, target: &Target) -> Vec<String> {
    vec![
        format!("error: {}", sanitize(&error.to_string())),
        format!("hint: {}", sanitize(&remedy(error, target))),
    ]
}

/// The unfinished onboarding offered for resuming: its name and how far it got.
pub fn resume_summary(flow: &Flow) -> Option<String> {
    let journal = flow.opts().resume.as_ref()?;
    let how_far = match (&journal.association_id, &journal.unanswered) {
        (Some(id), _) => format!("association {}, created", sanitize(id)),
        (None, Some(_)) => "submitted, reply not received".to_owned(),
        (None, None) => "not submitted".to_owned(),
    };
    Some(format!(
        "An unfinished onboarding was saved: {:?} ({how_far}).",
        sanitize(journal.draft.name.as_deref().unwrap_or_default())
    ))
}

/// Another live run's same request, said before a second association is made: who holds the
/// journal, the request, and how far that run got. Every front end and `create` say this.
pub fn second_run_summary(held: &crate::journal::HeldJournal) -> String {
    let journal = &held.journal;
    let who = match held.pid {
        Some(pid) => format!("Another run (pid {pid}, holding the journal)"),
        None => "Another run (holding the journal)".to_owned(),
    };
    let how_far = match (&journal.association_id, &journal.unanswered) {
        (Some(id), _) => format!("it has created association {}", sanitize(id)),
        (None, Some(_)) => "it has sent it, reply not received".to_owned(),
        (None, None) => "not submitted yet".to_owned(),
    };
    format!(
        "{who} is onboarding the same request: destination {}, name {:?} ({how_far}).",
        sanitize(held.destination().unwrap_or_default()),
        sanitize(journal.draft.name.as_deref().unwrap_or_default()),
    )
}

/// The lines that say what changed in the Devices step from `before` (what was last said
/// about; `None` at first) to `now`: the discovery's state, the devices once listed, each
/// adoption result as a running count, and what failed once the adoption is finished.
pub fn devices_news(before: Option<&DevicesView>, now: &DevicesView) -> Vec<String> {
    let mut lines = Vec::new();
    let state = discovery_line(now);
    if state.is_some() && state != before.and_then(discovery_line) {
        lines.extend(state);
    }
    let listed = |view: &DevicesView| matches!(view.discovery, DiscoveryState::Done { .. });
    if listed(now) && !before.is_some_and(listed) {
        lines.extend(now.items.iter().enumerate().map(|(n, d)| {
            let managed = d
                .managed_thing_id
                .as_deref()
                .map(|id| format!(", managed thing {}", sanitize(id)))
                .unwrap_or_default();
            format!(
                "  {}. {} ({} {}; {}){managed}",
                n + 1,
                sanitize(&d.name),
                sanitize(&d.brand),
                sanitize(&d.model),
                sanitize(&d.device_types.join(", "))
            )
        }));
    }
    if let Some(adoption) = &now.adoption {
        let earlier = before.and_then(|b| b.adoption.as_ref());
        let settled = |a: &Adoption| a.done.len() + a.failed.len();
        if earlier.map_or(0, settled) < settled(adoption) {
            lines.push(adoption_progress(adoption));
        }
        if adoption.finished() && !earlier.is_some_and(Adoption::finished) {
            lines.extend(adoption.failed.iter().map(|(device, error)| {
                format!(
                    "  failed: {}: {}",
                    sanitize(device),
                    sanitize(&error.message)
                )
            }));
        }
    }
    lines
}

/// Where the discovery is, as one line (nothing before it starts).
fn discovery_line(view: &DevicesView) -> Option<String> {
    match &view.discovery {
        DiscoveryState::Idle => None,
        DiscoveryState::Starting { .. } => Some(format!(
            "Discovering the devices of {}…",
            sanitize(&view.association_name)
        )),
        DiscoveryState::Running { id, .. } => Some(format!("Discovery {} running…", sanitize(id))),
        DiscoveryState::Listing { .. } => Some("Listing the devices found…".into()),
        DiscoveryState::Done { .. } => Some(format!("Found {} devices:", view.items.len())),
        DiscoveryState::Failed(why) => Some(format!("✗ {}", sanitize(why))),
    }
}

/// "Adopting: 2 of 3 done, 1 failed".
fn adoption_progress(adoption: &Adoption) -> String {
    let failed = match adoption.failed.len() {
        0 => String::new(),
        n => format!(", {n} failed"),
    };
    format!(
        "Adopting: {} of {} done{failed}",
        adoption.done.len(),
        adoption.total
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::testing::*;
    use crate::journal::Journal;
    use crate::service::{DiscoveredDevice, ErrorKind, ServiceError};

    fn view(discovery: DiscoveryState) -> DevicesView {
        let device = |id: &str, name: &str| DiscoveredDevice {
            connector_device_id: id.into(),
            name: name.into(),
            brand: "Acme".into(),
            model: "L1".into(),
            device_types: vec!["light".into()],
            modification: "DISCOVERED".into(),
            managed_thing_id: None,
            auth_material: String::new(),
        };
        DevicesView {
            items: vec![device("d1", "Lamp"), device("d2", "Hall\u{1b}")],
            matches: vec![0, 1],
            ..DevicesView::new("aa-1".into(), "Home".into(), discovery, false)
        }
    }

    fn adoption(done: &[&str], failed: &[&str], waiting: &[&str]) -> Adoption {
        Adoption {
            generation: 1,
            queue: waiting.iter().map(|d| d.to_string()).collect(),
            in_flight: Default::default(),
            done: done
                .iter()
                .map(|d| (d.to_string(), format!("mt-{d}")))
                .collect(),
            failed: failed
                .iter()
                .map(|d| {
                    (
                        d.to_string(),
                        ServiceError::new(ErrorKind::Throttled, "slow"),
                    )
                })
                .collect(),
            total: done.len() + failed.len() + waiting.len(),
            ..Adoption::default()
        }
    }

    #[test]
    fn each_discovery_state_is_said_once_and_the_devices_are_listed_once() {
        let starting = view(DiscoveryState::Starting { generation: 1 });
        assert_eq!(
            devices_news(None, &starting),
            ["Discovering the devices of Home…"]
        );
        assert!(devices_news(Some(&starting), &starting).is_empty());
        let done = view(DiscoveryState::Done {
            id: "disc-1".into(),
        });
        assert_eq!(
            devices_news(Some(&starting), &done),
            [
                "Found 2 devices:",
                "  1. Lamp (Acme L1; light)",
                // Names from the service are sanitised.
                "  2. Hall␛ (Acme L1; light)",
            ]
        );
        assert!(devices_news(Some(&done), &done).is_empty());
        let failed = view(DiscoveryState::Failed("no luck".into()));
        assert_eq!(devices_news(Some(&done), &failed), ["✗ no luck"]);
        assert!(devices_news(None, &view(DiscoveryState::Idle)).is_empty());
    }

    #[test]
    fn adoption_results_are_counted_as_they_come_and_failures_named_once_at_the_end() {
        let mut before = view(DiscoveryState::Done {
            id: "disc-1".into(),
        });
        let mut now = before.clone();
        now.adoption = Some(adoption(&[], &[], &["d1", "d2"]));
        before.adoption = now.adoption.clone();
        // Nothing settled yet: nothing to say.
        assert!(devices_news(Some(&before), &now).is_empty());
        now.adoption = Some(adoption(&["d1"], &[], &["d2"]));
        assert_eq!(devices_news(Some(&before), &now), ["Adopting: 1 of 2 done"]);
        let before = now.clone();
        now.adoption = Some(adoption(&["d1"], &["d2"], &[]));
        assert_eq!(
            devices_news(Some(&before), &now),
            ["Adopting: 1 of 2 done, 1 failed", "  failed: d2: slow"]
        );
        // Said once: the same state again says nothing.
        assert!(devices_news(Some(&now), &now).is_empty());
    }

    #[test]
    fn the_place_is_the_demo_an_endpoint_or_the_profile_and_region() {
        let mut target = options().target;
        assert_eq!(target_place(&target), "profile default, region us-east-1");
        target.region = None;
        assert_eq!(
            target_place(&target),
            "profile default, region from the environment"
        );
        target.endpoint = Some("http://127.0.0.1:9".into());
        assert_eq!(target_place(&target), "endpoint http://127.0.0.1:9");
        target.demo = true;
        assert!(target_place(&target).starts_with("DEMO: "));
    }

    /// Plain mode's details are the TUI's: ARN, destination, description, error, material and
    /// tags, not one line.
    #[test]
    fn an_associations_details_are_every_field_a_line() {
        use crate::service::{Association, AssociationState};
        let detail = Association {
            id: "aa-1".into(),
            arn: "arn:aws:iotmanagedintegrations:us-east-1:1:account-association/aa-1".into(),
            state: AssociationState::Failed,
            error_message: Some("token exchange failed".into()),
            name: "Kitchen".into(),
            description: "Grandma's flat".into(),
            destination_id: "acme-home-us".into(),
            oauth_url: String::new(),
            tags: [("site".to_string(), "summer-house".to_string())].into(),
            auth_material: None,
        };
        let lines = super::association_detail(&detail).join("\n");
        for expected in [
            "Kitchen (aa-1): ASSOCIATION_FAILED",
            "account-association/aa-1",
            "acme-home-us",
            "Grandma's flat",
            "token exchange failed",
            "site=summer-house",
        ] {
            assert!(lines.contains(expected), "{expected}: {lines}");
        }
    }

    /// Plain mode's error hint is the TUI's: SSO credentials lead to `aws sso login`.
    #[test]
    fn an_error_is_said_with_the_hint_that_fits_the_credentials() {
        use crate::service::{ErrorKind, ServiceError};
        let flow = crate::flow::testing::flow_at_start();
        let denied = ServiceError::new(ErrorKind::AccessDenied, "expired\x1b[2J");
        let lines = super::error_lines(&denied, flow.target());
        assert!(
            lines[0].starts_with("error: ") && !lines[0].contains('\x1b'),
            "{lines:?}"
        );
        assert!(
            lines[1].contains("aws sso login --profile default"),
            "{lines:?}"
        );
    }

    #[test]
    fn destinations_are_numbered_while_few_and_counted_when_too_many() {
        let flow = flow_with_destinations();
        let lines = destination_lines(&flow);
        assert_eq!(lines[0], "Connector destinations:");
        assert!(
            lines[1].starts_with("  1. Acme OAuth (dest-oauth), connector "),
            "{lines:?}"
        );
        assert_eq!(lines.len(), 1 + flow.destinations().matches.len());
    }

    #[test]
    fn associations_are_numbered_and_an_empty_list_is_said() {
        let mut view = ManageView::default();
        assert_eq!(association_lines(&view), ["No account associations here."]);
        view.items = vec![crate::service::AssociationSummary {
            id: "aa-1".into(),
            name: "Home\u{1b}".into(),
            arn: String::new(),
            state: crate::service::AssociationState::Succeeded,
            error_message: None,
            description: String::new(),
            destination_id: "dest-oauth".into(),
        }];
        view.matches = vec![0];
        assert_eq!(
            association_lines(&view),
            ["  1. Home␛ (aa-1) ASSOCIATION_SUCCEEDED"]
        );
    }

    #[test]
    fn the_review_lists_every_value_then_the_aws_cli_command() {
        let flow = flow_at(crate::flow::Step::Review);
        let lines = review_lines(&flow);
        assert_eq!(lines[0], "Review:");
        assert!(
            lines.iter().any(|l| l.starts_with("  name           ")),
            "{lines:?}"
        );
        let command = lines
            .iter()
            .position(|l| l == "Equivalent AWS CLI command:");
        let command = command.expect("the command's heading");
        assert!(
            lines[command + 1]
                .starts_with("  aws iot-managed-integrations create-account-association"),
            "{lines:?}"
        );
        assert!(review_lines(&flow_with_destinations()).is_empty());
    }

    #[test]
    fn ga_materials_are_numbered_under_a_heading() {
        let flow = crate::flow::testing::flow_at_ga(crate::flow::Step::Auth);
        let lines = material_lines(&flow);
        assert_eq!(
            lines[0],
            "This destination uses General Authorization. Materials:"
        );
        assert!(
            lines.len() > 1 && lines[1].starts_with("  1. "),
            "{lines:?}"
        );
    }

    #[test]
    fn identity_says_the_account_or_the_failure_and_its_remedy() {
        let mut flow = flow_at_start();
        assert_eq!(
            identity_lines(&flow),
            ["Onboarding into account 123456789012 as \
              arn:aws:sts::123456789012:assumed-role/Onboarding/alice (credentials: SSO)."]
        );
        let error = ServiceError::new(ErrorKind::NoCredentials, "token expired");
        crate::flow::update(&mut flow, crate::flow::Event::Identity(Err(error)), now());
        let lines = identity_lines(&flow);
        assert!(
            lines[0].starts_with("Whose account this is is not known: ")
                && lines[0].ends_with(": token expired"),
            "{lines:?}"
        );
        // SSO credentials: the sign-in command is the remedy.
        assert_eq!(
            lines[1],
            "Sign in with `aws sso login --profile default`, then run iotmi-onboard again."
        );
    }

    #[test]
    fn remedies_fit_their_case() {
        use crate::profile::CredentialKind;
        let mut target = flow_at_start().target().clone();
        target.profile = "default".into();
        target.credentials = CredentialKind::Other.label().into();
        // No credentials and no SSO set-up: how to configure some, not an SSO sign-in.
        let none = ServiceError::new(ErrorKind::NoCredentials, "no providers in chain");
        let said = remedy(&none, &target);
        assert!(said.contains("aws configure"), "{said}");
        assert!(!said.contains("sso login"), "{said}");
        // An SSO profile: its sign-in.
        target.credentials = CredentialKind::Sso.label().into();
        assert_eq!(
            remedy(&none, &target),
            "Sign in with `aws sso login --profile default`, then run iotmi-onboard again."
        );
        // An unknown id (status ID) has nothing to go back to.
        let missing = ServiceError::new(ErrorKind::NotFound, "no such association");
        assert!(!remedy(&missing, &target).contains("go back"));
        // A conflict is not always a token's.
        let conflict = ServiceError::new(ErrorKind::Conflict, "thing already associated");
        assert!(!remedy(&conflict, &target).contains("same token"));
    }

    #[test]
    fn the_resume_summary_names_the_draft_and_how_far_it_got() {
        assert_eq!(resume_summary(&flow_at_start()), None);
        let journal = |association_id: Option<&str>| {
            let mut journal = Journal {
                association_id: association_id.map(str::to_string),
                ..saved_journal()
            };
            journal.draft.name = Some("Kitchen\u{7}".into());
            journal
        };
        let with = flow_with_resume;
        assert_eq!(
            resume_summary(&with(journal(None))).as_deref(),
            Some("An unfinished onboarding was saved: \"Kitchen␇\" (not submitted).")
        );
        assert_eq!(
            resume_summary(&with(journal(Some("aa-9")))).as_deref(),
            Some("An unfinished onboarding was saved: \"Kitchen␇\" (association aa-9, created).")
        );
    }
}
