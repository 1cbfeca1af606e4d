//! Account associations and their lifecycle. Time-driven transitions (approved → succeeded,
//! succeeded → refresh token expired, deleting → gone) are computed lazily from stored
//! instants whenever an association is read, so there are no background timers to leak or
//! race with shutdown. The consent chain (third-party page → callback) moves an association
//! only at its end, through [`Store::settle`].

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use super::devices::{self, Account, Devices};
use super::error::ApiError;
use super::fixtures::{Catalog, SeedAssociation};
use super::oauth;

/// The ErrorMessage values the simulator sets; they fit `[A-Za-z0-9-_ ]+`.
pub const DENIED_MESSAGE: &str = "The account owner denied access";
pub const EXPIRED_MESSAGE: &str = "The refresh token has expired";
/// AWS.ActivateUser failed in the customer's connector (the customer's side).
pub const CONNECTOR_FAILED_MESSAGE: &str = "The connector failed AWS ActivateUser for this account";
/// The service failed while completing the link (the service's side).
pub const SERVICE_FAILED_MESSAGE: &str =
    "Account linking failed because of an internal service error";

/// How long the time-driven phases last.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub approve_after: Duration,
    pub expire_after: Option<Duration>,
    pub delete_after: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `succeed_at` is None while an OAuth consent is awaited, Some once approved (or for a
    /// General Authorization association, from creation).
    InProgress {
        succeed_at: Option<Instant>,
    },
    Succeeded {
        since: Instant,
    },
    Failed,
    Expired,
    Deleting {
        until: Instant,
    },
}

impl Phase {
    pub fn state_name(self) -> &'static str {
        match self {
            Phase::InProgress { .. } => "ASSOCIATION_IN_PROGRESS",
            Phase::Succeeded { .. } => "ASSOCIATION_SUCCEEDED",
            Phase::Failed => "ASSOCIATION_FAILED",
            Phase::Expired => "REFRESH_TOKEN_EXPIRED",
            Phase::Deleting { .. } => "ASSOCIATION_DELETING",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Association {
    pub id: String,
    pub destination_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub auth_material_name: Option<String>,
    pub error_message: Option<String>,
    pub phase: Phase,
    /// The destination's OAuth client, for an association authorized through consent.
    pub oauth: Option<oauth::Client>,
    /// The authorization request in flight, while the account owner's consent is awaited.
    pub consent: Option<Consent>,
    client_token: Option<String>,
}

/// One authorization request: its URL and where the account owner got with it.
#[derive(Debug, Clone)]
pub struct Consent {
    pub state: String,
    pub url: String,
    /// The PKCE verifier, which the service keeps and the third party never sees.
    verifier: String,
    pub stage: ConsentStage,
}

impl Consent {
    /// The S256 challenge the URL carries.
    pub fn challenge(&self) -> String {
        oauth::challenge(&self.verifier)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentStage {
    /// Issued: the third party's page may be opened (and reloaded).
    Issued,
    /// The owner decided at the third party, which sent the browser to the callback with this
    /// authorization code, or with `error=access_denied` (None).
    Decided { code: Option<String> },
}

/// How the account owner's authorization ended: what [`Store::settle`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Consent given, token exchanged, user activated: succeeds after `--approve-after-ms`.
    Approved,
    /// The owner refused at the third party.
    Denied,
    /// The token exchange or AWS.ActivateUser failed, on one side or the other.
    ActivationFailed(Side),
    /// The owner's refresh token expired (or was revoked) on a succeeded association.
    Expired,
}

/// Whose fault a failed activation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The customer's connector (its Lambda answered AWS.ActivateUser with an error).
    Connector,
    /// The service itself.
    Service,
}

impl Side {
    pub fn error_message(self) -> &'static str {
        match self {
            Side::Connector => CONNECTOR_FAILED_MESSAGE,
            Side::Service => SERVICE_FAILED_MESSAGE,
        }
    }

    /// The OAuth error code and description appended to the final redirect.
    pub fn redirect_error(self) -> (&'static str, &'static str) {
        match self {
            Side::Connector => (
                "server_error",
                "AWS.ActivateUser failed in the connector: it returned no user id for this account.",
            ),
            Side::Service => (
                "temporarily_unavailable",
                "The service could not complete the account link. Try again later.",
            ),
        }
    }
}

impl Association {
    /// The consent URL while a consent is awaited, otherwise "" (as for General Authorization).
    pub fn consent_url(&self) -> &str {
        match (&self.consent, self.phase) {
            (Some(consent), Phase::InProgress { succeed_at: None }) => &consent.url,
            _ => "",
        }
    }

    fn advance(&mut self, now: Instant, timing: &Timing) {
        if let Phase::InProgress {
            succeed_at: Some(at),
        } = self.phase
            && now >= at
        {
            self.phase = Phase::Succeeded { since: at };
            self.error_message = None;
        }
        if let (Phase::Succeeded { since }, Some(expire)) = (self.phase, timing.expire_after)
            && now >= since + expire
        {
            self.apply(Settlement::Expired, now, timing.approve_after);
        }
    }

