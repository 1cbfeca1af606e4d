//! The AWS config and credentials files, read the way the AWS CLI reads them, for what the
//! wizard must know before any call: which profiles exist (a named profile that does not is an
//! error, as in the AWS CLI), each one's region and kind of credentials (shown in the header,
//! offered by the profile picker), and where the credentials of this run come from.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use iotmi_core::profile::{CredentialKind, LastChoice, ProfileInfo};

/// Files larger than this are not AWS config files: they are not read past it.
const MAX_FILE: u64 = 1 << 20;

/// Where the config and credentials files are: `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`,
/// else `~/.aws/config` and `~/.aws/credentials`.
#[derive(Clone, Debug)]
pub struct AwsFiles {
    pub config: Option<PathBuf>,
    pub credentials: Option<PathBuf>,
}

impl AwsFiles {
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let home = lookup("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
        let file = |var: &str, default: &str| {
            lookup(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
        };
        Self {
            config: file("AWS_CONFIG_FILE", "config"),
            credentials: file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        }
    }

    /// Every profile of both files, `default` first, then by name.
    pub fn profiles(&self) -> Vec<ProfileInfo> {
        let mut merged: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (path, is_config) in [(&self.credentials, false), (&self.config, true)] {
            let Some(text) = path.as_deref().and_then(read_bounded) else {
                continue;
            };
            for (name, properties) in parse(&text, is_config) {
                merged.entry(name).or_default().extend(properties);
            }
        }
        let mut profiles: Vec<ProfileInfo> = merged
            .into_iter()
            .map(|(name, p)| ProfileInfo {
                region: p.get("region").cloned(),
                kind: kind_of(&p),
                name,
            })
            .collect();
        profiles.sort_by_key(|p| (p.name != "default", p.name.clone()));
        profiles
    }

    /// Where the files are, for a message ("~/.aws/config or ~/.aws/credentials").
    pub fn describe(&self) -> String {
        let shown: Vec<String> = [&self.config, &self.credentials]
            .into_iter()
            .flatten()
            .map(|p| p.display().to_string())
            .collect();
        shown.join(" or ")
    }
}

/// A regular file's text, at most [`MAX_FILE`] bytes, never through a FIFO that would block.
fn read_bounded(path: &std::path::Path) -> Option<String> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut text = String::new();
    file.take(MAX_FILE).read_to_string(&mut text).ok()?;
    Some(text)
}

fn kind_of(p: &BTreeMap<String, String>) -> CredentialKind {
    let has = |key: &str| p.contains_key(key);
    if has("sso_session") || has("sso_start_url") {
        CredentialKind::Sso
    } else if has("credential_process") {
        CredentialKind::Process
    } else if has("role_arn") && has("web_identity_token_file") {
        CredentialKind::WebIdentity
    } else if has("role_arn") {
        CredentialKind::AssumeRole
    } else if has("aws_access_key_id") {
        CredentialKind::Static
    } else {
        CredentialKind::Other
    }
}

/// The profiles of one file: `[profile NAME]` (and `[default]`) in the config file, `[NAME]`
/// in the credentials file; `key = value` lines; `#`/`;` comments; indented lines belong to
/// the key above (nested service settings) and are skipped.
fn parse(text: &str, is_config: bool) -> Vec<(String, BTreeMap<String, String>)> {
    let mut profiles: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            let section = section.trim();
            let name = if is_config {
                match section.strip_prefix("profile") {
                    Some(rest) if rest.starts_with([' ', '\t']) => Some(rest.trim()),
                    _ if section == "default" => Some("default"),
                    // [sso-session x], [services y]: not profiles.
                    _ => None,
                }
            } else {
                Some(section)
            };
            current = name.filter(|n| !n.is_empty()).map(|name| {
                profiles.push((name.to_string(), BTreeMap::new()));
                profiles.len() - 1
            });
            continue;
        }
        if let (Some(at), Some((key, value))) = (current, line.split_once('=')) {
            profiles[at]
                .1
                .insert(key.trim().to_lowercase(), value.trim().to_string());
        }
    }
    profiles
}

