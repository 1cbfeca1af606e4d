//! Logs go to a file, never to the terminal the UI draws on. What is logged is chosen so that
//! credentials, tag values and OAuth URLs never appear: ids, kinds and request ids only; the
//! SDK's own (wire-level) logging stays at `warn` unless trace is asked for, and even then every
//! event passes through [`redact`] before it reaches the file (the SDK's debug output prints
//! the access key id, and could print tokens).
//!
//! The path comes from the command line, so it is opened as an attacker could have prepared
//! it: never through a symbolic link, only a regular file, private to us ([`open`]). A log that
//! cannot be written (disk full) never complains on the terminal by itself: the first failure
//! is kept for the front end to report once ([`take_failure`]).

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Why `--log-file PATH` was refused.
#[derive(Debug, thiserror::Error)]
#[error("--log-file {}: {reason}", .path.display())]
pub struct Refused {
    pub path: std::path::PathBuf,
    pub reason: String,
}

/// Without a path nothing is logged at all. A refused path is a usage error: nothing has run.
pub fn init(path: Option<&Path>, level: tracing::Level) -> Result<(), Refused> {
    let Some(path) = path else { return Ok(()) };
    let file = open(path).map_err(|reason| Refused {
        path: path.to_owned(),
        reason,
    })?;
    // Targets, not EnvFilter: the same fixed filter without a regex engine in the build.
    let sdk = if level == tracing::Level::TRACE {
        tracing::Level::DEBUG
    } else {
        tracing::Level::WARN
    };
    let filter = Targets::new()
        .with_default(tracing::Level::WARN)
        .with_target("iotmi_onboard", level)
        .with_target("aws_smithy_runtime", sdk)
        .with_target("aws_config", sdk);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(LogWriter::new(file, env_secrets()))
        .with_ansi(false);
    // A second init (tests, repeated runs in-process) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(filter)
        .try_init();
    Ok(())
}

/// Opens (or creates, mode 0600) the log for appending, refusing what could aim our writes at
/// something else: a symbolic link (even dangling), anything but a regular file (a FIFO would
/// block start-up, a device swallow or reject the log), a file others may read or write, or
/// one another user owns, or one with another name (a hard link: whoever made it reads or
/// swaps what we write under a name we were not given). The reason is for the operator.
pub fn open(path: &Path) -> Result<File, String> {
    let file = crate::files::open_regular(
        path,
        OpenOptions::new().append(true).create(true).mode(0o600),
    )
    .map_err(|refused| refused.to_string())?;
    let meta = file.metadata().map_err(|error| error.to_string())?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(format!(
            "is owned by another user (uid {}); refusing to write into it",
            meta.uid()
        ));
    }
    if meta.nlink() != 1 {
        return Err(format!(
            "has {} hard links (another name reaches the same file); give a path of its own",
            meta.nlink()
        ));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "can be read or written by others (mode {mode:04o}): `chmod 600` it or give a new path"
        ));
    }
    Ok(file)
}

/// The first write that failed, until a front end reports it.
static FAILURE: OnceLock<String> = OnceLock::new();
static REPORTED: AtomicBool = AtomicBool::new(false);

fn record_failure(error: &io::Error) {
    let _ = FAILURE.set(format!(
        "The log file cannot be written ({error}): logging stopped"
    ));
}

/// The message for a log that could not be written, the first time it is asked for after the
/// failure; `None` before and after. The TUI shows it in its message line while it runs; main
/// prints it on stderr at exit if nobody took it (plain mode, commands, or after the UI).
pub fn take_failure() -> Option<String> {
    let message = FAILURE.get()?;
    (!REPORTED.swap(true, Ordering::SeqCst)).then(|| message.clone())
}

/// tracing-subscriber's writer: each event is collected whole, redacted, then appended. Write
/// errors are kept (see [`take_failure`]), never returned: the fmt layer would print its own
/// complaint on stderr, which is the terminal the UI draws on.
struct LogWriter {
    file: Arc<Mutex<File>>,
    secrets: Arc<Vec<String>>,
    failed: Arc<AtomicBool>,
}

