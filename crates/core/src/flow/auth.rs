//! Step 4 (General Authorization destinations only): the auth material.

use super::effect::Effect;
use super::intent::Intent;
use super::model::Step;
use super::{Flow, nav};

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    let Intent::ChooseMaterial(material) = intent else {
        return Vec::new();
    };
    if flow.step != Step::Auth {
        return Vec::new();
    }
    let offered = flow
        .destination
        .as_ref()
        .is_some_and(|d| d.auth_materials.contains(&material));
    if !offered {
        flow.notice = Some(format!(
            "The destination offers no auth material {:?}",
            crate::text::sanitize(&material)
        ));
        return Vec::new();
    }
    flow.auth_material = Some(material);
    flow.refused_material = None;
    nav::forward(flow, Step::Auth)
}

/// The auth material a typed answer names: its number in the destination's list, its name,
/// or (empty) the one already chosen.
pub fn material_by_answer(flow: &Flow, answer: &str) -> Option<String> {
    if answer.is_empty() {
        return flow.auth_material.clone();
    }
    let materials = &flow.destination.as_ref()?.auth_materials;
    answer
        .parse::<usize>()
        .ok()
        .and_then(|n| materials.get(n.checked_sub(1)?))
        .or_else(|| materials.iter().find(|m| *m == answer))
        .cloned()
}

/// Next keeps the material already chosen (or the only one).
pub fn next(flow: &mut Flow) -> Vec<Effect> {
    match flow.auth_material.clone() {
        Some(material) => on_intent(flow, Intent::ChooseMaterial(material)),
        None => {
            flow.notice = Some("Pick an auth material first".into());
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

    #[test]
    fn only_an_offered_material_is_taken() {
        let mut flow = flow_at_ga(Step::Auth);
        send(&mut flow, Intent::ChooseMaterial("nope".into()));
        assert_eq!(flow.step, Step::Auth);
        assert!(flow.notice.is_some());
        send(&mut flow, Intent::ChooseMaterial("api-key".into()));
        assert_eq!(flow.step, Step::Review);
        assert_eq!(flow.auth_material.as_deref(), Some("api-key"));
    }

    /// Started with `material` prefilled, the destination `detail` chosen and answered.
    fn chosen_with_material(material: &str, detail: crate::service::DestinationDetail) -> Flow {
        let mut flow = flow_with_destinations_from(Options {
            prefill: Prefill {
                auth_material: Some(material.into()),
                ..Prefill::default()
            },
            ..options()
        });
        let generation = generation_of(&send(
            &mut flow,
            Intent::ChooseDestination(detail.id.clone()),
        ));
        answer_detail(&mut flow, generation, detail);
        flow
    }

    #[test]
    fn a_material_for_an_oauth_destination_is_said_on_review_and_stops_the_first_submit() {
        let mut flow = chosen_with_material("x", oauth_detail());
        let reason = flow.refused_material().expect("refused").to_string();
        assert!(
            reason.contains("OAuth consent") && reason.contains("\"x\""),
            "{reason}"
        );
        send(&mut flow, Intent::Next);
        send(&mut flow, Intent::Next);
        assert_eq!(flow.step, Step::Review);
        assert!(
            flow.notice()
                .is_some_and(|n| n.contains("\"x\" cannot be sent")),
            "said on Review: {:?}",
            flow.notice()
        );
        let effects = send(&mut flow, Intent::Submit);
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::CreateAssociation { .. })),
            "not created past it unseen"
        );
        assert!(
            flow.notice()
                .is_some_and(|n| n.contains("submit again to create it without one")),
            "{:?}",
            flow.notice()
        );
        let request = created_request(&send(&mut flow, Intent::Submit));
        assert_eq!(request.auth_material, None);
    }

    #[test]
    fn a_material_the_destination_does_not_list_is_said_on_auth_until_one_is_picked() {
        let mut flow = chosen_with_material("nope", ga_detail());
        let reason = flow.refused_material().expect("refused").to_string();
        assert!(
            reason.contains("\"nope\"") && reason.contains("api-key, token"),
            "{reason}"
        );
        send(&mut flow, Intent::Next);
        send(&mut flow, Intent::Next);
        assert_eq!(flow.step, Step::Auth);
        assert!(
            flow.notice().is_some_and(|n| n.contains("\"nope\"")),
            "said on Auth: {:?}",
            flow.notice()
        );
        send(&mut flow, Intent::ChooseMaterial("token".into()));
        assert_eq!(flow.step, Step::Review);
        assert_eq!(flow.refused_material(), None, "a material was picked");
        let request = created_request(&send(&mut flow, Intent::Submit));
        assert_eq!(request.auth_material.as_deref(), Some("token"));
    }
}
