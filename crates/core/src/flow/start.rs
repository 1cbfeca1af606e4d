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
    notice: Option<String>,
    journaled: bool,
) -> Vec<Effect> {
    if !flow.picking_profile {
        return Vec::new();
    }
    flow.picking_profile = false;
    flow.opts.resume = resume.map(|journal| *journal);
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
