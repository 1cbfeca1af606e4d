//! The `aws` CLI command equivalent to the request, shown on Review so the operator can see
//! (and reproduce) exactly what will be sent.

use super::model::Target;
use crate::service::CreateRequest;
use crate::text::shell_join;

/// `aws iot-managed-integrations create-account-association …`, every argument shell-quoted.
/// It carries the same ClientToken, so running it after the wizard returns the same association.
pub fn aws_cli_command(request: &CreateRequest, target: &Target) -> String {
    let mut args: Vec<String> = [
        "aws",
        "iot-managed-integrations",
        "create-account-association",
    ]
    .map(String::from)
    .to_vec();
    let mut flag = |name: &str, value: String| {
        args.push(format!("--{name}"));
        args.push(value);
    };
    flag("connector-destination-id", request.destination_id.clone());
    if let Some(name) = &request.name {
        flag("name", name.clone());
    }
    if let Some(description) = &request.description {
        flag("description", description.clone());
    }
    if !request.tags.is_empty() {
        flag("tags", tags_json(&request.tags));
    }
    if let Some(material) = &request.auth_material {
        flag(
            "general-authorization",
            format!("{{\"AuthMaterialName\":{}}}", json_string(material)),
        );
    }
    flag("client-token", request.client_token.clone());
    args.extend(target_args(target));
    shell_join(&args)
}

/// `--profile P --region R --endpoint-url E` as this run had them, so a suggested command
/// reaches the same account and service (the AWS CLI and this tool take the same flags).
pub fn target_args(target: &Target) -> Vec<String> {
    let mut args = Vec::new();
    if target.profile_given {
        args.extend(["--profile".to_string(), target.profile.clone()]);
    }
    if let Some(region) = &target.region {
        args.extend(["--region".to_string(), region.clone()]);
    }
    if let Some(endpoint) = &target.endpoint {
        args.extend(["--endpoint-url".to_string(), endpoint.clone()]);
    }
    args
}

/// `iotmi-onboard WORDS… --profile P --region R --endpoint-url E`: a command of this tool to
/// run later, with this run's flags so it reaches the same account and service. Every command
/// line a front end suggests is built here.
pub fn iotmi_onboard(target: &Target, words: &[&str]) -> String {
    let mut args = vec!["iotmi-onboard".to_string()];
    args.extend(words.iter().map(|w| w.to_string()));
    args.extend(target_args(target));
    shell_join(&args)
}

/// How to look at an association later from a shell: `iotmi-onboard status ID …` and its
/// `aws` twin, with this run's flags. None in `demo`: its simulator is gone with the run.
pub fn check_later(target: &Target, id: &str) -> Option<[String; 2]> {
    if target.demo {
        return None;
    }
    let with_target = |words: &[&str]| {
        let mut args: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        args.extend(target_args(target));
        shell_join(&args)
    };
    Some([
        iotmi_onboard(target, &["status", id]),
        with_target(&[
            "aws",
            "iot-managed-integrations",
            "get-account-association",
            "--account-association-id",
            id,
        ]),
    ])
}

/// The command that runs the wizard again on the same journal (it offers to resume). None in
/// `demo`, which keeps no journal.
pub fn rerun(target: &Target) -> Option<String> {
    (!target.demo).then(|| iotmi_onboard(target, &[]))
}

/// What works after a demo, whose simulator is gone with it: another demo, or a simulator
/// that stays up and the commands to point at it (dummy credentials: it checks SigV4's
/// shape, not the key).
pub fn demo_next_steps() -> [String; 6] {
    const PORT: u16 = 4567;
    let endpoint = format!("--endpoint-url http://127.0.0.1:{PORT}");
    let row = |command: String, what: &str| format!("  {command:<38}{what}");
    [
        "The demo's simulator stopped with it. To go on:".into(),
        row(
            "iotmi-onboard demo --manage".into(),
            "the demo again, at its list of associations",
        ),
        row(
            format!("iotmi-onboard simulator --port {PORT}"),
            "a simulator that stays up; then, in another shell:",
        ),
        "    export AWS_ACCESS_KEY_ID=AKIDDEMO AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1".into(),
        format!("    iotmi-onboard {endpoint}"),
        format!("    aws iot-managed-integrations list-account-associations {endpoint}"),
    ]
}

/// A JSON object keeping the user's tag order (serde_json's map would sort the keys).
fn tags_json(tags: &[(String, String)]) -> String {
    let body: Vec<String> = tags
        .iter()
        .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v)))
        .collect();
    format!("{{{}}}", body.join(","))
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> CreateRequest {
        CreateRequest {
            client_token: "tok-1".into(),
            destination_id: "dest-1".into(),
            name: Some("My account".into()),
            description: None,
            tags: vec![
                ("env".into(), "it's prod".into()),
                ("a".into(), "{\"x\"}".into()),
            ],
            auth_material: Some("key=/+".into()),
        }
    }

    #[test]
    fn command_quotes_every_argument() {
        let target = Target {
            profile: "ops".into(),
            profile_given: true,
            region: Some("eu-west-1".into()),
            ..Target::default()
        };
        let command = aws_cli_command(&request(), &target);
        assert_eq!(
            command,
            "aws iot-managed-integrations create-account-association --connector-destination-id dest-1 \
             --name 'My account' --tags '{\"env\":\"it'\\''s prod\",\"a\":\"{\\\"x\\\"}\"}' \
             --general-authorization '{\"AuthMaterialName\":\"key=/+\"}' --client-token tok-1 \
             --profile ops --region eu-west-1"
        );
    }

    #[test]
    fn a_profile_the_user_did_not_name_is_left_to_the_default_chain() {
        let target = Target {
            profile: "default".into(),
            region: Some("us-east-1".into()),
            endpoint: Some("http://127.0.0.1:4567".into()),
            ..Target::default()
        };
        let command = aws_cli_command(&request(), &target);
        assert!(
            command.ends_with("--region us-east-1 --endpoint-url http://127.0.0.1:4567"),
            "{command}"
        );
        assert!(!command.contains("--profile"));
    }

    #[test]
    fn check_later_and_rerun_carry_the_run_s_flags_and_never_point_at_a_gone_demo() {
        let mut target = Target {
            profile: "ops team".into(),
            profile_given: true,
            region: Some("eu-west-1".into()),
            endpoint: Some("http://127.0.0.1:4567".into()),
            ..Target::default()
        };
        let [ours, aws] = check_later(&target, "aa1").expect("hints");
        let flags = "--profile 'ops team' --region eu-west-1 --endpoint-url http://127.0.0.1:4567";
        assert_eq!(ours, format!("iotmi-onboard status aa1 {flags}"));
        assert_eq!(
            aws,
            format!(
                "aws iot-managed-integrations get-account-association --account-association-id aa1 {flags}"
            )
        );
        assert_eq!(rerun(&target), Some(format!("iotmi-onboard {flags}")));
        assert_eq!(
            iotmi_onboard(&target, &["status", "aa1", "--wait"]),
            format!("iotmi-onboard status aa1 --wait {flags}")
        );
        target.demo = true;
        assert_eq!(check_later(&target, "aa1"), None);
        assert_eq!(rerun(&target), None);
    }
}