impl LogWriter {
    fn new(file: File, secrets: Vec<String>) -> Self {
        Self {
            file: Arc::new(Mutex::new(file)),
            secrets: Arc::new(secrets),
            failed: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = EventWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter {
            log: self,
            event: Vec::new(),
        }
    }
}

/// One event's bytes; written to the file when dropped.
struct EventWriter<'a> {
    log: &'a LogWriter,
    event: Vec<u8>,
}

impl Write for EventWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.event.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter<'_> {
    fn drop(&mut self) {
        // After the first failure nothing more is tried: a full disk stays full.
        if self.event.is_empty() || self.log.failed.load(Ordering::Relaxed) {
            return;
        }
        let text = String::from_utf8_lossy(&self.event);
        let clean = redact(&text, &self.log.secrets);
        let Ok(mut file) = self.log.file.lock() else {
            return;
        };
        if let Err(error) = file.write_all(clean.as_bytes()) {
            self.log.failed.store(true, Ordering::Relaxed);
            record_failure(&error);
        }
    }
}

/// The credentials the environment holds, to be blanked wherever they appear. Shorter values
/// are left to the patterns of [`redact`] (blanking a short word everywhere mangles the log).
fn env_secrets() -> Vec<String> {
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
    ]
    .iter()
    .filter_map(|name| std::env::var(name).ok())
    .filter(|value| value.len() >= 8)
    .collect()
}

const REDACTED: &str = "** redacted **";

/// Names whose value is a credential, in the spellings the SDK, its Debug output, HTTP headers,
/// query strings and the SSO/STS JSON use (matched case-insensitively).
const SECRET_NAMES: &[&str] = &[
    "access_key_id",
    "accesskeyid",
    "secret_access_key",
    "secretaccesskey",
    "session_token",
    "sessiontoken",
    "security_token",
    "security-token",
    "access_token",
    "accesstoken",
    "refresh_token",
    "refreshtoken",
    "id_token",
    "idtoken",
    "client_secret",
    "clientsecret",
    "authorization",
    "credential",
    "signature",
];

/// Prefixes of AWS access key ids (`AKIA…` long-term, `ASIA…` temporary, `ABIA`/`ACCA`
/// service bearer ids; `AKID…` is what SDK examples and tests use).
const KEY_ID_PREFIXES: &[&str] = &["AKIA", "ASIA", "ABIA", "ACCA", "AKID"];

/// `text` with every credential replaced by `** redacted **`: the value after a credential's
/// name (`access_key_id: "…"`, `X-Amz-Security-Token=…`, `"authorization": "AWS4-HMAC-SHA256
/// Credential=…"`), anything shaped like an access key id, and the given `secrets` verbatim.
pub fn redact<'t>(text: &'t str, secrets: &[String]) -> Cow<'t, str> {
    let mut out = Cow::Borrowed(text);
    if let Some(done) = redact_named(&out) {
        out = Cow::Owned(done);
    }
    if let Some(done) = redact_key_ids(&out) {
        out = Cow::Owned(done);
    }
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
        }
    }
    out
}

/// Values after credential names; `None` when there is none.
fn redact_named(text: &str) -> Option<String> {
    // ASCII lower-casing keeps every byte offset.
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    // (start, end) of each value to blank, in order.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for name in SECRET_NAMES {
        for (at, _) in lower.match_indices(name) {
            if let Some(span) = value_after(bytes, at + name.len(), *name == "authorization") {
                spans.push(span);
            }
        }
    }
    if spans.is_empty() {
        return None;
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in spans {
        if start < done {
            // Inside a value already blanked (a `Credential=` in an Authorization value).
            continue;
        }
        out.push_str(&text[done..start]);
        out.push_str(REDACTED);
        done = end;
    }
    out.push_str(&text[done..]);
    Some(out)
}

