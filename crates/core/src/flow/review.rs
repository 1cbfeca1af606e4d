//! Step 5: review every value (and the equivalent `aws` command), edit any row, submit.

use super::effect::Effect;
use super::intent::Intent;
use super::model::Step;
use super::{Flow, command_line, nav, submit, token, validate};
use crate::service::CreateRequest;

pub fn on_intent(flow: &mut Flow, intent: Intent) -> Vec<Effect> {
    if flow.step != Step::Review {
        return Vec::new();
    }
    match intent {
        Intent::EditRow(row) => {
            if !flow.review_rows().contains(&row) {
                return Vec::new();
            }
            nav::go_to(flow, row.step());
            flow.return_to_review = true;
            Vec::new()
        }
        Intent::Submit => submit(flow),
        _ => Vec::new(),
    }
}

/// The request Submit would send: the draft's token, or the next one when the inputs differ
/// from the last request sent (reusing a token with other parameters is a ConflictException).
pub fn pending_request(flow: &Flow) -> Option<CreateRequest> {
    let mut request = flow.request()?;
    let counter = token::counter_for(flow.token_counter, flow.last_sent.as_ref(), &request);
    request.client_token = flow.token_for(counter);
    Some(request)
}

/// The values Submit would send, by row name, as a line front end lists them (unsanitised).
pub fn review_values(flow: &Flow) -> Vec<(&'static str, String)> {
    let Some(request) = pending_request(flow) else {
        return Vec::new();
    };
    let destination = flow.destination.as_ref();
    let tags: Vec<String> = request
        .tags
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let or_none = |value: Option<String>| value.unwrap_or_else(|| "(none)".into());
    vec![
        (
            "destination",
            destination
                .map(|d| format!("{} ({})", d.name, d.id))
                .unwrap_or_default(),
        ),
        ("name", request.name.unwrap_or_default()),
        ("description", or_none(request.description)),
        ("tags", or_none((!tags.is_empty()).then(|| tags.join(", ")))),
        (
            "authorization",
            request
                .auth_material
                .unwrap_or_else(|| "OAuth consent in a browser".into()),
        ),
        ("client-token", request.client_token),
    ]
}

/// The `aws` command that makes the same request, token included.
pub fn review_command(flow: &Flow) -> Option<String> {
    pending_request(flow).map(|r| command_line::aws_cli_command(&r, &flow.target))
}

fn submit(flow: &mut Flow) -> Vec<Effect> {
    // Never into an account nobody has seen: the identity check comes first.
    match &flow.identity {
        super::model::Identity::Checking => {
            flow.notice =
                Some("Still checking whose account this is: try again in a moment".into());
            return Vec::new();
        }
        super::model::Identity::Failed(error) => {
            flow.notice = Some(format!(
                "Whose account this is is not known ({}): fix the credentials first",
                error.title().to_lowercase()
            ));
            return Vec::new();
        }
        super::model::Identity::Known | super::model::Identity::Endpoint => {}
    }
    let Some(request) = pending_request(flow) else {
        flow.notice = Some("Pick a destination first".into());
        return Vec::new();
    };
    let errors = validate::request_errors(
        &request.destination_id,
        request.name.as_deref().unwrap_or(""),
        request.description.as_deref().unwrap_or(""),
        &request.tags,
        request.auth_material.as_deref(),
    );
    if let Some(error) = errors.first() {
        flow.notice = Some(format!("Fix {}: {}", error.field, error.message));
        return Vec::new();
    }
    if flow.uses_general_authorization() && request.auth_material.is_none() {
        flow.notice = Some("Pick an auth material first".into());
        return Vec::new();
    }
    // Said once more where it counts; a second Submit goes ahead without the material.
    if let Some(refused) = flow.refused_material.as_mut().filter(|r| !r.said_at_submit) {
        refused.said_at_submit = true;
        flow.notice = Some(format!(
            "{}: submit again to create it without one",
            validate::capitalized(&refused.reason)
        ));
        return Vec::new();
    }
    if request.client_token != flow.client_token() {
        flow.token_counter += 1;
    }
    submit::send_create(flow, request)
}

#[cfg(test)]
mod tests {
    use crate::flow::testing::*;
    use crate::flow::*;

    #[test]
    fn nothing_is_submitted_before_whose_account_it_is_is_known() {
        let mut flow = flow_at(Step::Review);
        flow.identity = Identity::Checking;
        let effects = send(&mut flow, Intent::Submit);
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::CreateAssociation { .. }))
        );
        assert!(
            flow.notice
                .as_deref()
                .unwrap_or_default()
                .contains("Still checking")
        );
        flow.identity = Identity::Failed(crate::service::ServiceError::new(
            crate::service::ErrorKind::NoCredentials,
            "expired",
        ));
        let effects = send(&mut flow, Intent::Submit);
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::CreateAssociation { .. }))
        );
        identified(&mut flow);
        let effects = send(&mut flow, Intent::Submit);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::CreateAssociation { .. }))
        );
    }

    #[test]
    fn edit_row_jumps_there_and_next_comes_back() {
        let mut flow = flow_at(Step::Review);
        send(&mut flow, Intent::EditRow(ReviewRow::Tags));
        assert_eq!(flow.step, Step::Tags);
        send(&mut flow, Intent::Next);
        assert_eq!(flow.step, Step::Review);
        send(&mut flow, Intent::EditRow(ReviewRow::Name));
        assert_eq!(flow.step, Step::Details);
        send(&mut flow, Intent::Back);
        assert_eq!(
            flow.step,
            Step::Review,
            "back from an edit returns to Review"
        );
    }

    #[test]
    fn submit_sends_the_draft_with_its_token_once() {
        let mut flow = flow_at(Step::Review);
        let effects = send(&mut flow, Intent::Submit);
        let request = created_request(&effects);
        assert_eq!(request.client_token, "seed0123456789abcdef0123-0");
        assert_eq!(flow.step, Step::Submit);
        assert!(
            effects.iter().any(
                |e| matches!(e, Effect::Persist(Some(j)) if j.unanswered.as_ref() == Some(&request))
            ),
            "the request is journaled before it is sent: {effects:?}"
        );
        let persist = effects.iter().position(|e| matches!(e, Effect::Persist(_)));
        let create = effects
            .iter()
            .position(|e| matches!(e, Effect::CreateAssociation { .. }));
        assert!(persist < create);
    }

    #[test]
    fn review_command_carries_the_pending_token() {
        let flow = flow_at(Step::Review);
        let command = review_command(&flow).expect("a command");
        assert!(
            command.contains("--client-token seed0123456789abcdef0123-0"),
            "{command}"
        );
    }
}
