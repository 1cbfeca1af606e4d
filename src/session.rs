//! Start-up shared by every front end (the wizard, plain prompts, the commands): the
//! connection (which service, which target, which journal key), the flow's options from the
//! flags, the journal under its lock, the profile picker's offer, and the ClientToken seed.

use std::sync::Arc;

use crate::cli::{AwsArgs, WizardArgs};
use crate::journal::{JournalKey, JournalStore};
use crate::remote::{Environment, decide_launch};
use crate::runtime::{JournalSink, Runtime};
use crate::sdk::{AwsTarget, LazySdkService};
use iotmi_core::flow::{FirstScreen, Options, Prefill, Target, TokenRule};
use iotmi_core::service::AssociationService;

/// Where calls go and the service that makes them, built the same way for every front end
/// (wizard, plain prompts, commands).
pub struct Connection {
    pub service: Arc<dyn AssociationService>,
    pub target: Target,
    pub endpoint_is_loopback: bool,
    pub journal_key: JournalKey,
    /// No profile was named and the config files have several: offered on the Start screen.
    pub picker: Vec<iotmi_core::profile::ProfileInfo>,
    /// The endpoint's port was picked for this run (`demo` without `--port`).
    pub port_per_run: bool,
}

impl Connection {
    /// Over SSH: what the hand-over says about forwarding a loopback endpoint's port.
    pub fn ssh_session(&self) -> Option<iotmi_core::flow::SshSession> {
        crate::remote::ssh_session(
            |name| std::env::var(name).ok(),
            self.target.endpoint.as_deref(),
            self.port_per_run,
        )
    }
}

/// The service for `--profile/--region/--endpoint-url`: the SDK's default chain, loaded lazily
/// (loopback endpoints bypass proxies, see [`crate::sdk::load_sdk_config`]). A named
/// profile that the AWS config files do not have is an error before any call, as in the AWS
/// CLI (the SDK would silently fall back to keys in the environment). Files the SDK cannot
/// parse are an error when a profile is named; otherwise they offer no profile, and the SDK's
/// calls report them.
pub async fn connect(aws: &AwsArgs) -> Result<Connection, iotmi_core::exit::UsageError> {
    connect_with(aws, false).await
}

/// [`connect`], where `own_retries` has the SDK make one attempt per call: the caller retries
/// (see [`AwsTarget::own_retries`]).
pub async fn connect_with(
    aws: &AwsArgs,
    own_retries: bool,
) -> Result<Connection, iotmi_core::exit::UsageError> {
    let env = |name: &str| std::env::var(name).ok();
    let files = crate::profiles::AwsFiles::from_env(env);
    let profiles = match files.profiles().await {
        Ok(profiles) => profiles,
        Err(error) if aws.profile.is_some() => {
            return Err(iotmi_core::exit::UsageError(format!(
                "the AWS config files ({}) could not be parsed: {error}",
                files.describe()
            )));
        }
        Err(error) => {
            tracing::warn!(%error, "the AWS config files could not be parsed");
            Vec::new()
        }
    };
    if let Some(name) = &aws.profile
        && !profiles.iter().any(|p| &p.name == name)
    {
        return Err(iotmi_core::exit::UsageError(format!(
            "the config profile ({name}) could not be found in {}",
            files.describe()
        )));
    }
    let endpoint_is_loopback = aws
        .endpoint_url
        .as_deref()
        .is_some_and(iotmi_core::url_policy::is_loopback_endpoint);
    let target = Target {
        profile: aws.profile.clone().unwrap_or_else(|| "default".into()),
        region: aws.region.clone(),
        endpoint: aws.endpoint_url.clone(),
        account: None,
        arn: None,
        profile_given: aws.profile.is_some(),
        demo: false,
        credentials: crate::profiles::credential_source(
            env,
            &profiles,
            aws.profile.as_deref(),
            aws.profile_flag,
        ),
    };
    let journal_key = JournalKey {
        profile: target.profile.clone(),
        // The region as given; the chain's answer is not known yet and must not be waited for.
        region: aws
            .region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .unwrap_or_default(),
        endpoint: aws.endpoint_url.clone().unwrap_or_default(),
    };
    let service = LazySdkService::new(AwsTarget {
        profile: aws.profile.clone(),
        profile_flag: aws.profile_flag,
        region: aws.region.clone(),
        endpoint_url: aws.endpoint_url.clone(),
        own_retries,
    });
    // Against AWS with nothing chosen and several profiles: the operator picks one first.
    let picker = if aws.profile.is_none() && aws.endpoint_url.is_none() && profiles.len() > 1 {
        profiles
    } else {
        Vec::new()
    };
    Ok(Connection {
        service: Arc::new(service),
        target,
        endpoint_is_loopback,
        journal_key,
        picker,
        port_per_run: false,
    })
}

/// The Start screen's profile picker, when there is one to offer.
pub struct ProfileOffer {
    pub profiles: Vec<iotmi_core::profile::ProfileInfo>,
    pub last: Option<iotmi_core::profile::LastChoice>,
    pub reconnect: crate::runtime::Reconnect,
}

impl ProfileOffer {
    /// Into the flow's options and the runtime.
    pub fn apply(self, options: &mut Options, runtime: Runtime) -> Runtime {
        options.profiles = self.profiles;
        options.last_profile = self.last;
        runtime.with_reconnect(self.reconnect)
    }
}

