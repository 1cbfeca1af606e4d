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
        Intent::RecheckIdentity if flow.target.endpoint.is_none() => {
            flow.identity = Identity::Checking;
            flow.target.account = None;
            vec![Effect::LoadAccount]
        }
        _ => Vec::new(),
    }
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
            [Effect::ListAssociations {
                next_token: None,
                ..
            }]
        ));
    }
}