    /// Moves the association as `settlement` says (the caller checked that it fits) and hands
    /// back the authorization request it ends.
    fn apply(
        &mut self,
        settlement: Settlement,
        now: Instant,
        approve_after: Duration,
    ) -> Option<Consent> {
        let (phase, message) = match settlement {
            Settlement::Approved => (
                Phase::InProgress {
                    succeed_at: Some(now + approve_after),
                },
                None,
            ),
            Settlement::Denied => (Phase::Failed, Some(DENIED_MESSAGE)),
            Settlement::ActivationFailed(side) => (Phase::Failed, Some(side.error_message())),
            Settlement::Expired => (Phase::Expired, Some(EXPIRED_MESSAGE)),
        };
        self.phase = phase;
        self.error_message = message.map(Into::into);
        self.consent.take()
    }
}

/// What CreateAccountAssociation asks for, validated already.
#[derive(Debug, Clone)]
pub struct NewAssociation {
    pub client_token: Option<String>,
    pub destination_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub auth_material_name: Option<String>,
    pub oauth: Option<oauth::Client>,
}

impl NewAssociation {
    /// The parameters an idempotent retry must repeat exactly.
    fn fingerprint(&self) -> String {
        serde_json::json!([
            self.destination_id,
            self.name,
            self.description,
            self.tags,
            self.auth_material_name
        ])
        .to_string()
    }
}

/// Why a step of the consent chain is refused (the browser is shown a page saying so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentError {
    /// No authorization request has this state: mistyped, forged, or replaced by a newer one
    /// (a refresh) or ended by a deletion.
    Unknown,
    /// The state was valid and its link has been used.
    Used,
    /// The request does not match what was issued (the reason is shown).
    Mismatch(String),
}

/// What the callback received from the third party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    Code(String),
    Error(String),
}

/// `--activate-fail-rate`: a seeded draw per completed consent.
pub struct Activation {
    pub fail_rate: f64,
    pub rng: fastrand::Rng,
}

impl Activation {
    fn roll(&mut self) -> Option<Side> {
        // Draw only when a rate is set, so the default consumes no randomness.
        if self.fail_rate > 0.0 && self.rng.f64() < self.fail_rate {
            Some(if self.rng.bool() {
                Side::Connector
            } else {
                Side::Service
            })
        } else {
            None
        }
    }
}

struct TokenRecord {
    fingerprint: String,
    id: String,
}

pub struct Store {
    timing: Timing,
    base_url: String,
    /// Insertion order: pages are cut by sequence number, so order is stable across pages
    /// even when associations are created or deleted in between.
    by_seq: BTreeMap<u64, Association>,
    seq_by_id: HashMap<String, u64>,
    /// Destination → its associations' sequence numbers, so a listing filtered by
    /// destination costs its page (and a log), not a scan of every association.
    by_destination: HashMap<String, BTreeSet<u64>>,
    tokens: HashMap<String, TokenRecord>,
    /// Live consent states and their associations.
    consent: HashMap<String, String>,
    /// States whose links were used: a second use is told so, not "unknown".
    used_states: HashSet<String>,
    /// Associations in ASSOCIATION_DELETING by when they are gone, soonest first: every
    /// request purges, and that must cost nothing when nothing is due.
    deleting: BTreeSet<(Instant, String)>,
    next_seq: u64,
    rng: fastrand::Rng,
    activation: Activation,
    /// Discoveries, managed things and their links to associations.
    pub devices: Devices,
}

impl Store {
    pub fn new(
        timing: Timing,
        base_url: String,
        rng: fastrand::Rng,
        activation: Activation,
        devices: Devices,
    ) -> Self {
        Self {
            timing,
            base_url,
            by_seq: BTreeMap::new(),
            seq_by_id: HashMap::new(),
            by_destination: HashMap::new(),
            tokens: HashMap::new(),
            consent: HashMap::new(),
            used_states: HashSet::new(),
            deleting: BTreeSet::new(),
            next_seq: 0,
            rng,
            activation,
            devices,
        }
    }

    /// The service's OAuth callback, where third parties send the browser back.
    pub fn callback_url(&self) -> String {
        format!("{}{}", self.base_url, oauth::CALLBACK_PATH)
    }