/// When the Start screen offers the profiles: the journal is opened only once one is picked
/// (its key is the profile's; `journal` is taken), the last choice is offered first, and the
/// runtime learns how to switch to the one picked.
pub fn offer_profiles(
    connection: &Connection,
    journal: &mut Option<(JournalStore, JournalKey)>,
) -> Option<ProfileOffer> {
    if connection.picker.is_empty() {
        return None;
    }
    let journals = journal.take().map(|(store, _)| store);
    let last = journals
        .as_ref()
        .and_then(|store| crate::profiles::load_last(store.dir()));
    let reconnect = crate::runtime::Reconnect {
        service: Box::new(|profile: &str, region: &str| {
            Arc::new(LazySdkService::new(AwsTarget {
                profile: Some(profile.to_string()),
                profile_flag: true,
                region: Some(region.to_string()),
                endpoint_url: None,
                own_retries: false,
            })) as Arc<dyn AssociationService>
        }),
        journals,
        endpoint: String::new(),
    };
    Some(ProfileOffer {
        profiles: connection.picker.clone(),
        last,
        reconnect,
    })
}

/// What every interactive front end (the wizard, plain mode) starts from: the flow's options
/// and the runtime, with the journal held under its lock and the profile picker's offer, if
/// any, applied to both.
pub fn start_interactive(
    args: &WizardArgs,
    connection: &Connection,
    mut journal: Option<(JournalStore, JournalKey)>,
) -> (Options, Runtime) {
    let offer = offer_profiles(connection, &mut journal);
    let mut prepared = prepare(
        args,
        connection.target.clone(),
        connection.endpoint_is_loopback,
        connection.ssh_session(),
        journal,
    );
    let mut runtime = Runtime::new(connection.service.clone(), prepared.journal.take());
    if let Some(offer) = offer {
        runtime = offer.apply(&mut prepared.options, runtime);
    }
    (prepared.options, runtime)
}

/// The flow's options, and the journal held under its lock (or none, with the reason in the
/// notice).
pub struct Prepared {
    pub options: Options,
    pub journal: Option<JournalSink>,
}

/// Reads the journal (under its exclusive lock) and builds the flow's options from the flags.
/// A journal another live process holds is neither resumed nor written: this run keeps its
/// draft apart and says who holds it.
pub fn prepare(
    args: &WizardArgs,
    target: Target,
    endpoint_is_loopback: bool,
    ssh: Option<iotmi_core::flow::SshSession>,
    journal: Option<(JournalStore, JournalKey)>,
) -> Prepared {
    let opened = journal.map(|(store, key)| JournalSink::open(store, key));
    let (sink, resume, held, notice) = match opened {
        Some(opened) => (opened.sink, opened.resume, opened.held, opened.notice),
        None => (None, None, None, None),
    };
    let prefill = args.draft.clone();
    // The other run's same request is asked about (the Resume step): no notice besides.
    let notice = notice.filter(|_| !held.as_ref().is_some_and(|h| h.same_request(&prefill)));
    let first = if args.manage {
        FirstScreen::Manage
    } else if !prefill.is_empty() {
        // Prefilled: the operator already chose to create.
        FirstScreen::Create
    } else {
        FirstScreen::Start
    };
    let options = Options {
        resume,
        held,
        notice,
        first,
        journaled: sink.is_some(),
        notify: !args.no_notify,
        ssh,
        aws_cli: crate::remote::on_path("aws"),
        ..options(
            target,
            endpoint_is_loopback,
            prefill,
            args.no_browser,
            args.browser_command.as_deref(),
            args.wait_timeout,
        )
    };
    Prepared {
        options,
        journal: sink,
    }
}

/// The flow's options for every front end: a fresh token seed, the browser decided from the
/// environment and flags; no resume, straight to creating.
pub fn options(
    target: Target,
    endpoint_is_loopback: bool,
    prefill: Prefill,
    no_browser: bool,
    browser_command: Option<&str>,
    wait_timeout: std::time::Duration,
) -> Options {
    Options {
        prefill,
        launch: decide_launch(&Environment::detect(), no_browser, browser_command),
        endpoint_is_loopback,
        wait_timeout,
        token_seed: token_seed(),
        token_rule: TokenRule::PerSession,
        target,
        resume: None,
        held: None,
        notice: None,
        first: FirstScreen::Create,
        journaled: false,
        notify: false,
        ssh: None,
        aws_cli: false,
        profiles: Vec::new(),
        last_profile: None,
        batch: None,
    }
}

/// The journal of this connection, when another live run holds it and is onboarding the
/// request `draft` describes: `create` refuses to make a second association without `--new`.
pub fn same_request_elsewhere(
    connection: &Connection,
    draft: &iotmi_core::draft::Draft,
) -> Option<iotmi_core::journal::HeldJournal> {
    let store = JournalStore::new(JournalStore::default_dir()?);
    store
        .held_by_another(&connection.journal_key)
        .filter(|held| held.same_request(draft))
}

/// 24 random alphanumerics: with a counter appended, within ClientToken's `[a-zA-Z0-9=_-]{1,64}`.
/// The one generator of ClientTokens (wizard, plain prompts, `create`).
pub fn token_seed() -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(24)
        .collect()
}
