//! Account associations and their lifecycle. Time-driven transitions (consent approved →
//! succeeded, succeeded → refresh token expired, deleting → gone) are computed lazily from
//! stored instants whenever an association is read, so there are no background timers to
//! leak or race with shutdown.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use super::error::ApiError;
use super::fixtures::{Catalog, SeedAssociation};

/// The ErrorMessage values the simulator sets; they fit `[A-Za-z0-9-_ ]+`.
pub const DENIED_MESSAGE: &str = "The account owner denied access";
pub const EXPIRED_MESSAGE: &str = "The refresh token has expired";

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
    /// True when the association is authorized through the OAuth consent page.
    pub oauth: bool,
    /// The live consent `state`, while the consent page may still be used.
    pub consent_state: Option<String>,
    /// Seeded only: deleting fails while managed things are registered.
    pub managed_things: u32,
    client_token: Option<String>,
}

impl Association {
    /// The consent URL while a consent is awaited, otherwise "" (as for General Authorization).
    pub fn consent_url(&self, base_url: &str) -> String {
        match (&self.consent_state, self.phase) {
            (Some(state), Phase::InProgress { succeed_at: None }) => {
                format!(
                    "{base_url}/oauth/authorize?association={}&state={state}",
                    self.id
                )
            }
            _ => String::new(),
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
            self.phase = Phase::Expired;
            self.error_message = Some(EXPIRED_MESSAGE.into());
        }
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
    pub oauth: bool,
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

/// Why a consent page request cannot be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentError {
    /// The state is unknown, already used, superseded by a refresh, or for another association.
    StaleState,
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
    tokens: HashMap<String, TokenRecord>,
    consent: HashMap<String, String>,
    deleting: Vec<(Instant, String)>,
    next_seq: u64,
    rng: fastrand::Rng,
}

impl Store {
    pub fn new(timing: Timing, base_url: String, rng: fastrand::Rng) -> Self {
        Self {
            timing,
            base_url,
            by_seq: BTreeMap::new(),
            seq_by_id: HashMap::new(),
            tokens: HashMap::new(),
            consent: HashMap::new(),
            deleting: Vec::new(),
            next_seq: 0,
            rng,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
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
            let oauth = auth_material_name.is_none()
                && catalog
                    .destination(&seed.connector_destination_id)
                    .is_some_and(|d| d.oauth().is_some());
            let phase = match seed.association_state.as_str() {
                "ASSOCIATION_IN_PROGRESS" if oauth => Phase::InProgress { succeed_at: None },
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
                consent_state: None,
                managed_things: seed.managed_things,
                client_token: None,
            };
            if phase == (Phase::InProgress { succeed_at: None }) {
                association.consent_state = Some(self.new_consent_state(&association.id));
            }
            if let Phase::Deleting { until } = phase {
                self.deleting.push((until, association.id.clone()));
            }
            self.insert(association);
        }
        Ok(())
    }

    fn insert(&mut self, association: Association) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.seq_by_id.insert(association.id.clone(), seq);
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

    fn new_consent_state(&mut self, association_id: &str) -> String {
        let state: String = (0..32).map(|_| self.rng.alphanumeric()).collect();
        self.consent
            .insert(state.clone(), association_id.to_owned());
        state
    }

