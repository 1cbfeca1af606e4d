//! Account linking as the real service runs it, against the simulator: the authorization
//! URL (every OAuth parameter, at most 1024 characters), the third party's page, the
//! redirects through the service's callback to the destination's completion page, and the
//! association's state, which changes only at the end of that chain.

use std::collections::HashMap;
use std::time::Duration;

use crate::common::{
    ConsentWalk, agent, call, client, config, consent_walk, create_association, query_params,
    start, wait_for_state,
};
use aws_sdk_iotmanagedintegrations::Client;
use aws_sdk_iotmanagedintegrations::types::AssociationState;
use iotmi_simulator::SimConfig;

/// Every OAuth destination of the built-in fixtures, and the length its URL must have.
const OAUTH_DESTINATIONS: [&str; 4] = [
    "acme-home-us",
    "acme-home-eu",
    "nordic-climate-homeowner",
    "guardian-cam-preview",
];
const MAX_URL: usize = 1024;
const ERROR_MESSAGE_CHARS: &str = "-_ ";

async fn association(client: &Client, id: &str) -> (AssociationState, Option<String>, String) {
    let got = client
        .get_account_association()
        .account_association_id(id)
        .send()
        .await
        .expect("get");
    (
        got.association_state().clone(),
        got.error_message().map(str::to_owned),
        got.o_auth_authorization_url().to_owned(),
    )
}

/// A browser without automatic redirects: (status, Location, body).
fn fetch(method: &str, url: &str, form: &[(&str, &str)]) -> (u16, Option<String>, String) {
    let agent = ureq::AgentBuilder::new()
        .try_proxy_from_env(false)
        .redirects(0)
        .build();
    let request = agent.request(method, url);
    let response = call(if form.is_empty() {
        request.call()
    } else {
        request.send_form(form)
    });
    let location = response.header("location").map(str::to_owned);
    (
        response.status(),
        location,
        response.into_string().expect("body"),
    )
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("join")
}