    /// Adds the fixtures' associations, in their given state, as of `now`.
    pub fn seed(
        &mut self,
        seeds: &[SeedAssociation],
        catalog: &Catalog,
        now: Instant,
    ) -> anyhow::Result<()> {
        for seed in seeds {
            if self.seq_by_id.contains_key(&seed.account_association_id) {
                anyhow::bail!(
                    "fixtures: duplicate account association id {:?}",
                    seed.account_association_id
                );
            }
            let auth_material_name = seed
                .general_authorization
                .as_ref()
                .and_then(|g| g.auth_material_name.clone());
            let oauth = if auth_material_name.is_none() {
                catalog
                    .destination(&seed.connector_destination_id)
                    .and_then(|d| d.oauth_client())
            } else {
                None
            };
            let phase = match seed.association_state.as_str() {
                "ASSOCIATION_IN_PROGRESS" if oauth.is_some() => {
                    Phase::InProgress { succeed_at: None }
                }
                "ASSOCIATION_IN_PROGRESS" => Phase::InProgress {
                    succeed_at: Some(now + self.timing.approve_after),
                },
                "ASSOCIATION_FAILED" => Phase::Failed,
                "ASSOCIATION_DELETING" => Phase::Deleting {
                    until: now + self.timing.delete_after,
                },
                "REFRESH_TOKEN_EXPIRED" => Phase::Expired,
                _ => Phase::Succeeded { since: now },
            };
            let mut association = Association {
                id: seed.account_association_id.clone(),
                destination_id: seed.connector_destination_id.clone(),
                name: seed.name.clone(),
                description: seed.description.clone(),
                tags: seed.tags.clone(),
                auth_material_name,
                error_message: seed.error_message.clone(),
                phase,
                oauth,
                consent: None,
                client_token: None,
            };
            if phase == (Phase::InProgress { succeed_at: None }) {
                association.consent = self.new_consent(&association);
            }
            if let Phase::Deleting { until } = phase {
                self.deleting.insert((until, association.id.clone()));
            }
            if seed.managed_things > 0 {
                let connector_id = catalog
                    .destination(&seed.connector_destination_id)
                    .map(|d| d.cloud_connector_id.clone())
                    .unwrap_or_default();
                let account = Account {
                    id: &association.id,
                    state: association.phase.state_name(),
                    destination_id: &association.destination_id,
                    connector_id: &connector_id,
                };
                self.devices.seed_registered(
                    &account,
                    seed.managed_things as usize,
                    catalog,
                    now,
                )?;
            }
            self.insert(association);
        }
        Ok(())
    }

