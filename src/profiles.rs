//! The AWS config and credentials files, for what the wizard must know before any call: which
//! profiles exist (a named profile that does not is an error, as in the AWS CLI), each one's
//! region and kind of credentials (shown in the header, offered by the profile picker), and
//! where the credentials of this run come from.
//!
//! The parsing is the SDK's own, `aws_config::profile::load`, the parser its credentials and
//! region chains use: sections (`[profile NAME]` and `[default]` in the config file, `[NAME]`
//! in the credentials file, `[sso-session NAME]`, `[profile default]` over `[default]`),
//! comments, continuation lines and nested service settings, lower-cased keys, names the SDK
//! accepts, and the credentials file's properties over the config file's. What it does not
//! serve: reading the files. Its loader reads through `Fs::real()` — a whole file, however
//! large, and a FIFO in a file's place would block the read until a writer came. So this
//! module finds the files (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else
//! `~/.aws/...`, a leading `~` expanded as the SDK does), reads each with a bounded,
//! non-blocking open, and hands the text to the loader (`EnvConfigFiles::with_contents`), with
//! an empty `Fs` and `Env`: the loader touches neither the disk nor the process's environment.
//! The kind of a profile follows the SDK's precedence (`profile/credentials/repr.rs`), which is
//! not public API.

use std::io::Read;
use std::path::PathBuf;

use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_types::os_shim_internal::{Env, Fs};

use iotmi_core::profile::{CredentialKind, LastChoice, ProfileInfo};

/// Files larger than this are not AWS config files: they are not read.
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
        let file = |var: &str, default: &str| match lookup(var).filter(|v| !v.is_empty()) {
            // As the SDK does: a leading `~` component is the home directory.
            Some(path) => match (path.strip_prefix('~'), &home) {
                (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
                    Some(home.join(rest.trim_start_matches('/')))
                }
                _ => Some(PathBuf::from(path)),
            },
            None => home.as_ref().map(|h| h.join(".aws").join(default)),
        };
        Self {
            config: file("AWS_CONFIG_FILE", "config"),
            credentials: file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        }
    }

    /// Both files parsed by the SDK (a missing, unreadable or oversized file is none). An
    /// error is the SDK's: a file it cannot parse, which the SDK's calls would fail on too.
    pub async fn profile_set(&self) -> Result<ProfileSet, String> {
        // The SDK's order: the config file, then the credentials file, whose properties win.
        let texts: Vec<(EnvConfigFileKind, String)> = [
            (EnvConfigFileKind::Config, &self.config),
            (EnvConfigFileKind::Credentials, &self.credentials),
        ]
        .into_iter()
        .filter_map(|(kind, path)| Some((kind, path.as_deref().and_then(read_bounded)?)))
        .collect();
        if texts.is_empty() {
            // The SDK's file set must not be empty.
            return Ok(ProfileSet::default());
        }
        let files = texts
            .into_iter()
            .fold(EnvConfigFiles::builder(), |files, (kind, text)| {
                files.with_contents(kind, text)
            })
            .build();
        let no_fs = Fs::from_slice(&[]);
        let no_env = Env::from_slice(&[]);
        aws_config::profile::load(&no_fs, &no_env, &files, None)
            .await
            .map_err(|error| DisplayErrorContext(&error).to_string())
    }

    /// Every profile of both files, `default` first, then by name.
    pub async fn profiles(&self) -> Result<Vec<ProfileInfo>, String> {
        let set = self.profile_set().await?;
        let mut profiles: Vec<ProfileInfo> = set
            .profiles()
            .filter_map(|name| set.get_profile(name))
            .map(|profile| ProfileInfo {
                name: profile.name().to_string(),
                region: profile.get("region").map(str::to_string),
                kind: kind_of(profile),
            })
            .collect();
        profiles.sort_by_key(|p| (p.name != "default", p.name.clone()));
        Ok(profiles)
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

/// A regular file's text if it has at most [`MAX_FILE`] bytes, never through a FIFO that would
/// block.
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
    file.take(MAX_FILE + 1).read_to_string(&mut text).ok()?;
    (text.len() as u64 <= MAX_FILE).then_some(text)
}