fn is_base64url(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[tokio::test]
async fn authorization_urls_carry_every_oauth_parameter_within_1024_characters() {
    let sim = start(config()).await;
    let client = client(&sim);
    let callback = format!("{}/oauth/callback", sim.endpoint());
    let mut lengths = HashMap::new();
    for destination in OAUTH_DESTINATIONS {
        let described = client
            .get_connector_destination()
            .identifier(destination)
            .send()
            .await
            .expect("destination");
        let oauth = described
            .auth_config()
            .and_then(|c| c.o_auth())
            .expect("oAuth");
        let (id, url) = create_association(&client, destination, "Url check").await;
        // The authUrl of the destination, served by the simulator for the third party.
        assert!(
            url.starts_with(&format!("{}?", oauth.auth_url())),
            "{url} / {}",
            oauth.auth_url()
        );
        assert!(
            oauth
                .auth_url()
                .starts_with(&format!("{}/third-party/", sim.endpoint())),
            "{}",
            oauth.auth_url()
        );
        let params = query_params(&url);
        let names: Vec<String> = url::Url::parse(&url)
            .expect("url")
            .query_pairs()
            .map(|(k, _)| k.into_owned())
            .collect();
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
        assert!(!params["client_id"].is_empty());
        assert_eq!(params["redirect_uri"], callback);
        assert!(
            url.contains(&format!(
                "redirect_uri={}",
                url::form_urlencoded::byte_serialize(callback.as_bytes()).collect::<String>()
            )),
            "percent-encoded redirect_uri: {url}"
        );
        assert_eq!(params["response_type"], "code");
        assert_eq!(Some(params["scope"].as_str()), oauth.scope());
        assert_eq!(params["state"].len(), 32);
        assert!(params["state"].chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(params["code_challenge"].len(), 43, "S256 of a verifier");
        assert!(is_base64url(&params["code_challenge"]));
        assert_eq!(params["code_challenge_method"], "S256");
        assert!(url.len() <= MAX_URL, "{destination}: {}", url.len());
        // GetAccountAssociation returns the same URL while the consent is awaited.
        assert_eq!(association(&client, &id).await.2, url);
        lengths.insert(destination, url.len());
    }
    // Typical lengths, and one at exactly the model's maximum (ports have five digits here).
    assert_eq!(sim.addr.port().to_string().len(), 5);
    assert_eq!(lengths["guardian-cam-preview"], MAX_URL, "{lengths:?}");
    for destination in &OAUTH_DESTINATIONS[..3] {
        assert!((300..=700).contains(&lengths[destination]), "{lengths:?}");
    }

    // A refresh issues a new request: new state and challenge, same shape.
    let (id, old) = create_association(&client, "acme-home-us", "Refreshed").await;
    let new = client
        .start_account_association_refresh()
        .account_association_id(&id)
        .send()
        .await
        .expect("refresh")
        .o_auth_authorization_url()
        .to_owned();
    let (old_params, new_params) = (query_params(&old), query_params(&new));
    assert_ne!(old_params["state"], new_params["state"]);
    assert_ne!(old_params["code_challenge"], new_params["code_challenge"]);
    assert_eq!(old_params["client_id"], new_params["client_id"]);
    // The replaced link is refused as unknown, the new one opens.
    let (replaced, fresh) =
        blocking(move || (fetch("GET", &old, &[]), fetch("GET", &new, &[]))).await;
    assert_eq!(replaced.0, 404, "{}", replaced.2);
    assert!(
        replaced.2.contains("replaced by a newer link"),
        "{}",
        replaced.2
    );
    assert_eq!(fresh.0, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_destination_describes_its_oauth_configuration_in_the_models_shape() {
    let sim = start(config()).await;
    let endpoint = sim.endpoint();
    let raw = blocking(move || {
        call(
            agent()
                .get(&format!("{endpoint}/connector-destinations/acme-home-us"))
                .set("authorization", crate::common::FAKE_SIGV4)
                .call(),
        )
        .into_string()
        .expect("body")
    })
    .await;
    let json: serde_json::Value = serde_json::from_str(&raw).expect("json");
    let oauth = &json["AuthConfig"]["oAuth"];
    let members: Vec<&str> = oauth
        .as_object()
        .expect("oAuth")
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = members.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "authUrl",
            "oAuthCompleteRedirectUrl",
            "proactiveRefreshTokenRenewal",
            "scope",
            "tokenEndpointAuthenticationScheme",
            "tokenUrl"
        ],
        "{raw}"
    );
    assert_eq!(
        oauth["oAuthCompleteRedirectUrl"],
        format!("{}/oauth/complete/acme-home-us", sim.endpoint())
    );
    assert_eq!(oauth["proactiveRefreshTokenRenewal"]["enabled"], true);
    assert_eq!(
        oauth["proactiveRefreshTokenRenewal"]["DaysBeforeRenewal"],
        7
    );
    assert!(
        !raw.contains("ClientId"),
        "the client id stays secret: {raw}"
    );
    // The SDK decodes every member.
    let sdk = client(&sim)
        .get_connector_destination()
        .identifier("acme-home-us")
        .send()
        .await
        .expect("get");
    let decoded = sdk.auth_config().and_then(|c| c.o_auth()).expect("oAuth");
    assert_eq!(
        decoded.token_url(),
        format!("{}/third-party/acme-home-cloud/oauth/token", sim.endpoint())
    );
    assert_eq!(
        decoded.scope(),
        Some("devices:read devices:control offline_access")
    );
    assert_eq!(
        decoded.token_endpoint_authentication_scheme().as_str(),
        "HTTP_BASIC"
    );
    assert_eq!(
        decoded
            .proactive_refresh_token_renewal()
            .and_then(|r| r.days_before_renewal()),
        Some(7)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn approval_walks_the_redirect_chain_and_only_its_end_changes_the_state() {
    let sim = start(SimConfig {
        approve_after_ms: 100,
        ..config()
    })
    .await;
    let client = client(&sim);
    let (id, url) = create_association(&client, "acme-home-us", "Beach house").await;
    let endpoint = sim.endpoint();

    // The third party's page, branded with the connector's name.
    let page_url = url.clone();
    let (status, _, page) = blocking(move || fetch("GET", &page_url, &[])).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<title>Sign in - Acme Home Cloud</title>"),
        "{page}"
    );
    for shown in [
        "Acme Home US",
        "Beach house",
        "devices:read devices:control",
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    assert_eq!(
        association(&client, &id).await.0,
        AssociationState::AssociationInProgress
    );

    // Allow: the third party redirects to the service's callback with code and state.
    let form = crate::common::parse_form(&page);
    let action = url::Url::parse(&url)
        .expect("url")
        .join(&form.action)
        .expect("action")
        .to_string();
    let state = query_params(&url)["state"].clone();
    let post_state = state.clone();
    let (status, location, _) = blocking(move || {
        fetch(
            "POST",
            &action,
            &[("state", &post_state), ("decision", "approve")],
        )
    })
    .await;
    assert_eq!(status, 302);
    let callback = location.expect("Location");
    assert!(
        callback.starts_with(&format!("{endpoint}/oauth/callback?code=")),
        "{callback}"
    );
    assert_eq!(query_params(&callback)["state"], state);
    // Decided at the third party, not yet back at the service: nothing has changed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        association(&client, &id).await.0,
        AssociationState::AssociationInProgress
    );

    // The callback settles and sends the browser to the destination's completion page.
    let replay = callback.clone();
    let (status, location, _) = blocking(move || fetch("GET", &callback, &[])).await;
    assert_eq!(status, 302);
    let done = location.expect("Location");
    assert_eq!(done, format!("{endpoint}/oauth/complete/acme-home-us"));
    let (status, _, html) = blocking(move || fetch("GET", &done, &[])).await;
    assert_eq!(status, 200);
    assert!(html.contains("return to the terminal"), "{html}");
    wait_for_state(&client, &id, AssociationState::AssociationSucceeded).await;
    let (_, message, url_now) = association(&client, &id).await;
    assert_eq!(
        (message, url_now.as_str()),
        (None, ""),
        "no consent pending"
    );

    // Single use: the page, its form and the callback all refuse a second go.
    let again = url.clone();
    let (page_again, callback_again) =
        blocking(move || (fetch("GET", &again, &[]), fetch("GET", &replay, &[]))).await;
    assert_eq!(page_again.0, 410, "{}", page_again.2);
    assert!(page_again.2.contains("already used"), "{}", page_again.2);
    assert_eq!(callback_again.0, 410);
    sim.shutdown().await;
}

#[tokio::test]
async fn denial_fails_the_association_and_lands_with_access_denied() {
    let sim = start(config()).await;
    let client = client(&sim);
    let (id, url) = create_association(&client, "nordic-climate-homeowner", "Guest room").await;
    let walk: ConsentWalk = blocking(move || consent_walk(&url, "deny")).await;
    let statuses: Vec<u16> = walk.hops.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [200, 302, 302, 200], "{walk:?}");
    assert!(
        walk.hops[2]
            .1
            .contains("/oauth/callback?error=access_denied"),
        "{walk:?}"
    );
    let landed = walk.final_url();
    assert!(
        landed.starts_with(&format!(
            "{}/oauth/complete/nordic-climate-homeowner?error=access_denied&error_description=",
            sim.endpoint()
        )),
        "{landed}"
    );
    assert!(walk.html.contains("denied"), "{}", walk.html);
    let (state, message, _) = association(&client, &id).await;
    assert_eq!(state, AssociationState::AssociationFailed);
    let message = message.expect("ErrorMessage");
    assert!(message.contains("denied"), "{message}");
    assert!(
        message
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ERROR_MESSAGE_CHARS.contains(c)),
        "fits the model's pattern: {message}"
    );
    sim.shutdown().await;
}

/// The failures `--activate-fail-rate 1` gives six approvals, with `seed`: (ErrorMessage,
/// `error` of the final redirect) each.
async fn activation_failures(seed: u64) -> Vec<(String, String)> {
    let sim = start(SimConfig {
        activate_fail_rate: 1.0,
        fault_seed: Some(seed),
        ..config()
    })
    .await;
    let client = client(&sim);
    let mut outcomes = Vec::new();
    for i in 0..6 {
        let (id, url) = create_association(&client, "acme-home-eu", &format!("Failing {i}")).await;
        let walk = blocking(move || consent_walk(&url, "approve")).await;
        assert_eq!(walk.status, 200);
        let landed = query_params(walk.final_url());
        assert!(
            landed
                .get("error_description")
                .is_some_and(|d| !d.is_empty()),
            "{walk:?}"
        );
        assert!(walk.html.contains("could not be linked"), "{}", walk.html);
        let (state, message, _) = association(&client, &id).await;
        assert_eq!(state, AssociationState::AssociationFailed);
        let message = message.expect("ErrorMessage");
        assert!(
            message
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ERROR_MESSAGE_CHARS.contains(c)),
            "{message}"
        );
        outcomes.push((message, landed["error"].clone()));
    }
    sim.shutdown().await;
    outcomes
}

