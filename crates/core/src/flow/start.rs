//! The Start screen: create a new association or manage existing ones.

use super::Flow;
use super::effect::Effect;
use super::intent::Intent;
use super::manage;
use super::model::{Identity, Step};

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    match intent {
        Intent::StartCreate => {
            flow.step = Step::Destination;
            Vec::new()
        }
        Intent::StartManage => manage::enter(flow),
        Intent::ChooseProfile { profile, region } if flow.picking_profile => {
            choose_profile(flow, profile, region)
        }
        Intent::RecheckIdentity if flow.target.endpoint.is_none() => {
            flow.identity = Identity::Checking;
            flow.target.account = None;
            vec![Effect::LoadAccount]
        }
        _ => Vec::new(),
    }
}

/// The region offered for a picked profile: the one last used with it, else its configured
/// region, else us-east-1. Every front end's profile picker offers this one.
pub fn region_for_profile(flow: &Flow, profile: &str) -> String {
    let opts = &flow.opts;
    opts.last_profile
        .as_ref()
        .filter(|last| last.profile == profile)
        .map(|last| last.region.clone())
        .or_else(|| {
            opts.profiles
                .iter()
                .find(|p| p.name == profile)
                .and_then(|p| p.region.clone())
        })
        .unwrap_or_else(|| "us-east-1".into())
}

/// The profile a typed answer names: its number in the list, its name, or (empty) the one
/// last picked.
pub fn profile_by_answer<'a>(
    flow: &'a Flow,
    answer: &str,
) -> Option<&'a crate::profile::ProfileInfo> {
    let profiles = &flow.opts.profiles;
    match answer.parse::<usize>() {
        Ok(n) => profiles.get(n.wrapping_sub(1)),
        Err(_) if answer.is_empty() => {
            let last = flow.opts.last_profile.as_ref()?;
            profiles.iter().find(|p| p.name == last.profile)
        }
        Err(_) => profiles.iter().find(|p| p.name == answer),
    }
}

/// The picked profile becomes the target; the runtime switches to it, then the flow starts as
/// it would have with `--profile P --region R`.
fn choose_profile(flow: &mut Flow, profile: String, region: String) -> Vec<Effect> {
    let Some(info) = flow.opts.profiles.iter().find(|p| p.name == profile) else {
        return Vec::new();
    };
    if super::validate::region_error(&region).is_some() {
        flow.notice = super::validate::region_error(&region);
        return Vec::new();
    }
    flow.target.credentials = info.kind.label().to_string();
    flow.target.profile = profile.clone();
    flow.target.profile_given = true;
    flow.target.region = Some(region.clone());
    flow.target.account = None;
    flow.target.arn = None;
    vec![Effect::UseProfile { profile, region }]
}

/// The runtime works as the picked profile: the flow starts as usual, with that profile's
/// journal (and its resume offer).
pub fn on_profile_ready(
    flow: &mut Flow,
    resume: Option<Box<crate::journal::Journal>>,
    held: Option<Box<crate::journal::HeldJournal>>,
    notice: Option<String>,
    journaled: bool,
) -> Vec<Effect> {
    if !flow.picking_profile {
        return Vec::new();
    }
    flow.picking_profile = false;
    flow.opts.resume = resume.map(|journal| *journal);
    flow.opts.held = held.map(|held| *held);
    flow.opts.journaled = journaled;
    flow.persisted = flow.opts.resume.clone();
    if notice.is_some() {
        flow.notice = notice;
    }
    flow.step = super::first_step(&flow.opts);
    super::init(flow)
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

    #[test]
    fn manage_opened_by_flag_counts_things_as_from_start() {
        let mut opts = options();
        opts.first = FirstScreen::Manage;
        let mut flow = Flow::new(opts, now());
        let effects = crate::flow::init(&mut flow);
        assert_eq!(flow.step, Step::Manage);
        let listed = |e: &&Effect| matches!(e, Effect::ListAssociations { .. });
        assert_eq!(effects.iter().filter(listed).count(), 1);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::CountThings { .. }))
        );
    }

    #[test]
    fn start_goes_to_create_or_manage() {
        let mut flow = flow_at_start();
        assert!(send(&mut flow, Intent::StartCreate).is_empty());
        assert_eq!(flow.step, Step::Destination);
        let mut flow = flow_at_start();
        let effects = send(&mut flow, Intent::StartManage);
        assert_eq!(flow.step, Step::Manage);
        assert!(matches!(
            effects[..],
            [
                Effect::ListAssociations {
                    next_token: None,
                    ..
                },
                Effect::CountThings { .. }
            ]
        ));
    }
}