    fn insert(&mut self, association: Association) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.seq_by_id.insert(association.id.clone(), seq);
        self.by_destination
            .entry(association.destination_id.clone())
            .or_default()
            .insert(seq);
        self.by_seq.insert(seq, association);
    }

    fn new_id(&mut self) -> String {
        loop {
            let id: String = (0..32)
                .map(|_| char::from_digit(self.rng.u32(0..16), 16).unwrap_or('0'))
                .collect();
            if !self.seq_by_id.contains_key(&id) {
                return id;
            }
        }
    }

    /// A fresh authorization request for an OAuth association (None for the others).
    fn new_consent(&mut self, association: &Association) -> Option<Consent> {
        let client = association.oauth.as_ref()?;
        let state: String = (0..oauth::STATE_LEN)
            .map(|_| self.rng.alphanumeric())
            .collect();
        let verifier: String = (0..oauth::VERIFIER_LEN)
            .map(|_| self.rng.alphanumeric())
            .collect();
        let url = oauth::authorization_url(client, &self.callback_url(), &state, &verifier);
        self.consent.insert(state.clone(), association.id.clone());
        Some(Consent {
            state,
            url,
            verifier,
            stage: ConsentStage::Issued,
        })
    }

    /// Ends the association's authorization request: its link counts as used from now on.
    fn retire_consent(&mut self, consent: Option<Consent>) {
        if let Some(consent) = consent {
            self.consent.remove(&consent.state);
            self.used_states.insert(consent.state);
        }
    }

    /// Drops associations whose DELETING period is over (with their token and consent).
    fn purge(&mut self, now: Instant) {
        while let Some(first) = self.deleting.first()
            && now >= first.0
        {
            let Some((_, id)) = self.deleting.pop_first() else {
                break;
            };
            if let Some(seq) = self.seq_by_id.remove(&id)
                && let Some(association) = self.by_seq.remove(&seq)
            {
                if let Some(seqs) = self.by_destination.get_mut(&association.destination_id) {
                    seqs.remove(&seq);
                    if seqs.is_empty() {
                        self.by_destination.remove(&association.destination_id);
                    }
                }
                if let Some(token) = association.client_token {
                    self.tokens.remove(&token);
                }
                if let Some(consent) = association.consent {
                    self.consent.remove(&consent.state);
                }
            }
        }
    }

    fn get_mut(&mut self, id: &str, now: Instant) -> Result<&mut Association, ApiError> {
        self.purge(now);
        let timing = self.timing;
        let association = self
            .seq_by_id
            .get(id)
            .and_then(|seq| self.by_seq.get_mut(seq))
            .ok_or_else(|| ApiError::not_found("AccountAssociation", id))?;
        association.advance(now, &timing);
        Ok(association)
    }

    pub fn get(&mut self, id: &str, now: Instant) -> Result<&Association, ApiError> {
        self.get_mut(id, now).map(|a| &*a)
    }

    /// Creates an association, or returns the one an earlier request with the same
    /// ClientToken and parameters created (`false` = not new).
    pub fn create(
        &mut self,
        request: NewAssociation,
        now: Instant,
    ) -> Result<(&Association, bool), ApiError> {
        self.purge(now);
        let fingerprint = request.fingerprint();
        if let Some(token) = &request.client_token
            && let Some(record) = self.tokens.get(token)
        {
            if record.fingerprint != fingerprint {
                return Err(ApiError::Conflict(format!(
                    "ClientToken {token:?} was already used with different parameters"
                )));
            }
            let id = record.id.clone();
            return self.get(&id, now).map(|a| (a, false));
        }
        let id = self.new_id();
        let mut association = Association {
            id: id.clone(),
            destination_id: request.destination_id,
            name: request.name,
            description: request.description,
            tags: request.tags,
            auth_material_name: request.auth_material_name,
            error_message: None,
            phase: Phase::InProgress { succeed_at: None },
            oauth: request.oauth,
            consent: None,
            client_token: request.client_token.clone(),
        };
        if association.oauth.is_some() {
            association.consent = self.new_consent(&association);
        } else {
            association.phase = Phase::InProgress {
                succeed_at: Some(now + self.timing.approve_after),
            };
        }
        if let Some(token) = request.client_token {
            self.tokens.insert(
                token,
                TokenRecord {
                    fingerprint,
                    id: id.clone(),
                },
            );
        }
        self.insert(association);
        self.get(&id, now).map(|a| (a, true))
    }

    /// One page of associations (optionally of one destination) from sequence `start`:
    /// the rendered items and the sequence number where the next page starts, if any.
    pub fn page<T>(
        &mut self,
        destination: Option<&str>,
        start: u64,
        limit: usize,
        now: Instant,
        render: impl Fn(&Association) -> T,
    ) -> (Vec<T>, Option<u64>) {
        self.purge(now);
        let timing = self.timing;
        // The sequence numbers of the page and the one after it, then the page itself.
        let seqs: Vec<u64> = match destination {
            None => self
                .by_seq
                .range(start..)
                .take(limit + 1)
                .map(|(seq, _)| *seq)
                .collect(),
            Some(destination) => self
                .by_destination
                .get(destination)
                .map(|seqs| seqs.range(start..).take(limit + 1).copied().collect())
                .unwrap_or_default(),
        };
        let next = seqs.get(limit).copied();
        let items = seqs
            .iter()
            .take(limit)
            .filter_map(|seq| {
                let association = self.by_seq.get_mut(seq)?;
                association.advance(now, &timing);
                Some(render(association))
            })
            .collect();
        (items, next)
    }

    pub fn update(
        &mut self,
        id: &str,
        name: Option<String>,
        description: Option<String>,
        now: Instant,
    ) -> Result<(), ApiError> {
        let association = self.get_mut(id, now)?;
        if matches!(association.phase, Phase::Deleting { .. }) {
            return Err(ApiError::Conflict(format!(
                "AccountAssociation {id} is being deleted"
            )));
        }
        if name.is_some() {
            association.name = name;
        }
        if description.is_some() {
            association.description = description;
        }
        Ok(())
    }

    /// Starts a new authorization: a fresh consent URL for OAuth (the old one stops
    /// working), or "" and a delayed success for General Authorization.
    pub fn refresh(&mut self, id: &str, now: Instant) -> Result<String, ApiError> {
        let approve_after = self.timing.approve_after;
        let association = self.get_mut(id, now)?;
        if matches!(association.phase, Phase::Deleting { .. }) {
            return Err(ApiError::Conflict(format!(
                "AccountAssociation {id} is being deleted"
            )));
        }
        let old = association.consent.take();
        association.error_message = None;
        association.phase = if association.oauth.is_some() {
            Phase::InProgress { succeed_at: None }
        } else {
            Phase::InProgress {
                succeed_at: Some(now + approve_after),
            }
        };
        let snapshot = association.clone();
        // The old link is not "used" but replaced: its state becomes unknown.
        if let Some(old) = old {
            self.consent.remove(&old.state);
        }
        let consent = self.new_consent(&snapshot);
        let association = self.get_mut(id, now)?;
        association.consent = consent;
        Ok(association.consent_url().to_owned())
    }

    pub fn delete(&mut self, id: &str, now: Instant) -> Result<(), ApiError> {
        let delete_after = self.timing.delete_after;
        self.get(id, now)?;
        let linked = self.devices.linked_to(id);
        if linked > 0 {
            return Err(ApiError::Conflict(format!(
                "AccountAssociation {id} cannot be deleted: {linked} managed things are still \
                 registered (DeregisterAccountAssociation them first)"
            )));
        }
        let association = self.get_mut(id, now)?;
        if matches!(association.phase, Phase::Deleting { .. }) {
            // Deleting twice is harmless; the first request's timer stands.
            return Ok(());
        }
        let until = now + delete_after;
        association.phase = Phase::Deleting { until };
        let consent = association.consent.take();
        // A link of a deleted association is not "used", it is gone: forget its state.
        if let Some(consent) = consent {
            self.consent.remove(&consent.state);
        }
        self.deleting.insert((until, id.to_owned()));
        Ok(())
    }

    /// StartDeviceDiscovery: a CLOUD discovery runs for an existing association (whose state
    /// the devices side judges), a hub discovery for an existing controller.
    pub fn start_discovery(
        &mut self,
        request: devices::NewDiscovery,
        catalog: &Catalog,
        now: Instant,
    ) -> Result<&devices::Discovery, ApiError> {
        let association = match (&request.account_association_id, request.kind.as_str()) {
            (Some(id), devices::CLOUD) => Some(self.get(id, now)?.clone()),
            _ => None,
        };
        let connector_id = association
            .as_ref()
            .and_then(|a| catalog.destination(&a.destination_id))
            .map(|d| d.cloud_connector_id.clone())
            .unwrap_or_default();
        let account = association.as_ref().map(|a| Account {
            id: &a.id,
            state: a.phase.state_name(),
            destination_id: &a.destination_id,
            connector_id: &connector_id,
        });
        let role = request
            .controller_id
            .as_deref()
            .and_then(|id| self.devices.thing(id).ok())
            .map(|thing| thing.role.clone());
        self.devices
            .start_discovery(request, account, role.as_deref(), catalog, now)
    }

    /// RegisterAccountAssociation, for an existing association.
    pub fn register(
        &mut self,
        thing: &str,
        association: &str,
        discovery: &str,
        now: Instant,
    ) -> Result<(), ApiError> {
        let state = self.get(association, now)?.phase.state_name();
        self.devices
            .register(thing, (association, state), discovery, now)
    }

    /// DeregisterAccountAssociation, for an existing association.
    pub fn deregister(
        &mut self,
        thing: &str,
        association: &str,
        now: Instant,
    ) -> Result<(), ApiError> {
        self.get(association, now)?;
        self.devices.deregister(thing, association, now)
    }

    /// The association whose authorization request has this `state`, while its third-party
    /// page may still be used.
    pub fn open_consent(
        &mut self,
        state: &str,
        now: Instant,
    ) -> Result<&Association, ConsentError> {
        let id = self.consent_owner(state, now)?;
        let association = self.get(&id, now).map_err(|_| ConsentError::Unknown)?;
        match &association.consent {
            Some(consent) if consent.stage == ConsentStage::Issued => Ok(association),
            _ => Err(ConsentError::Used),
        }
    }

    /// The third party records the owner's decision and sends the browser to the callback:
    /// the returned URL carries `code` and `state`, or `error=access_denied`. The association
    /// itself does not change until the callback.
    pub fn decide(
        &mut self,
        state: &str,
        approve: bool,
        now: Instant,
    ) -> Result<String, ConsentError> {
        let id = self.open_consent(state, now)?.id.clone();
        let code = approve.then(|| (0..32).map(|_| self.rng.alphanumeric()).collect::<String>());
        let callback = self.callback_url();
        let association = self.get_mut(&id, now).map_err(|_| ConsentError::Unknown)?;
        let consent = association.consent.as_mut().ok_or(ConsentError::Used)?;
        consent.stage = ConsentStage::Decided { code: code.clone() };
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        match &code {
            Some(code) => query.append_pair("code", code),
            None => query
                .append_pair("error", "access_denied")
                .append_pair("error_description", "The account owner denied access."),
        };
        query.append_pair("state", state);
        Ok(format!("{callback}?{}", query.finish()))
    }

    /// The service's callback: exchanges the code (checking it is the one the third party
    /// issued for this state), activates the user on the connector (which `--activate-fail-rate`
    /// makes fail), settles the association, and returns where the browser goes last: the
    /// destination's completion page, with `error` and `error_description` on failure.
    pub fn complete(
        &mut self,
        state: &str,
        callback: Callback,
        now: Instant,
    ) -> Result<String, ConsentError> {
        let id = self.consent_owner(state, now)?;
        let association = self.get(&id, now).map_err(|_| ConsentError::Unknown)?;
        let Some(stage) = association.consent.as_ref().map(|c| c.stage.clone()) else {
            return Err(ConsentError::Used);
        };
        let complete_url = association
            .oauth
            .as_ref()
            .and_then(|client| client.complete_url.clone())
            .unwrap_or_else(|| format!("{}{}", self.base_url, oauth::COMPLETE_PATH));
        let settlement = match (&stage, &callback) {
            (ConsentStage::Issued, _) => {
                return Err(ConsentError::Mismatch(
                    "the account owner has not decided at the third party yet".into(),
                ));
            }
            (ConsentStage::Decided { code: Some(issued) }, Callback::Code(code))
                if issued == code =>
            {
                match self.activation.roll() {
                    None => Settlement::Approved,
                    Some(side) => Settlement::ActivationFailed(side),
                }
            }
            (ConsentStage::Decided { code: None }, Callback::Error(error))
                if error == "access_denied" =>
            {
                Settlement::Denied
            }
            _ => {
                return Err(ConsentError::Mismatch(
                    "the code or error does not match what the third party issued".into(),
                ));
            }
        };
        self.settle(&id, settlement, now)
            .map_err(|e| ConsentError::Mismatch(e.message().to_owned()))?;
        let error = match settlement {
            Settlement::Denied => Some(("access_denied", "The account owner denied access.")),
            Settlement::ActivationFailed(side) => Some(side.redirect_error()),
            Settlement::Approved | Settlement::Expired => None,
        };
        Ok(match error {
            None => complete_url,
            Some((error, description)) => {
                let separator = if complete_url.contains('?') { '&' } else { '?' };
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("error", error)
                    .append_pair("error_description", description)
                    .finish();
                format!("{complete_url}{separator}{query}")
            }
        })
    }

    /// The association a live consent `state` belongs to.
    fn consent_owner(&mut self, state: &str, now: Instant) -> Result<String, ConsentError> {
        self.purge(now);
        if self.used_states.contains(state) {
            return Err(ConsentError::Used);
        }
        self.consent
            .get(state)
            .cloned()
            .ok_or(ConsentError::Unknown)
    }

    /// Records how the account owner's authorization of association `id` ended; the one place
    /// the consent chain (and anything that drives it) changes an association's state.
    /// Approved, Denied and ActivationFailed need a consent in flight; Expired needs a
    /// succeeded association.
    pub fn settle(
        &mut self,
        id: &str,
        settlement: Settlement,
        now: Instant,
    ) -> Result<&Association, ApiError> {
        let approve_after = self.timing.approve_after;
        let association = self.get_mut(id, now)?;
        let state = association.phase.state_name();
        let fits = match settlement {
            Settlement::Expired => matches!(association.phase, Phase::Succeeded { .. }),
            _ => {
                association.phase == (Phase::InProgress { succeed_at: None })
                    && association.consent.is_some()
            }
        };
        if !fits {
            let what = if settlement == Settlement::Expired {
                "only a succeeded association can expire"
            } else {
                "it awaits no consent"
            };
            return Err(ApiError::Conflict(format!(
                "AccountAssociation {id} is {state}: {what}"
            )));
        }
        let consent = association.apply(settlement, now, approve_after);
        self.retire_consent(consent);
        self.get(id, now)
    }
}

