//! The OAuth consent page that stands in for the third-party authorization server:
//! GET shows who asks for what, POST records approve/deny. Not part of the API, so no
//! SigV4 check and no fault injection here.

use std::collections::HashMap;
use std::time::Instant;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::server::Shared;
use super::store::ConsentError;

const CONSENT_TEMPLATE: &str = include_str!("../../assets/consent.html");
const RESULT_TEMPLATE: &str = include_str!("../../assets/consent_result.html");

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
    // The page carries a one-time state; keep it out of caches.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(
        status,
        render(RESULT_TEMPLATE, &[("TITLE", title), ("MESSAGE", message)]),
    )
}

fn stale() -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        "Link expired",
        "This authorization link is unknown, was already used, or was replaced by a newer one. \
         Start the authorization again from the terminal.",
    )
}

fn bad_request(message: &str) -> Response {
    message_page(StatusCode::BAD_REQUEST, "Bad request", message)
}

fn params(encoded: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(encoded).into_owned().collect()
}

/// `GET /oauth/authorize?association=ID&state=S`
pub fn show(shared: &Shared, query: &str) -> Response {
    let params = params(query.as_bytes());
    let (Some(id), Some(state)) = (params.get("association"), params.get("state")) else {
        return bad_request("The link is missing its association or state parameter.");
    };
    let mut store = shared.lock_store();
    let association = match store.consent_target(id, state, Instant::now()) {
        Ok(a) => a,
        Err(ConsentError::StaleState) => return stale(),
    };
    let destination = shared.catalog.destination(&association.destination_id);
    let connector = destination.and_then(|d| shared.catalog.connector(&d.cloud_connector_id));
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
            ("STATE", state),
        ],
    );
    page(StatusCode::OK, html)
}

/// `POST /oauth/authorize` with form fields association, state, decision.
pub fn decide(shared: &Shared, body: &[u8]) -> Response {
    let params = params(body);
    let (Some(id), Some(state), Some(decision)) = (
        params.get("association"),
        params.get("state"),
        params.get("decision"),
    ) else {
        return bad_request("The form is missing association, state or decision.");
    };
    let approve = match decision.as_str() {
        "approve" => true,
        "deny" => false,
        _ => return bad_request("The decision must be approve or deny."),
    };
    let mut store = shared.lock_store();
    match store.decide(id, state, approve, Instant::now()) {
        Err(ConsentError::StaleState) => stale(),
        Ok(_) if approve => message_page(
            StatusCode::OK,
            "Access approved",
            "You approved access. You can close this tab and return to the terminal; \
             the account association completes in a moment.",
        ),
        Ok(_) => message_page(
            StatusCode::OK,
            "Access denied",
            "You denied access. You can close this tab and return to the terminal.",
        ),
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
        assert!(CONSENT_TEMPLATE.contains(r#"<form method="post""#));
        assert!(CONSENT_TEMPLATE.contains(r#"name="decision" value="approve""#));
        assert!(CONSENT_TEMPLATE.contains(r#"name="decision" value="deny""#));
    }
}
