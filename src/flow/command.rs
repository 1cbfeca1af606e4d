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
    if target.endpoint.is_none() && target.profile != "default" {
        flag("profile", target.profile.clone());
    }
    if let Some(region) = &target.region {
        flag("region", region.clone());
    }
    if let Some(endpoint) = &target.endpoint {
        flag("endpoint-url", endpoint.clone());
    }
    shell_join(&args)
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
    fn custom_endpoint_replaces_profile() {
        let target = Target {
            profile: "ops".into(),
            region: Some("us-east-1".into()),
            endpoint: Some("http://127.0.0.1:4567".into()),
            account: None,
        };
        let command = aws_cli_command(&request(), &target);
        assert!(
            command.ends_with("--region us-east-1 --endpoint-url http://127.0.0.1:4567"),
            "{command}"
        );
        assert!(!command.contains("--profile"));
    }
}