/// `--associations N` with `--things-per-association K`: association number `i` of `n`, as a
/// seed, the same in every run. Destinations are taken in turn; of every twenty, one has
/// failed, one has lost its refresh token (failed, on General Authorization), one is in
/// progress (awaiting consent, on OAuth), the rest have succeeded; those that succeeded (or
/// expired since) hold `k` registered managed things; every third is tagged.
pub fn generated_associations(catalog: &Catalog, n: usize, k: usize) -> Vec<SeedAssociation> {
    use super::fixtures::GeneralAuthorizationName;
    if catalog.destinations.is_empty() {
        return Vec::new();
    }
    (0..n)
        .map(|i| {
            let destination = &catalog.destinations[i % catalog.destinations.len()];
            let materials = destination.auth_material_names();
            // A destination offering both takes turns, so both kinds appear.
            let material = materials
                .first()
                .filter(|_| destination.oauth().is_none() || i.is_multiple_of(2))
                .map(|name| (*name).to_owned());
            let general = material.is_some();
            let (state, error_message) = match i % 20 {
                0 if general => ("ASSOCIATION_FAILED", Some(CONNECTOR_FAILED_MESSAGE)),
                0 => ("ASSOCIATION_FAILED", Some(DENIED_MESSAGE)),
                1 if general => ("ASSOCIATION_FAILED", Some(SERVICE_FAILED_MESSAGE)),
                1 => ("REFRESH_TOKEN_EXPIRED", Some(EXPIRED_MESSAGE)),
                2 => ("ASSOCIATION_IN_PROGRESS", None),
                _ => ("ASSOCIATION_SUCCEEDED", None),
            };
            let linked = matches!(state, "ASSOCIATION_SUCCEEDED" | "REFRESH_TOKEN_EXPIRED");
            let tags = i.is_multiple_of(3).then(|| {
                BTreeMap::from([
                    ("fleet".to_owned(), format!("fleet-{:02}", i % 10)),
                    ("source".to_owned(), "generated".to_owned()),
                ])
            });
            SeedAssociation {
                account_association_id: generated_id(i),
                connector_destination_id: destination.id.clone(),
                name: Some(format!("Generated association {i:05}")),
                description: i
                    .is_multiple_of(2)
                    .then(|| format!("Synthetic association number {i} for large accounts")),
                association_state: state.to_owned(),
                error_message: error_message.map(Into::into),
                tags,
                general_authorization: material.map(|name| GeneralAuthorizationName {
                    auth_material_name: Some(name),
                }),
                managed_things: if linked {
                    u32::try_from(k).unwrap_or(u32::MAX)
                } else {
                    0
                },
            }
        })
        .collect()
}

