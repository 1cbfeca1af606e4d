//! The OAuth 2.0 authorization-code request (RFC 6749 §4.1) with PKCE (RFC 7636) that the
//! service sends the account owner to: the URL, and the S256 challenge of its verifier.

/// The model's maximum length of `OAuthAuthorizationUrl`.
pub const MAX_AUTHORIZATION_URL: usize = 1024;
/// Where the third party sends the browser back: the service's callback, on the simulator.
pub const CALLBACK_PATH: &str = "/oauth/callback";
/// Where the browser ends when a destination names no `oAuthCompleteRedirectUrl`.
pub const COMPLETE_PATH: &str = "/oauth/complete";
/// The prefix of every page that stands for a third party's own site.
pub const THIRD_PARTY_PREFIX: &str = "/third-party/";

/// Fixture URLs name the simulator as `{{ENDPOINT}}`: its port is only known once bound.
pub const ENDPOINT_PLACEHOLDER: &str = "{{ENDPOINT}}";

/// Lengths of the random parts, fixed so that a URL's length depends only on its destination.
pub const STATE_LEN: usize = 32;
pub const VERIFIER_LEN: usize = 64;

/// What a destination's OAuth configuration contributes to an authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub auth_url: String,
    pub client_id: String,
    pub scope: Option<String>,
    /// The destination's `oAuthCompleteRedirectUrl`, if it has one.
    pub complete_url: Option<String>,
}

/// The authorization URL: `authUrl` plus client_id, redirect_uri, response_type=code, scope,
/// state, code_challenge and code_challenge_method=S256, form-encoded (no character the
/// wizard's URL check refuses survives the encoding).
pub fn authorization_url(
    client: &Client,
    redirect_uri: &str,
    state: &str,
    verifier: &str,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("client_id", &client.client_id);
    query.append_pair("redirect_uri", redirect_uri);
    query.append_pair("response_type", "code");
    if let Some(scope) = &client.scope {
        query.append_pair("scope", scope);
    }
    query.append_pair("state", state);
    query.append_pair("code_challenge", &challenge(verifier));
    query.append_pair("code_challenge_method", "S256");
    let separator = if client.auth_url.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{separator}{}", client.auth_url, query.finish())
}

/// `BASE64URL(SHA256(verifier))` without padding: the S256 code challenge.
pub fn challenge(verifier: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

/// Replaces the endpoint placeholder in a fixture URL.
pub fn expand(template: &str, endpoint: &str) -> String {
    template.replace(ENDPOINT_PLACEHOLDER, endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_rfc_7636_example() {
        // RFC 7636, Appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_url_carries_every_parameter_encoded() {
        let client = Client {
            auth_url: "http://127.0.0.1:45678/third-party/c/oauth/authorize".into(),
            client_id: "client 1".into(),
            scope: Some("devices:read https://x.example/a".into()),
            complete_url: None,
        };
        let url = authorization_url(
            &client,
            "http://127.0.0.1:45678/oauth/callback",
            "st",
            "v".repeat(VERIFIER_LEN).as_str(),
        );
        let parsed = url::Url::parse(&url).expect("parses");
        let params: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "client_id",
                "redirect_uri",
                "response_type",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method"
            ]
        );
        assert_eq!(params[1].1, "http://127.0.0.1:45678/oauth/callback");
        assert_eq!(params[3].1, "devices:read https://x.example/a");
        assert!(url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A45678%2Foauth%2Fcallback"));
        assert!(!url.contains(' ') && !url.contains('"') && !url.contains('\''));
        let with_query = Client {
            auth_url: "http://a.example/authorize?tenant=x".into(),
            ..client
        };
        assert!(
            authorization_url(&with_query, "r", "s", "v")
                .starts_with("http://a.example/authorize?tenant=x&client_id=")
        );
    }
}