/// Where this run's credentials come from, as the AWS CLI would resolve them: an explicit
/// `--profile` wins; otherwise environment keys, then the profile (`AWS_PROFILE` or
/// `default`), then the container or instance role.
pub fn credential_source(
    lookup: impl Fn(&str) -> Option<String>,
    profiles: &[ProfileInfo],
    profile: Option<&str>,
    profile_flag: bool,
) -> String {
    let set = |name: &str| lookup(name).is_some_and(|v| !v.is_empty());
    let of_profile = |name: &str| {
        profiles
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.kind.label().to_string())
    };
    if profile_flag && let Some(name) = profile {
        return of_profile(name).unwrap_or_else(|| "profile not found".into());
    }
    if set("AWS_ACCESS_KEY_ID") && set("AWS_SECRET_ACCESS_KEY") {
        return "environment".into();
    }
    if let Some(kind) = of_profile(profile.unwrap_or("default")) {
        return kind;
    }
    if set("AWS_WEB_IDENTITY_TOKEN_FILE") {
        "web identity".into()
    } else if set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        || set("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    {
        "container role".into()
    } else {
        "instance role (IMDS) if any".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
[default]
region = us-east-1

[profile ops]
sso_session = corp
sso_account_id = 123456789012
region = eu-west-1
s3 =
  max_concurrent_requests = 20

# a comment
[profile ci]
credential_process = /usr/bin/get-creds
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = default
";

    const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIDEXAMPLE
aws_secret_access_key = secret
";

    fn files(dir: &std::path::Path) -> AwsFiles {
        std::fs::write(dir.join("config"), CONFIG).unwrap();
        std::fs::write(dir.join("credentials"), CREDENTIALS).unwrap();
        AwsFiles {
            config: Some(dir.join("config")),
            credentials: Some(dir.join("credentials")),
        }
    }

    #[test]
    fn profiles_of_both_files_with_their_region_and_kind() {
        let dir = tempfile::tempdir().unwrap();
        let profiles = files(dir.path()).profiles();
        let seen: Vec<(&str, Option<&str>, CredentialKind)> = profiles
            .iter()
            .map(|p| (p.name.as_str(), p.region.as_deref(), p.kind))
            .collect();
        assert_eq!(
            seen,
            [
                ("default", Some("us-east-1"), CredentialKind::Static),
                ("admin", None, CredentialKind::AssumeRole),
                ("ci", None, CredentialKind::Process),
                ("ops", Some("eu-west-1"), CredentialKind::Sso),
            ]
        );
    }

    #[test]
    fn the_source_is_resolved_like_the_aws_cli() {
        let dir = tempfile::tempdir().unwrap();
        let profiles = files(dir.path()).profiles();
        let env_keys = |name: &str| match name {
            "AWS_ACCESS_KEY_ID" => Some("AKIDENV".to_string()),
            "AWS_SECRET_ACCESS_KEY" => Some("s".to_string()),
            _ => None,
        };
        // An explicit --profile beats keys in the environment.
        assert_eq!(
            credential_source(env_keys, &profiles, Some("ops"), true),
            "SSO"
        );
        // AWS_PROFILE does not.
        assert_eq!(
            credential_source(env_keys, &profiles, Some("ops"), false),
            "environment"
        );
        assert_eq!(
            credential_source(|_| None, &profiles, None, false),
            "static keys"
        );
        assert_eq!(
            credential_source(|_| None, &[], None, false),
            "instance role (IMDS) if any"
        );
    }

    #[test]
    fn a_fifo_or_a_missing_file_is_no_profile_and_no_hang() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        crate::files::make_fifo(&fifo);
        let files = AwsFiles {
            config: Some(fifo),
            credentials: Some(dir.path().join("missing")),
        };
        assert!(files.profiles().is_empty());
    }
}

const LAST_CHOICE: &str = "last-profile.json";

/// The remembered choice in `dir`, if any (a regular file, never through a symlink, bounded).
pub fn load_last(dir: &std::path::Path) -> Option<LastChoice> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(dir.join(LAST_CHOICE))
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut text = String::new();
    file.take(4096).read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

/// Remembers `choice` in `dir` (0600, written whole: a temp file renamed over it; a symlink in
/// its place is replaced, never followed).
pub fn save_last(dir: &std::path::Path, choice: &LastChoice) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!("{LAST_CHOICE}.tmp-{}", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temp)?;
    file.write_all(&serde_json::to_vec(choice).map_err(std::io::Error::other)?)?;
    file.sync_all()?;
    std::fs::rename(&temp, dir.join(LAST_CHOICE))
}

#[cfg(test)]
mod last_choice {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_last_choice_round_trips_privately_and_a_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let choice = LastChoice {
            profile: "ops".into(),
            region: "eu-west-1".into(),
        };
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join(LAST_CHOICE)).unwrap();
        assert_eq!(load_last(dir.path()), None, "not read through a symlink");
        save_last(dir.path(), &choice).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        assert_eq!(load_last(dir.path()), Some(choice));
        let mode = std::fs::metadata(dir.path().join(LAST_CHOICE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