/// The value that follows a name at `at`: after an optional closing quote, a `:` or `=`
/// (required, so prose that merely names a credential is kept), spaces, `Some(` and an opening
/// quote. A quoted value runs to its closing quote; a bare one to the next delimiter (spaces
/// included, except after `authorization`, whose value is `SCHEME credentials`).
fn value_after(bytes: &[u8], mut at: usize, spaced: bool) -> Option<(usize, usize)> {
    let skip = |at: &mut usize, set: &[u8]| {
        while *at < bytes.len() && set.contains(&bytes[*at]) {
            *at += 1;
        }
    };
    skip(&mut at, b"\"' ");
    if !matches!(bytes.get(at), Some(b':' | b'=')) {
        return None;
    }
    at += 1;
    skip(&mut at, b" ");
    if bytes[at..].starts_with(b"Some(") {
        at += "Some(".len();
    }
    if let Some(&quote @ (b'"' | b'\'')) = bytes.get(at) {
        let start = at + 1;
        let mut end = start;
        while end < bytes.len() && bytes[end] != quote {
            // An escaped quote (`\"` in Debug output) does not end the value.
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        let end = end.min(bytes.len());
        return (end > start).then_some((start, end));
    }
    let stop: &[u8] = if spaced {
        b",;&)}]\"'\r\n"
    } else {
        b" \t,;&)}]\"'\r\n"
    };
    let start = at;
    let mut end = start;
    while end < bytes.len() && !stop.contains(&bytes[end]) {
        end += 1;
    }
    (end > start).then_some((start, end))
}

/// Words shaped like access key ids (a known prefix, then at least four more upper-case
/// letters or digits); `None` when there is none.
fn redact_key_ids(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let id_char = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    let mut out: Option<String> = None;
    let mut done = 0;
    let mut at = 0;
    while at < bytes.len() {
        let starts_word = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let prefixed = KEY_ID_PREFIXES
            .iter()
            .any(|p| bytes[at..].starts_with(p.as_bytes()));
        if starts_word && prefixed {
            let mut end = at;
            while end < bytes.len() && id_char(bytes[end]) {
                end += 1;
            }
            let ends_word = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
            if end - at >= 8 && ends_word {
                let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                out.push_str(&text[done..at]);
                out.push_str(REDACTED);
                done = end;
                at = end;
                continue;
            }
        }
        at += 1;
    }
    let mut out = out?;
    out.push_str(&text[done..]);
    Some(out)
}

/// Logs a call's result: failures with their kind and request id; the service's message (which
/// may echo input values) only at debug level. Never values, tags, URLs or credentials.
/// Every front end (UI driver, plain prompts, commands) passes its calls through here.
pub fn logged<T>(
    call: &'static str,
    result: Result<T, iotmi_core::service::ServiceError>,
) -> Result<T, iotmi_core::service::ServiceError> {
    match &result {
        Ok(_) => tracing::info!(call, "ok"),
        Err(error) => {
            tracing::warn!(call, kind = ?error.kind, request_id = error.request_id.as_deref().unwrap_or("-"), "failed");
            tracing::debug!(call, message = %error.message, "failure detail");
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn clean(text: &str) -> String {
        redact(text, &[]).into_owned()
    }

    #[test]
    fn the_sdk_identity_debug_output_loses_its_key_id() {
        let line = r#"DEBUG resolving endpoint endpoint_params=EndpointResolverParams { property: {TypeId(0x33): Identity { data: Credentials { provider_name: "EnvironmentVariable", access_key_id: "AKIAIOSFODNN7EXAMPLE", secret_access_key: "** redacted **", expires_after: "never" }, expiration: None } } }"#;
        let out = clean(line);
        assert!(!out.contains("AKIAIOSFODNN7EXAMPLE"), "{out}");
        assert!(
            out.contains("provider_name: \"EnvironmentVariable\""),
            "{out}"
        );
        assert!(out.contains("expires_after: \"never\""), "{out}");
    }

    #[test]
    fn headers_query_strings_and_token_json_are_blanked() {
        for (text, secret) in [
            (
                r#"headers: {"authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250303/us-east-1/iotmanagedintegrations/aws4_request, SignedHeaders=host, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024", "x-amz-security-token": "FwoGZXIvYXdzEJr//////////wEaDHsecrettoken"}"#,
                "fe5f80f77d5fa3beca038a248ff027",
            ),
            (
                "x-amz-security-token: FwoGZXIvYXdzEJrSecretTokenValue",
                "FwoGZXIvYXdzEJrSecretTokenValue",
            ),
            (
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
                "eyJhbGciOiJIUzI1NiJ9",
            ),
            (
                "GET /x?X-Amz-Credential=AKIDEXAMPLE%2F2025&X-Amz-Signature=abcdef0123456789&X-Amz-Security-Token=tok3n",
                "abcdef0123456789",
            ),
            (
                r#"{"accessToken":"aoaAAAAAGSSOTOKEN","expiresAt":"2030-01-01T00:00:00Z","refreshToken":"rfRefresh","clientSecret":"cs-secret"}"#,
                "aoaAAAAAGSSOTOKEN",
            ),
            (
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "wJalrXUtnFEMI",
            ),
            (
                r#"Credentials { session_token: Some("IQoJb3JpZ2luX2VjSecretSession") }"#,
                "IQoJb3JpZ2luX2VjSecretSession",
            ),
            (
                "key id ASIAY34FZKBOKMUTVV7A in prose",
                "ASIAY34FZKBOKMUTVV7A",
            ),
        ] {
            let out = clean(text);
            assert!(!out.contains(secret), "{secret} left in {out}");
            assert!(out.contains(REDACTED), "{out}");
        }
    }

    #[test]
    fn ordinary_log_lines_are_kept_as_they_are() {
        for text in [
            "INFO iotmi_core::service: ok call=\"ListConnectorDestinations\"",
            "DEBUG aws_config::meta::credentials::chain: loaded credentials provider=Environment",
            "WARN failed call=\"GetAccountAssociation\" kind=NotFound request_id=\"00000000-0000\"",
            "the AKIA prefix alone, AKIAlower and XAKIAIOSFODNN7EXAMPLE are not key ids",
        ] {
            assert!(matches!(redact(text, &[]), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn known_secrets_are_blanked_wherever_they_appear() {
        let secrets = vec!["s3cr3t-from-the-env".to_owned()];
        let out = redact("odd place: xs3cr3t-from-the-envx", &secrets);
        assert_eq!(out, format!("odd place: x{REDACTED}x"));
    }

    #[test]
    fn an_unterminated_quoted_value_is_blanked_to_the_end() {
        let out = clean(r#"session_token: "IQoJunterminated\"#);
        assert!(!out.contains("IQoJ"), "{out}");
    }

    #[test]
    fn opens_only_private_regular_files_of_ours() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.log");
        open(&new).expect("created");
        assert_eq!(
            std::fs::metadata(&new).unwrap().permissions().mode() & 0o777,
            0o600
        );
        open(&new).expect("reopened");

        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let link = dir.path().join("link.log");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        assert!(open(&link).unwrap_err().contains("symbolic link"));
        let dangling = dir.path().join("dangling.log");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(open(&dangling).unwrap_err().contains("symbolic link"));
        assert!(!dir.path().join("nowhere").exists());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

        let loose = dir.path().join("loose.log");
        std::fs::write(&loose, "").unwrap();
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(open(&loose).unwrap_err().contains("mode 0644"));

        assert!(open(dir.path()).unwrap_err().contains("a directory"));
        assert!(
            open(Path::new("/dev/null"))
                .unwrap_err()
                .contains("a device")
        );
    }
}