/// 32 hex digits that look like the service's ids but depend only on `i` (splitmix64).
fn generated_id(i: usize) -> String {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let i = i as u64;
    format!("{:016x}{:016x}", mix(i << 1), mix((i << 1) | 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_failing(expire: Option<u64>, activate_fail_rate: f64) -> Store {
        let timing = Timing {
            approve_after: Duration::from_millis(100),
            expire_after: expire.map(Duration::from_millis),
            delete_after: Duration::from_millis(50),
        };
        let activation = Activation {
            fail_rate: activate_fail_rate,
            rng: fastrand::Rng::with_seed(3),
        };
        let devices = Devices::new(
            devices::DeviceConfig {
                per_account: 0,
                discovery_time: Duration::from_millis(10),
                fail_rate: 0.0,
            },
            fastrand::Rng::with_seed(9),
        );
        Store::new(
            timing,
            "http://127.0.0.1:1".into(),
            fastrand::Rng::with_seed(7),
            activation,
            devices,
        )
    }

    fn store(expire: Option<u64>) -> Store {
        store_failing(expire, 0.0)
    }

    fn request(token: Option<&str>, name: &str, oauth: bool) -> NewAssociation {
        NewAssociation {
            client_token: token.map(Into::into),
            destination_id: "d".into(),
            name: Some(name.into()),
            description: None,
            tags: None,
            auth_material_name: None,
            oauth: oauth.then(|| oauth::Client {
                auth_url: "http://127.0.0.1:1/third-party/c/oauth/authorize".into(),
                client_id: "client".into(),
                scope: Some("devices".into()),
                complete_url: Some("http://127.0.0.1:1/done?x=1".into()),
            }),
        }
    }

    fn state_of(url: &str) -> String {
        url::Url::parse(url)
            .expect("url")
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .expect("state")
    }

    #[test]
    fn oauth_lifecycle_is_driven_by_time_on_read() {
        let mut s = store(Some(1000));
        let t0 = Instant::now();
        let (a, created) = s.create(request(None, "n", true), t0).expect("create");
        assert!(created);
        let id = a.id.clone();
        let state = state_of(a.consent_url());
        assert_eq!(
            s.get(&id, t0 + Duration::from_secs(60))
                .map(|a| a.phase.state_name())
                .ok(),
            Some("ASSOCIATION_IN_PROGRESS")
        );
        let t1 = t0 + Duration::from_secs(61);
        let callback = s.decide(&state, true, t1).expect("approve");
        assert_eq!(s.decide(&state, true, t1).err(), Some(ConsentError::Used));
        // Decided at the third party, not yet back at the callback: still awaiting consent.
        assert_eq!(
            s.get(&id, t1 + Duration::from_secs(60))
                .map(|a| a.phase)
                .ok(),
            Some(Phase::InProgress { succeed_at: None })
        );
        let code = url::Url::parse(&callback)
            .expect("callback")
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .expect("code");
        assert_eq!(
            s.complete(&state, Callback::Code("forged".into()), t1)
                .err(),
            Some(ConsentError::Mismatch(
                "the code or error does not match what the third party issued".into()
            ))
        );
        let done = s
            .complete(&state, Callback::Code(code.clone()), t1)
            .expect("complete");
        assert_eq!(done, "http://127.0.0.1:1/done?x=1");
        assert_eq!(
            s.complete(&state, Callback::Code(code), t1).err(),
            Some(ConsentError::Used)
        );
        assert_eq!(
            s.get(&id, t1 + Duration::from_millis(99))
                .map(|a| a.phase.state_name())
                .ok(),
            Some("ASSOCIATION_IN_PROGRESS")
        );
        assert_eq!(
            s.get(&id, t1 + Duration::from_millis(100))
                .map(|a| a.phase.state_name())
                .ok(),
            Some("ASSOCIATION_SUCCEEDED")
        );
        let expired = s.get(&id, t1 + Duration::from_millis(1100)).expect("get");
        assert_eq!(expired.phase.state_name(), "REFRESH_TOKEN_EXPIRED");
        assert_eq!(expired.error_message.as_deref(), Some(EXPIRED_MESSAGE));
    }

    #[test]
    fn denial_and_failed_activation_fail_with_messages_and_redirect_errors() {
        let mut s = store_failing(None, 1.0);
        let now = Instant::now();
        let mut ids = Vec::new();
        for (name, approve) in [("denied", false), ("a", true), ("b", true), ("c", true)] {
            let (a, _) = s.create(request(None, name, true), now).expect("create");
            let (id, state) = (a.id.clone(), state_of(a.consent_url()));
            let callback = s.decide(&state, approve, now).expect("decide");
            let params: HashMap<String, String> = url::Url::parse(&callback)
                .expect("url")
                .query_pairs()
                .into_owned()
                .collect();
            let answer = match params.get("code") {
                Some(code) => Callback::Code(code.clone()),
                None => Callback::Error(params["error"].clone()),
            };
            let done = s.complete(&state, answer, now).expect("complete");
            ids.push((id, done));
        }
        let (denied, done) = &ids[0];
        assert!(
            done.starts_with("http://127.0.0.1:1/done?x=1&error=access_denied&error_description=")
        );
        let got = s.get(denied, now).expect("get");
        assert_eq!(
            (got.phase, got.error_message.as_deref()),
            (Phase::Failed, Some(DENIED_MESSAGE))
        );
        // Every activation fails at rate 1.0, on one side or the other.
        for (id, done) in &ids[1..] {
            let got = s.get(id, now).expect("get");
            assert_eq!(got.phase, Phase::Failed);
            let message = got.error_message.clone().expect("message");
            assert!(
                [CONNECTOR_FAILED_MESSAGE, SERVICE_FAILED_MESSAGE].contains(&message.as_str()),
                "{message}"
            );
            assert!(
                done.contains("&error=") && done.contains("error_description="),
                "{done}"
            );
        }
    }

    #[test]
    fn settle_is_the_one_door_and_refuses_what_does_not_fit() {
        let mut s = store(None);
        let now = Instant::now();
        let (a, _) = s.create(request(None, "n", true), now).expect("create");
        let id = a.id.clone();
        let state = state_of(a.consent_url());
        assert!(
            s.settle(&id, Settlement::Expired, now).is_err(),
            "not succeeded yet"
        );
        s.settle(&id, Settlement::Approved, now).expect("approve");
        // The link is used up: the third-party page refuses it.
        assert_eq!(s.open_consent(&state, now).err(), Some(ConsentError::Used));
        let later = now + Duration::from_millis(100);
        assert_eq!(
            s.get(&id, later).map(|a| a.phase.state_name()).ok(),
            Some("ASSOCIATION_SUCCEEDED")
        );
        assert!(
            s.settle(&id, Settlement::Denied, later).is_err(),
            "awaits no consent"
        );
        let expired = s.settle(&id, Settlement::Expired, later).expect("expire");
        assert_eq!(expired.phase.state_name(), "REFRESH_TOKEN_EXPIRED");
        assert_eq!(
            s.open_consent("never-issued", now).err(),
            Some(ConsentError::Unknown)
        );
    }

    #[test]
    fn idempotency_and_conflict() {
        let mut s = store(None);
        let now = Instant::now();
        let first = s
            .create(request(Some("tok"), "a", false), now)
            .map(|(a, _)| a.id.clone())
            .expect("create");
        let (again, created) = s
            .create(request(Some("tok"), "a", false), now)
            .expect("retry");
        assert_eq!((again.id.as_str(), created), (first.as_str(), false));
        let err = s
            .create(request(Some("tok"), "b", false), now)
            .expect_err("conflict");
        assert_eq!(err.error_type(), "ConflictException");
    }

    #[test]
    fn delete_then_gone_and_pages_stay_in_order() {
        let mut s = store(None);
        let now = Instant::now();
        let ids: Vec<String> = (0..5)
            .map(|i| {
                s.create(request(None, &format!("n{i}"), false), now)
                    .map(|(a, _)| a.id.clone())
                    .expect("c")
            })
            .collect();
        let (page, next) = s.page(None, 0, 2, now, |a| a.id.clone());
        assert_eq!(page, ids[..2]);
        s.delete(&ids[2], now).expect("delete");
        assert_eq!(
            s.get(&ids[2], now).map(|a| a.phase.state_name()).ok(),
            Some("ASSOCIATION_DELETING")
        );
        let later = now + Duration::from_millis(50);
        assert_eq!(
            s.get(&ids[2], later).err().map(|e| e.error_type()),
            Some("ResourceNotFoundException")
        );
        let (rest, end) = s.page(None, next.expect("more"), 10, later, |a| a.id.clone());
        assert_eq!(rest, vec![ids[3].clone(), ids[4].clone()]);
        assert_eq!(end, None);
    }

    #[test]
    fn pages_of_one_destination_skip_the_others_and_survive_a_purge() {
        let mut s = store(None);
        let now = Instant::now();
        let mut ours = Vec::new();
        for i in 0..9 {
            let mut new = request(None, &format!("n{i}"), false);
            if i % 3 == 0 {
                new.destination_id = "mine".into();
            }
            let (a, _) = s.create(new, now).expect("create");
            if i % 3 == 0 {
                ours.push(a.id.clone());
            }
        }
        let ids = |s: &mut Store, start, at| s.page(Some("mine"), start, 2, at, |a| a.id.clone());
        let (first, next) = ids(&mut s, 0, now);
        assert_eq!(first, ours[..2]);
        s.delete(&ours[1], now).expect("delete");
        let gone = now + Duration::from_millis(50);
        let (rest, end) = ids(&mut s, next.expect("more"), gone);
        assert_eq!((rest, end), (vec![ours[2].clone()], None));
        let (all, _) = ids(&mut s, 0, gone);
        assert_eq!(all, vec![ours[0].clone(), ours[2].clone()]);
        assert_eq!(
            s.page(Some("none"), 0, 2, gone, |a| a.id.clone()),
            (vec![], None)
        );
    }

    #[test]
    fn generated_associations_are_the_same_every_time_and_fit_the_model() {
        use crate::fixtures::{Catalog, DEFAULT_FIXTURES, parse};
        use crate::validate::{self, check};
        let fixtures = parse(DEFAULT_FIXTURES, "default").expect("parse");
        let catalog = Catalog::build(&fixtures, 0, "http://127.0.0.1:45678").expect("catalog");
        let seeds = generated_associations(&catalog, 1_000, 2);
        let again = generated_associations(&catalog, 1_000, 2);
        let ids: HashSet<&str> = seeds
            .iter()
            .map(|a| a.account_association_id.as_str())
            .collect();
        assert_eq!(ids.len(), 1_000, "unique ids");
        for (a, b) in seeds.iter().zip(&again) {
            assert_eq!(
                (&a.account_association_id, &a.name, &a.association_state),
                (&b.account_association_id, &b.name, &b.association_state)
            );
            check(
                "AccountAssociationId",
                &a.account_association_id,
                &validate::ACCOUNT_ASSOCIATION_ID,
            )
            .expect("id");
            if let Some(message) = &a.error_message {
                assert!(
                    message
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || " -_".contains(c)),
                    "{message}"
                );
            }
            if let Some(tags) = &a.tags {
                validate::check_tags(tags).expect("tags");
            }
        }
    }
}