#[tokio::test]
async fn failed_activation_names_the_side_and_replays_under_a_seed() {
    let first = activation_failures(11).await;
    assert_eq!(
        first,
        activation_failures(11).await,
        "same seed, same outcomes"
    );
    let kinds: std::collections::HashSet<&(String, String)> = first.iter().collect();
    let expected = [
        (
            "The connector failed AWS ActivateUser for this account",
            "server_error",
        ),
        (
            "Account linking failed because of an internal service error",
            "temporarily_unavailable",
        ),
    ];
    for kind in &kinds {
        assert!(
            expected.iter().any(|(m, e)| kind.0 == *m && kind.1 == *e),
            "{kind:?}"
        );
    }
    assert_eq!(kinds.len(), 2, "both sides fail at some point: {first:?}");
}

#[tokio::test]
async fn an_abandoned_consent_stays_in_progress() {
    let sim = start(SimConfig {
        approve_after_ms: 50,
        ..config()
    })
    .await;
    let client = client(&sim);
    // One opens the page and goes no further; one allows but never reaches the callback.
    let (opened, opened_url) = create_association(&client, "acme-home-us", "Opened only").await;
    let (allowed, allowed_url) = create_association(&client, "acme-home-us", "Allowed only").await;
    let page_url = opened_url.clone();
    let posted_url = allowed_url.clone();
    let (page, posted) = blocking(move || {
        let page = fetch("GET", &page_url, &[]);
        let state = query_params(&posted_url)["state"].clone();
        let action = url::Url::parse(&posted_url).expect("url");
        let posted = fetch(
            "POST",
            &action[..url::Position::AfterPath],
            &[("state", &state), ("decision", "approve")],
        );
        (page, posted)
    })
    .await;
    assert_eq!((page.0, posted.0), (200, 302));
    tokio::time::sleep(Duration::from_millis(400)).await;
    for (id, url) in [(&opened, &opened_url), (&allowed, &allowed_url)] {
        let (state, message, url_now) = association(&client, id).await;
        assert_eq!(state, AssociationState::AssociationInProgress, "{id}");
        assert_eq!(message, None);
        assert_eq!(&url_now, url, "the consent URL is still offered");
    }
    // The opened-only link still works (a reload is not a use).
    let walk = blocking(move || consent_walk(&opened_url, "approve")).await;
    assert_eq!(walk.status, 200);
    wait_for_state(&client, &opened, AssociationState::AssociationSucceeded).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_or_altered_requests_get_a_clear_page() {
    let sim = start(config()).await;
    let client = client(&sim);
    let (id, url) = create_association(&client, "acme-home-us", "Forgery").await;
    let endpoint = sim.endpoint();
    blocking(move || {
        let with = |name: &str, value: &str| with_param(&url, name, value);
        let cases = [
            (with("state", "forged"), 404, "not valid"),
            (with("client_id", "someone-else"), 400, "client_id"),
            (with("code_challenge", "abc"), 400, "code_challenge"),
            (with("redirect_uri", "https://evil.example/cb"), 400, "redirect_uri"),
            (with("response_type", "token"), 400, "response_type"),
            (
                url.replace("/third-party/acme-home-cloud/", "/third-party/guardian-cam-beta/"),
                400,
                "another third party",
            ),
            (
                format!("{endpoint}/oauth/callback?code=abc&state=forged"),
                404,
                "not valid",
            ),
            (
                format!(
                    "{endpoint}/oauth/callback?code=abc&state={}",
                    query_params(&url)["state"]
                ),
                400,
                "not decided",
            ),
            (format!("{endpoint}/oauth/callback?code=abc"), 400, "state"),
        ];
        for (target, status, says) in cases {
            let (got, _, html) = fetch("GET", &target, &[]);
            assert_eq!(got, status, "{target}: {html}");
            assert!(html.contains(says), "{target}: {says} not in {html}");
            assert!(html.starts_with("<!DOCTYPE html>"), "a page: {html}");
        }
        // A wrong code after the owner allowed: refused, and the right one still works.
        let state = query_params(&url)["state"].clone();
        let action = url::Url::parse(&url).expect("url");
        let (_, location, _) = fetch(
            "POST",
            &action[..url::Position::AfterPath],
            &[("state", &state), ("decision", "approve")],
        );
        let callback = location.expect("callback");
        let wrong = with_param(&callback, "code", "wrong");
        let (got, _, html) = fetch("GET", &wrong, &[]);
        assert_eq!(got, 400, "{html}");
        assert!(html.contains("does not match"), "{html}");
        assert_eq!(fetch("GET", &callback, &[]).0, 302);
        // A decision that is neither approve nor deny.
        let (got, _, html) = fetch(
            "POST",
            &action[..url::Position::AfterPath],
            &[("state", &state), ("decision", "maybe")],
        );
        assert_eq!(got, 400, "{html}");
        // Whatever a redirect carries is shown escaped.
        let (got, _, html) = fetch(
            "GET",
            &format!(
                "{endpoint}/oauth/complete?error=x&error_description=%3Cscript%3Ealert(1)%3C/script%3E"
            ),
            &[],
        );
        assert_eq!(got, 200);
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"), "{html}");
    })
    .await;
    assert_ne!(
        association(&client, &id).await.0,
        AssociationState::AssociationFailed,
        "approved (succeeding after the approval delay), not failed by the forgeries"
    );
    sim.shutdown().await;
}

fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("url");
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}
