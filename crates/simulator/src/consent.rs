//! The browser's side of account linking, as the service and a third party run it:
//!
//! 1. `GET {authUrl}` — the third party's sign-in and consent page (served under
//!    `/third-party/<connector>/…`), branded with the connector's name;
//! 2. `POST` of its form — the third party redirects (302) to the service's callback with
//!    `code` and `state`, or with `error=access_denied`;
//! 3. `GET /oauth/callback` — the service exchanges the code, activates the user on the
//!    connector, settles the association and redirects to the destination's
//!    `oAuthCompleteRedirectUrl` (with `error`/`error_description` on failure);
//! 4. `GET /oauth/complete…` — the "return to your terminal" page.
//!
//! Not part of the API: no SigV4 check, no fault injection, no reply delay. Every value shown
//! in a page is HTML-escaped.

use std::collections::HashMap;
use std::time::Instant;

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::oauth::{CALLBACK_PATH, COMPLETE_PATH, THIRD_PARTY_PREFIX};
use super::server::Shared;
use super::store::{Association, Callback, ConsentError};

const CONSENT_TEMPLATE: &str = include_str!("../assets/consent.html");
const RESULT_TEMPLATE: &str = include_str!("../assets/consent_result.html");

/// True for the paths this module serves (everything else is the API).
pub fn is_browser_path(path: &str) -> bool {
    path.starts_with(THIRD_PARTY_PREFIX)
        || path == CALLBACK_PATH
        || path == COMPLETE_PATH
        || path
            .strip_prefix(COMPLETE_PATH)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Serves a browser path (see [`is_browser_path`]).
pub fn handle(shared: &Shared, method: &Method, path: &str, query: &str, body: &[u8]) -> Response {
    let get_only = |page: fn(&Shared, &str) -> Response| match *method {
        Method::GET => page(shared, query),
        _ => method_not_allowed("GET"),
    };
    if let Some(rest) = path.strip_prefix(THIRD_PARTY_PREFIX) {
        return match rest.split_once('/') {
            Some((_, "oauth/authorize")) => match *method {
                Method::GET => show(shared, path, query),
                Method::POST => decide(shared, body),
                _ => method_not_allowed("GET or POST"),
            },
            Some((_, "oauth/revoke")) => match *method {
                Method::POST => revoke(shared, body),
                _ => method_not_allowed("POST"),
            },
            _ => message_page(
                StatusCode::NOT_FOUND,
                "Page not found",
                "The third party has no page here.",
            ),
        };
    }
    if path == CALLBACK_PATH {
        get_only(callback)
    } else {
        get_only(complete)
    }
}

/// Escapes text for HTML element content and attribute values. C0 controls (ESC and
/// friends, from hostile fixture names) are not valid in HTML and become U+FFFD.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Fills `{{NAME}}` placeholders in one pass, HTML-escaping every value. One pass means a
/// value that itself contains `{{STATE}}` is shown literally, never substituted again.
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => {
                let key = &after[..close];
                match values.iter().find(|(k, _)| *k == key) {
                    Some((_, value)) => out.push_str(&html_escape(value)),
                    None => out.push_str(&rest[open..open + 2 + close + 2]),
                }
                rest = &after[close + 2..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn page(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Pages carry one-time states and codes; keep them out of caches.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(
        status,
        render(RESULT_TEMPLATE, &[("TITLE", title), ("MESSAGE", message)]),
    )
}

/// A 302 to `location`; a location that cannot be a header value (a hostile seed's URL) is
/// offered as a link on a page instead.
fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut response = message_page(StatusCode::FOUND, "Redirecting", location);
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => message_page(
            StatusCode::OK,
            "Continue",
            &format!("Continue to {location} and return to the terminal."),
        ),
    }
}

fn method_not_allowed(allowed: &str) -> Response {
    message_page(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        &format!("Use {allowed}."),
    )
}

fn bad_request(message: &str) -> Response {
    message_page(StatusCode::BAD_REQUEST, "Invalid request", message)
}

/// The page for a refused step of the chain.
fn refused(error: ConsentError) -> Response {
    match error {
        ConsentError::Unknown => message_page(
            StatusCode::NOT_FOUND,
            "Link not valid",
            "This authorization link is not valid: its state is unknown (mistyped, forged, \
             replaced by a newer link, or its association was deleted). Start the \
             authorization again from the terminal.",
        ),
        ConsentError::Used => message_page(
            StatusCode::GONE,
            "Link already used",
            "This authorization link was already used. Return to the terminal to see how it \
             ended, or start the authorization again from there.",
        ),
        ConsentError::Mismatch(why) => bad_request(&format!(
            "This authorization request is not valid: {why}. Start the authorization again \
             from the terminal."
        )),
    }
}

fn params(encoded: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(encoded).into_owned().collect()
}

/// Checks the query of `GET {authUrl}` against the request issued for its state.
fn check_request(
    path: &str,
    params: &HashMap<String, String>,
    association: &Association,
) -> Result<(), ConsentError> {
    let (Some(client), Some(consent)) = (&association.oauth, &association.consent) else {
        return Err(ConsentError::Used);
    };
    let issued_path = url::Url::parse(&client.auth_url).map(|url| url.path().to_owned());
    if issued_path.as_deref() != Ok(path) {
        return Err(ConsentError::Mismatch(
            "the link was issued for another third party's page".into(),
        ));
    }
    let expected = [
        ("client_id", client.client_id.clone()),
        ("response_type", "code".to_owned()),
        ("code_challenge", consent.challenge()),
        ("code_challenge_method", "S256".to_owned()),
    ];
    for (name, want) in expected {
        match params.get(name) {
            Some(got) if *got == want => {}
            Some(_) => {
                return Err(ConsentError::Mismatch(format!(
                    "{name} is not the one issued with this link"
                )));
            }
            None => return Err(ConsentError::Mismatch(format!("{name} is missing"))),
        }
    }
    Ok(())
}

/// `GET {authUrl}?client_id…&state=S…`: the third party's sign-in and consent page.
fn show(shared: &Shared, path: &str, query: &str) -> Response {
    let params = params(query.as_bytes());
    let Some(state) = params.get("state") else {
        return bad_request("The link has no state parameter.");
    };
    let mut store = shared.lock_store();
    let redirect_uri = store.callback_url();
    let association = match store.open_consent(state, Instant::now()) {
        Ok(association) => association,
        Err(error) => return refused(error),
    };
    if let Err(error) = check_request(path, &params, association) {
        return refused(error);
    }
    if params.get("redirect_uri") != Some(&redirect_uri) {
        return refused(ConsentError::Mismatch(
            "redirect_uri is not the service's callback".into(),
        ));
    }
    let destination = shared.catalog.destination(&association.destination_id);
    let connector = destination.and_then(|d| shared.catalog.connector(&d.cloud_connector_id));
    let scope = association
        .oauth
        .as_ref()
        .and_then(|c| c.scope.as_deref())
        .unwrap_or("(none)");
    let html = render(
        CONSENT_TEMPLATE,
        &[
            (
                "CONNECTOR",
                connector.map_or("the third-party cloud", |c| c.name.as_str()),
            ),
            (
                "DESTINATION",
                destination.map_or(association.destination_id.as_str(), |d| d.name.as_str()),
            ),
            (
                "ASSOCIATION",
                association.name.as_deref().unwrap_or("(unnamed)"),
            ),
            ("ASSOCIATION_ID", &association.id),
            ("SCOPE", scope),
            ("ACTION", path),
            ("STATE", state),
        ],
    );
    page(StatusCode::OK, html)
}

/// `POST {authUrl}` with state and decision (approve or deny): the third party sends the
/// browser to the service's callback.
fn decide(shared: &Shared, body: &[u8]) -> Response {
    let params = params(body);
    let (Some(state), Some(decision)) = (params.get("state"), params.get("decision")) else {
        return bad_request("The form is missing its state or decision.");
    };
    let approve = match decision.as_str() {
        "approve" => true,
        "deny" => false,
        _ => return bad_request("The decision must be approve or deny."),
    };
    match shared.lock_store().decide(state, approve, Instant::now()) {
        Ok(callback) => redirect(&callback),
        Err(error) => refused(error),
    }
}

/// `POST {third party}/oauth/revoke` with `association=ID`: the account owner revokes the grant
/// at the third party, so the service's refresh token stops working: a succeeded association
/// turns REFRESH_TOKEN_EXPIRED (what `demo`'s X key does, as the owner would).
fn revoke(shared: &Shared, body: &[u8]) -> Response {
    let params = params(body);
    let Some(id) = params.get("association") else {
        return bad_request("The form names no association.");
    };
    match shared
        .lock_store()
        .settle(id, super::store::Settlement::Expired, Instant::now())
    {
        Ok(_) => message_page(
            StatusCode::OK,
            "Access revoked",
            "The third party revoked the grant: the association's refresh token no longer \
             works, and it needs to be approved again.",
        ),
        Err(error) => message_page(StatusCode::CONFLICT, "Not revoked", error.message()),
    }
}

/// `GET /oauth/callback?code=C&state=S` (or `error=…&state=S`): the service's side.
fn callback(shared: &Shared, query: &str) -> Response {
    let params = params(query.as_bytes());
    let Some(state) = params.get("state") else {
        return bad_request("The callback has no state parameter.");
    };
    let answer = match (params.get("code"), params.get("error")) {
        (Some(code), None) => Callback::Code(code.clone()),
        (None, Some(error)) => Callback::Error(error.clone()),
        _ => return bad_request("The callback needs exactly one of code and error."),
    };
    match shared.lock_store().complete(state, answer, Instant::now()) {
        Ok(location) => redirect(&location),
        Err(error) => refused(error),
    }
}

/// `GET /oauth/complete…[?error=…&error_description=…]`: where the browser ends.
fn complete(_shared: &Shared, query: &str) -> Response {
    let params = params(query.as_bytes());
    match params.get("error") {
        None => message_page(
            StatusCode::OK,
            "Account linked",
            "Your account is linked. You can close this tab and return to the terminal; the \
             account association completes in a moment.",
        ),
        Some(error) if error == "access_denied" => message_page(
            StatusCode::OK,
            "Access denied",
            "You denied access, so no account was linked. You can close this tab and return \
             to the terminal.",
        ),
        Some(error) => {
            let description = params
                .get("error_description")
                .map_or(String::new(), |d| format!(": {d}"));
            message_page(
                StatusCode::OK,
                "Account linking failed",
                &format!(
                    "The account could not be linked ({error}){description} You can close this \
                     tab and return to the terminal."
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_substituted_once() {
        let out = render(
            "<p>{{A}}|{{B}}|{{C}}</p>",
            &[("A", "<script>&\"'"), ("B", "{{A}}")],
        );
        assert_eq!(out, "<p>&lt;script&gt;&amp;&quot;&#39;|{{A}}|{{C}}</p>");
    }

    #[test]
    fn control_characters_are_neutralised() {
        assert_eq!(html_escape("a\u{1b}[31mb"), "a\u{FFFD}[31mb");
    }

    #[test]
    fn unterminated_placeholder_is_kept() {
        assert_eq!(render("x {{A", &[("A", "1")]), "x {{A");
    }

    #[test]
    fn consent_template_has_the_form() {
        assert!(CONSENT_TEMPLATE.contains(r#"<form method="post" action="{{ACTION}}""#));
        assert!(CONSENT_TEMPLATE.contains(r#"name="state" value="{{STATE}}""#));
        assert!(CONSENT_TEMPLATE.contains(r#"name="decision" value="approve""#));
        assert!(CONSENT_TEMPLATE.contains(r#"name="decision" value="deny""#));
    }

    #[test]
    fn browser_paths_are_told_from_api_paths() {
        for path in [
            "/third-party/acme/oauth/authorize",
            "/oauth/callback",
            "/oauth/complete",
            "/oauth/complete/acme-home-us",
        ] {
            assert!(is_browser_path(path), "{path}");
        }
        for path in [
            "/account-associations",
            "/oauth/completed",
            "/oauth/authorize",
            "/",
        ] {
            assert!(!is_browser_path(path), "{path}");
        }
    }

    #[test]
    fn a_location_that_is_no_header_value_becomes_a_link() {
        let response = redirect("http://127.0.0.1:1/done\u{1b}");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get(header::LOCATION).is_none());
        let response = redirect("http://127.0.0.1:1/done?x=1");
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(
            response.headers()[header::LOCATION],
            "http://127.0.0.1:1/done?x=1"
        );
    }
}
