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
}
