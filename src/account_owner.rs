//! `demo`'s account owner: visits the third party's pages over HTTP as a browser would — the
//! consent page, its form, the redirects through the service's callback — so the keyboard's
//! approve, deny and revoke settle an association exactly as a person in a browser does.
//! It knows the pages only by what they say on the wire (a form and its hidden inputs), and
//! visits loopback hosts only: the demo's third party is its own simulator.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use url::Url;

use iotmi_core::flow::OwnerAction;

/// A consent chain is four pages; more is a loop.
const MAX_REDIRECTS: usize = 5;
/// Each visit; the simulator answers in milliseconds unless told to be slow.
const VISIT_TIMEOUT: Duration = Duration::from_secs(15);
/// Pages bigger than this are not consent pages.
const MAX_PAGE: usize = 256 * 1024;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Acts as the account owner; `Err` says why not, in a sentence from the page when there is one.
pub async fn act(action: OwnerAction, url: &str, association_id: &str) -> Result<(), String> {
    let url = Url::parse(url).map_err(|e| format!("the page's URL is not valid ({e})"))?;
    let client = Client::builder(TokioExecutor::new()).build_http();
    match action {
        OwnerAction::Approve => decide(&client, url, "approve").await,
        OwnerAction::Deny => decide(&client, url, "deny").await,
        OwnerAction::Revoke => {
            let form = encode(&[("association", association_id)]);
            let page = follow(
                &client,
                visit(&client, Method::POST, &url, Some(form)).await?,
            )
            .await?;
            page.ok()
        }
    }
}

/// Opens the consent page, fills in its form (any username and password), and submits the
/// decision, following the redirects through the service's callback.
async fn decide(client: &HttpClient, url: Url, decision: &str) -> Result<(), String> {
    let page = visit(client, Method::GET, &url, None).await?;
    page.clone().ok()?;
    let form = Form::parse(&page.body).ok_or("the consent page has no form to answer")?;
    let action = page
        .url
        .join(&form.action)
        .map_err(|e| format!("the consent form's action is not valid ({e})"))?;
    let mut fields: Vec<(&str, &str)> = form
        .hidden
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    fields.extend([
        ("username", "demo-owner"),
        ("password", "demo"),
        ("decision", decision),
    ]);
    let reply = visit(client, Method::POST, &action, Some(encode(&fields))).await?;
    follow(client, reply).await?.ok()
}