    /// Drops associations whose DELETING period is over (with their token and consent).
    fn purge(&mut self, now: Instant) {
        if !self.deleting.iter().any(|(until, _)| now >= *until) {
            return;
        }
        let (gone, still): (Vec<_>, Vec<_>) = std::mem::take(&mut self.deleting)
            .into_iter()
            .partition(|(until, _)| now >= *until);
        self.deleting = still;
        for (_, id) in gone {
            if let Some(seq) = self.seq_by_id.remove(&id)
                && let Some(association) = self.by_seq.remove(&seq)
            {
                if let Some(token) = association.client_token {
                    self.tokens.remove(&token);
                }
                if let Some(state) = association.consent_state {
                    self.consent.remove(&state);
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
            consent_state: None,
            managed_things: 0,
            client_token: request.client_token.clone(),
        };
        if request.oauth {
            association.consent_state = Some(self.new_consent_state(&id));
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
        let mut items = Vec::new();
        let mut next = None;
        let matching = self
            .by_seq
            .range_mut(start..)
            .filter(|(_, a)| destination.is_none_or(|d| a.destination_id == d));
        for (seq, association) in matching {
            if items.len() == limit {
                next = Some(*seq);
                break;
            }
            association.advance(now, &timing);
            items.push(render(association));
        }
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
        let old_state = association.consent_state.take();
        association.error_message = None;
        let oauth = association.oauth;
        association.phase = if oauth {
            Phase::InProgress { succeed_at: None }
        } else {
            Phase::InProgress {
                succeed_at: Some(now + approve_after),
            }
        };
        if let Some(state) = old_state {
            self.consent.remove(&state);
        }
        if oauth {
            let state = self.new_consent_state(id);
            let base_url = self.base_url.clone();
            let association = self.get_mut(id, now)?;
            association.consent_state = Some(state);
            Ok(association.consent_url(&base_url))
        } else {
            Ok(String::new())
        }
    }

    pub fn delete(&mut self, id: &str, now: Instant) -> Result<(), ApiError> {
        let delete_after = self.timing.delete_after;
        let association = self.get_mut(id, now)?;
        if association.managed_things > 0 {
            return Err(ApiError::Conflict(format!(
                "AccountAssociation {id} cannot be deleted: {} managed things are still registered",
                association.managed_things
            )));
        }
        if matches!(association.phase, Phase::Deleting { .. }) {
            // Deleting twice is harmless; the first request's timer stands.
            return Ok(());
        }
        let until = now + delete_after;
        association.phase = Phase::Deleting { until };
        let state = association.consent_state.take();
        if let Some(state) = state {
            self.consent.remove(&state);
        }
        self.deleting.push((until, id.to_owned()));
        Ok(())
    }

    /// The association a consent page request is for, if `state` is live for it.
    pub fn consent_target(
        &mut self,
        association_id: &str,
        state: &str,
        now: Instant,
    ) -> Result<&Association, ConsentError> {
        self.purge(now);
        if self.consent.get(state).map(String::as_str) != Some(association_id) {
            return Err(ConsentError::StaleState);
        }
        let association = self
            .get(association_id, now)
            .map_err(|_| ConsentError::StaleState)?;
        if association.phase != (Phase::InProgress { succeed_at: None }) {
            return Err(ConsentError::StaleState);
        }
        Ok(association)
    }

    /// Records the account owner's decision; the state is used up either way.
    pub fn decide(
        &mut self,
        association_id: &str,
        state: &str,
        approve: bool,
        now: Instant,
    ) -> Result<&Association, ConsentError> {
        self.consent_target(association_id, state, now)?;
        self.consent.remove(state);
        let approve_after = self.timing.approve_after;
        let association = self
            .get_mut(association_id, now)
            .map_err(|_| ConsentError::StaleState)?;
        association.consent_state = None;
        if approve {
            association.phase = Phase::InProgress {
                succeed_at: Some(now + approve_after),
            };
        } else {
            association.phase = Phase::Failed;
            association.error_message = Some(DENIED_MESSAGE.into());
        }
        Ok(association)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(expire: Option<u64>) -> Store {
        let timing = Timing {
            approve_after: Duration::from_millis(100),
            expire_after: expire.map(Duration::from_millis),
            delete_after: Duration::from_millis(50),
        };
        Store::new(
            timing,
            "http://127.0.0.1:1".into(),
            fastrand::Rng::with_seed(7),
        )
    }

    fn request(token: Option<&str>, name: &str, oauth: bool) -> NewAssociation {
        NewAssociation {
            client_token: token.map(Into::into),
            destination_id: "d".into(),
            name: Some(name.into()),
            description: None,
            tags: None,
            auth_material_name: None,
            oauth,
        }
    }

    #[test]
    fn oauth_lifecycle_is_driven_by_time_on_read() {
        let mut s = store(Some(1000));
        let t0 = Instant::now();
        let (a, created) = s.create(request(None, "n", true), t0).expect("create");
        assert!(created);
        let id = a.id.clone();
        let url = a.consent_url("http://127.0.0.1:1");
        let state = url.rsplit("state=").next().expect("state").to_owned();
        assert_eq!(
            s.get(&id, t0 + Duration::from_secs(60))
                .map(|a| a.phase.state_name())
                .ok(),
            Some("ASSOCIATION_IN_PROGRESS")
        );
        let t1 = t0 + Duration::from_secs(61);
        s.decide(&id, &state, true, t1).expect("approve");
        assert_eq!(
            s.decide(&id, &state, true, t1).err(),
            Some(ConsentError::StaleState)
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
}