/// How the SDK would get the profile's credentials, in its order: a role to assume (unless a
/// web identity token file makes it a web identity), a named `credential_source` of its own
/// (the environment, the container or the instance: no keys of its own), web identity, SSO
/// (legacy `sso_*` keys or an `sso_session`), a `login_session`, `credential_process`, static
/// keys.
fn kind_of(p: &Profile) -> CredentialKind {
    let has = |key: &str| p.get(key).is_some();
    let web_identity = has("web_identity_token_file");
    if has("role_arn") && !web_identity {
        CredentialKind::AssumeRole
    } else if has("credential_source") {
        CredentialKind::Other
    } else if has("role_arn") && web_identity {
        CredentialKind::WebIdentity
    } else if [
        "sso_session",
        "sso_start_url",
        "sso_account_id",
        "sso_role_name",
        "sso_region",
    ]
    .into_iter()
    .any(has)
    {
        CredentialKind::Sso
    } else if has("login_session") {
        // A console sign-in session (`aws login`): no keys of its own either.
        CredentialKind::Other
    } else if has("credential_process") {
        CredentialKind::Process
    } else if has("aws_access_key_id") || has("aws_secret_access_key") {
        CredentialKind::Static
    } else {
        CredentialKind::Other
    }
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

    fn seen(profiles: &[ProfileInfo]) -> Vec<(&str, Option<&str>, CredentialKind)> {
        profiles
            .iter()
            .map(|p| (p.name.as_str(), p.region.as_deref(), p.kind))
            .collect()
    }

    #[tokio::test]
    async fn profiles_of_both_files_with_their_region_and_kind() {
        let dir = tempfile::tempdir().unwrap();
        let profiles = files(dir.path()).profiles().await.unwrap();
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

    #[tokio::test]
    async fn the_source_is_resolved_like_the_aws_cli() {
        let dir = tempfile::tempdir().unwrap();
        let profiles = files(dir.path()).profiles().await.unwrap();
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

    #[tokio::test]
    async fn a_fifo_or_a_missing_file_is_no_profile_and_no_hang() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        crate::files::make_fifo(&fifo);
        let files = AwsFiles {
            config: Some(fifo),
            credentials: Some(dir.path().join("missing")),
        };
        assert!(files.profiles().await.unwrap().is_empty());
    }

    fn config_only(dir: &std::path::Path, config: &str) -> AwsFiles {
        std::fs::write(dir.join("config"), config).unwrap();
        AwsFiles {
            config: Some(dir.join("config")),
            credentials: Some(dir.join("missing")),
        }
    }

    #[tokio::test]
    async fn a_file_over_a_mebibyte_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = String::from("[profile big]\nregion = eu-west-1\n");
        while config.len() as u64 <= MAX_FILE {
            config.push_str("# padding padding padding padding padding padding padding\n");
        }
        let files = config_only(dir.path(), &config);
        assert!(files.profiles().await.unwrap().is_empty());
        // Exactly a mebibyte is read.
        config.truncate(MAX_FILE as usize);
        let files = config_only(dir.path(), &config);
        assert_eq!(files.profiles().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn the_sdk_rules_the_merge_of_both_files() {
        let dir = tempfile::tempdir().unwrap();
        // As the SDK reads them: `[profile default]` wins over `[default]` in the config file
        // (the hand parser merged both); the credentials file's properties win over the config
        // file's (the hand parser had it the other way round); `[profile x]` in the credentials
        // file and `[x]` (other than default) in the config file are not profiles.
        std::fs::write(
            dir.path().join("config"),
            "[default]\nregion = us-east-1\n[profile default]\nregion = eu-west-1\n\
             [both]\nregion = ap-south-1\n[profile both]\nregion = us-west-2\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("credentials"),
            "[both]\nregion = ca-central-1\naws_access_key_id = AKID\n\
             [profile stray]\naws_access_key_id = AKID\n",
        )
        .unwrap();
        let files = AwsFiles {
            config: Some(dir.path().join("config")),
            credentials: Some(dir.path().join("credentials")),
        };
        assert_eq!(
            seen(&files.profiles().await.unwrap()),
            [
                ("default", Some("eu-west-1"), CredentialKind::Other),
                ("both", Some("ca-central-1"), CredentialKind::Static),
            ]
        );
    }

    #[tokio::test]
    async fn each_kind_as_the_sdk_would_resolve_it() {
        let dir = tempfile::tempdir().unwrap();
        let files = config_only(
            dir.path(),
            "[profile web]\nrole_arn = arn:aws:iam::1:role/w\nweb_identity_token_file = /t\n\
             [profile from-env]\nrole_arn = arn:aws:iam::1:role/e\ncredential_source = Environment\n\
             [profile legacy-sso]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n\
             sso_account_id = 1\nsso_role_name = r\n\
             [profile role-over-keys]\nrole_arn = arn:aws:iam::1:role/k\nsource_profile = keys\n\
             aws_access_key_id = AKID\n\
             [profile keys]\nAWS_ACCESS_KEY_ID = AKID\naws_secret_access_key = s\n\
             [profile process-over-keys]\ncredential_process = /bin/creds\naws_access_key_id = AKID\n\
             [profile region-only]\nregion = eu-central-1\n",
        );
        assert_eq!(
            seen(&files.profiles().await.unwrap()),
            [
                ("from-env", None, CredentialKind::AssumeRole),
                ("keys", None, CredentialKind::Static),
                ("legacy-sso", None, CredentialKind::Sso),
                ("process-over-keys", None, CredentialKind::Process),
                ("region-only", Some("eu-central-1"), CredentialKind::Other),
                ("role-over-keys", None, CredentialKind::AssumeRole),
                ("web", None, CredentialKind::WebIdentity),
            ]
        );
    }

    #[tokio::test]
    async fn a_file_the_sdk_cannot_parse_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let files = config_only(dir.path(), "region = us-east-1\n[profile a]\n");
        let error = files.profiles().await.unwrap_err();
        assert!(error.contains("Expected a profile definition"), "{error}");
    }

    #[test]
    fn the_files_are_found_like_the_sdk_finds_them() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let files = AwsFiles::from_env(env(&[("HOME", "/home/op")]));
        assert_eq!(files.config, Some(PathBuf::from("/home/op/.aws/config")));
        assert_eq!(
            files.credentials,
            Some(PathBuf::from("/home/op/.aws/credentials"))
        );
        let files = AwsFiles::from_env(env(&[
            ("HOME", "/home/op"),
            ("AWS_CONFIG_FILE", "~/elsewhere/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/etc/aws/credentials"),
        ]));
        assert_eq!(
            files.config,
            Some(PathBuf::from("/home/op/elsewhere/config"))
        );
        assert_eq!(
            files.credentials,
            Some(PathBuf::from("/etc/aws/credentials"))
        );
        let files = AwsFiles::from_env(env(&[]));
        assert_eq!((files.config, files.credentials), (None, None));
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