fn encode(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

#[derive(Clone, Debug)]
struct Page {
    url: Url,
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl Page {
    /// A page the chain can go on from, or the sentence it says went wrong.
    fn ok(self) -> Result<(), String> {
        if self.status.is_success() {
            return Ok(());
        }
        let said = message(&self.body);
        Err(if said.is_empty() {
            format!("the page answered HTTP {}", self.status.as_u16())
        } else {
            said
        })
    }
}

/// Follows redirects as a browser would, while they stay on loopback (the last hop, to the
/// destination's own completion page, may leave; by then the service has settled).
async fn follow(client: &HttpClient, mut page: Page) -> Result<Page, String> {
    for _ in 0..MAX_REDIRECTS {
        let Some(next) = page
            .status
            .is_redirection()
            .then(|| page.location.as_deref().and_then(|l| page.url.join(l).ok()))
            .flatten()
        else {
            return Ok(page);
        };
        if !is_loopback(&next) {
            return Ok(Page {
                status: StatusCode::OK,
                ..page
            });
        }
        page = visit(client, Method::GET, &next, None).await?;
    }
    Err("the pages redirected too many times".into())
}

/// The demo's third party serves plain HTTP on loopback; nothing else is visited.
fn is_loopback(url: &Url) -> bool {
    url.scheme() == "http" && iotmi_core::url_policy::is_loopback_url(url)
}

async fn visit(
    client: &HttpClient,
    method: Method,
    url: &Url,
    form: Option<String>,
) -> Result<Page, String> {
    if !is_loopback(url) {
        return Err(format!(
            "{} is not the demo's own third party (only loopback pages are visited)",
            url.host_str().unwrap_or("the page")
        ));
    }
    let mut request = Request::builder()
        .method(method)
        .uri(url.as_str())
        .header(header::USER_AGENT, "iotmi-onboard demo account owner");
    if form.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let request = request
        .body(Full::new(Bytes::from(form.unwrap_or_default())))
        .map_err(|e| e.to_string())?;
    let exchange = async {
        let response = client
            .request(request)
            .await
            .map_err(|e| format!("the third party's page did not answer ({e})"))?;
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = http_body_util::Limited::new(response.into_body(), MAX_PAGE)
            .collect()
            .await
            .map_err(|e| format!("the page could not be read ({e})"))?
            .to_bytes();
        Ok(Page {
            url: url.clone(),
            status,
            location,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    };
    tokio::time::timeout(VISIT_TIMEOUT, exchange)
        .await
        .map_err(|_| format!("the third party's page did not answer within {VISIT_TIMEOUT:?}"))?
}

/// The form of the consent page: where it posts and its hidden inputs.
#[derive(Debug, PartialEq, Eq)]
struct Form {
    action: String,
    hidden: Vec<(String, String)>,
}

impl Form {
    fn parse(html: &str) -> Option<Form> {
        let start = html.find("<form")?;
        let end = html[start..]
            .find("</form>")
            .map_or(html.len(), |e| start + e);
        let inner = &html[start..end];
        let action = attribute(tag_at(inner, 0), "action")?;
        let hidden = inner
            .match_indices("<input")
            .map(|(at, _)| tag_at(inner, at))
            .filter(|tag| attribute(tag, "type").as_deref() == Some("hidden"))
            .filter_map(|tag| Some((attribute(tag, "name")?, attribute(tag, "value")?)))
            .collect();
        Some(Form { action, hidden })
    }
}

/// The tag starting at `at`, up to its `>`.
fn tag_at(html: &str, at: usize) -> &str {
    let rest = &html[at..];
    &rest[..rest.find('>').map_or(rest.len(), |e| e + 1)]
}

/// A double-quoted attribute's value, unescaped.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let len = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + len]))
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// What a result page says: its heading and first paragraph.
fn message(html: &str) -> String {
    let between = |open: &str, close: &str| -> String {
        html.find(open)
            .map(|s| s + open.len())
            .and_then(|s| {
                html[s..]
                    .find(close)
                    .map(|e| unescape(html[s..s + e].trim()))
            })
            .unwrap_or_default()
    };
    let (title, text) = (between("<h1>", "</h1>"), between("<p>", "</p>"));
    let said = match (title.is_empty(), text.is_empty()) {
        (false, false) => format!("{title}: {text}"),
        (false, true) => title,
        _ => text,
    };
    // Words from a page go to the terminal: no control characters, one line.
    iotmi_core::text::sanitize(&said.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consent_form_is_read_with_its_hidden_inputs_unescaped() {
        let html = r#"<p>x</p><form method="post" action="/third-party/a/oauth/authorize">
            <input type="hidden" name="state" value="s&amp;1&quot;">
            <input type="text" name="username" autocomplete="username">
            <button type="submit" name="decision" value="approve">Allow</button></form>"#;
        assert_eq!(
            Form::parse(html),
            Some(Form {
                action: "/third-party/a/oauth/authorize".into(),
                hidden: vec![("state".into(), "s&1\"".into())],
            })
        );
        assert_eq!(Form::parse("<p>no form</p>"), None);
    }

    #[test]
    fn a_result_page_says_its_heading_and_message_on_one_clean_line() {
        let html = "<h1>Link already used</h1>\n<p>This link was\n  already used \u{1b}[31m.</p>";
        let said = message(html);
        assert!(said.starts_with("Link already used: This link was already used"));
        assert!(!said.contains('\u{1b}'));
    }

    #[test]
    fn only_loopback_pages_are_visited() {
        for url in [
            "http://127.0.0.1:1/x",
            "http://[::1]:2/",
            "http://localhost/",
        ] {
            assert!(is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
        for url in [
            "https://127.0.0.1/",
            "http://example.com/",
            "http://10.0.0.1/",
        ] {
            assert!(!is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
    }
}
