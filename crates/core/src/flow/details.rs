//! Step 2: the association's name and description.

use super::effect::Effect;
use super::intent::Intent;
use super::model::{DetailsField, Step};
use super::{Flow, nav, validate};

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    if flow.step != Step::Details {
        return Vec::new();
    }
    match intent {
        Intent::SetName(name) if name != flow.details.name => {
            flow.details.name = name;
            flow.details.name_edited = true;
        }
        Intent::SetDescription(description) => flow.details.description = description,
        _ => {}
    }
    Vec::new()
}

/// What is wrong with the name and the description, if anything.
pub fn errors(flow: &Flow) -> (Option<String>, Option<String>) {
    (
        validate::name_error(&flow.details.name),
        validate::description_error(&flow.details.description),
    )
}

pub fn next(flow: &mut Flow) -> Vec<Effect> {
    let (name_error, description_error) = errors(flow);
    flow.details.error_field = match (name_error, description_error) {
        (Some(_), _) => Some(DetailsField::Name),
        (None, Some(_)) => Some(DetailsField::Description),
        (None, None) => None,
    };
    if flow.details.error_field.is_some() {
        return Vec::new();
    }
    nav::forward(flow, Step::Details)
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

    #[test]
    fn next_refuses_a_bad_name_and_names_the_field() {
        let mut flow = flow_at(Step::Details);
        send(&mut flow, Intent::SetName("bad.name".into()));
        send(&mut flow, Intent::Next);
        assert_eq!(flow.step, Step::Details);
        assert_eq!(flow.details.error_field, Some(DetailsField::Name));
        send(&mut flow, Intent::SetName("good name".into()));
        send(&mut flow, Intent::SetDescription("x".repeat(5000)));
        send(&mut flow, Intent::Next);
        assert_eq!(flow.details.error_field, Some(DetailsField::Description));
        send(&mut flow, Intent::SetDescription("fine".into()));
        send(&mut flow, Intent::Next);
        assert_eq!(flow.step, Step::Tags);
        assert_eq!(flow.details.error_field, None);
    }

    #[test]
    fn a_typed_name_survives_choosing_another_destination() {
        let mut flow = flow_at(Step::Details);
        send(&mut flow, Intent::SetName("mine".into()));
        send(&mut flow, Intent::Back);
        assert_eq!(flow.step, Step::Destination);
        let generation = generation_of(&send(
            &mut flow,
            Intent::ChooseDestination("dest-ga".into()),
        ));
        answer_detail(&mut flow, generation, ga_detail());
        assert_eq!(flow.details.name, "mine");
    }
}
