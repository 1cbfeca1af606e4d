//! Device discovery and managed things: what a CLOUD discovery finds in a linked account
//! (the connector's device catalogue, changing a little with every rediscovery), a found
//! device adopted as a managed thing, and the thing registered with the account association
//! (the link DeleteAccountAssociation waits on). Time-driven like the associations: a
//! discovery's status is computed from its start when it is read.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::error::ApiError;
use super::fixtures::{Catalog, CatalogDevice};

pub const CLOUD: &str = "CLOUD";
pub const DISCOVERY_TYPES: [&str; 5] = [
    "ZWAVE",
    "ZIGBEE",
    CLOUD,
    "CUSTOM",
    "CONTROLLER_CAPABILITY_REDISCOVERY",
];
pub const DISCOVERY_STATUSES: [&str; 4] = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT"];
pub const ROLES: [&str; 2] = ["CONTROLLER", "DEVICE"];
pub const AUTH_MATERIAL_TYPES: [&str; 6] = [
    "CUSTOM_PROTOCOL_QR_BAR_CODE",
    "WIFI_SETUP_QR_BAR_CODE",
    "ZWAVE_QR_BAR_CODE",
    "ZIGBEE_QR_BAR_CODE",
    DISCOVERED_DEVICE,
    "PRE_ONBOARDED_CLOUD",
];
pub const DISCOVERED_DEVICE: &str = "DISCOVERED_DEVICE";
pub const PROVISIONING_STATUSES: [&str; 8] = [
    "UNASSOCIATED",
    "PRE_ASSOCIATED",
    "DISCOVERED",
    "ACTIVATED",
    "DELETION_FAILED",
    "DELETE_IN_PROGRESS",
    "ISOLATED",
    "DELETED",
];
/// ManagedThingAssociationStatus: adopted from the association's devices, then registered.
pub const PRE_ASSOCIATED: &str = "PRE_ASSOCIATED";
pub const ASSOCIATED: &str = "ASSOCIATED";

/// What `--devices N` adds to every account, cycling through these (device type, model).
const GENERATED_KINDS: [(&str, &str); 6] = [
    ("ExtendedColorLight", "Color Bulb"),
    ("OnOffPlugInUnit", "Smart Plug"),
    ("Thermostat", "Thermostat"),
    ("Camera", "Camera"),
    ("DoorLock", "Door Lock"),
    ("ContactSensor", "Contact Sensor"),
];

/// `--devices`, `--discovery-ms` and `--discovery-fail-rate`.
#[derive(Debug, Clone, Copy)]
pub struct DeviceConfig {
    pub per_account: usize,
    pub discovery_time: Duration,
    pub fail_rate: f64,
}

/// A device of a linked account, as the connector reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub connector_device_id: String,
    pub name: String,
    pub brand: String,
    pub model: String,
    pub device_types: Vec<String>,
}

/// A device in a discovery's result, with how it changed since the previous discovery of the
/// same account and the material CreateManagedThing takes to adopt it.
#[derive(Debug, Clone)]
pub struct DiscoveredDevice {
    pub device: DeviceRecord,
    pub modification: &'static str,
    pub auth_material: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Succeeded,
    Failed,
    TimedOut,
}

#[derive(Debug, Clone)]
pub struct Discovery {
    pub id: String,
    pub kind: String,
    pub account_association_id: Option<String>,
    pub connector_destination_id: Option<String>,
    pub controller_id: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub started_at: Instant,
    finish_at: Instant,
    outcome: Outcome,
    /// What it finds; shown once it has succeeded.
    found: Vec<DiscoveredDevice>,
}

impl Discovery {
    pub fn status(&self, now: Instant) -> &'static str {
        match (now >= self.finish_at, self.outcome) {
            (false, _) => "RUNNING",
            (true, Outcome::Succeeded) => "SUCCEEDED",
            (true, Outcome::Failed) => "FAILED",
            (true, Outcome::TimedOut) => "TIMED_OUT",
        }
    }

    pub fn finished_at(&self, now: Instant) -> Option<Instant> {
        (now >= self.finish_at).then_some(self.finish_at)
    }

    /// The devices found: none while running or after a failure.
    pub fn devices(&self, now: Instant) -> &[DiscoveredDevice] {
        if self.status(now) == "SUCCEEDED" {
            &self.found
        } else {
            &[]
        }
    }

    fn will_succeed(&self) -> bool {
        self.outcome == Outcome::Succeeded
    }
}

/// StartDeviceDiscovery's input, validated already.
#[derive(Debug, Clone)]
pub struct NewDiscovery {
    pub client_token: Option<String>,
    pub kind: String,
    pub account_association_id: Option<String>,
    pub controller_id: Option<String>,
    pub connector_device_ids: Option<Vec<String>>,
    pub tags: Option<BTreeMap<String, String>>,
    /// The whole request, to tell a retry from a different request under the same token.
    pub fingerprint: String,
}

/// The account association a CLOUD discovery runs for, as the store sees it now.
#[derive(Debug, Clone, Copy)]
pub struct Account<'a> {
    pub id: &'a str,
    pub state: &'static str,
    pub destination_id: &'a str,
    pub connector_id: &'a str,
}

/// What the caller says about a managed thing (CreateManagedThing's optional members).
#[derive(Debug, Clone, Default)]
pub struct ThingDetails {
    pub owner: Option<String>,
    pub credential_locker_id: Option<String>,
    pub serial_number: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub name: Option<String>,
    pub classification: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub meta_data: Option<BTreeMap<String, String>>,
    pub wifi_setup: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct ManagedThing {
    pub id: String,
    pub role: String,
    pub details: ThingDetails,
    pub connector_destination_id: Option<String>,
    pub connector_device_id: Option<String>,
    pub provisioning_status: &'static str,
    pub created_at: Instant,
    pub updated_at: Instant,
    pub activated_at: Option<Instant>,
    /// The account association and connector device id it was adopted from.
    source: Option<(String, String)>,
}

/// CreateManagedThing's input, validated already.
#[derive(Debug, Clone)]
pub struct NewThing {
    pub client_token: Option<String>,
    pub role: String,
    pub auth_material: String,
    pub auth_material_type: String,
    pub details: ThingDetails,
    pub fingerprint: String,
}

/// A managed thing's link to an account association.
#[derive(Debug, Clone)]
pub struct Link {
    pub managed_thing_id: String,
    pub account_association_id: String,
    pub status: &'static str,
}

struct TokenRecord {
    fingerprint: String,
    id: String,
}

pub struct Devices {
    config: DeviceConfig,
    rng: fastrand::Rng,
    /// Instants become wall-clock timestamps relative to this pair.
    epoch: (Instant, SystemTime),
    discoveries: BTreeMap<u64, Discovery>,
    discovery_seq: HashMap<String, u64>,
    /// Account association → its CLOUD discoveries' sequence numbers, oldest first: a
    /// discovery's start and an adoption look at one account's discoveries, not everyone's.
    discoveries_of: HashMap<String, Vec<u64>>,
    things: BTreeMap<u64, ManagedThing>,
    thing_seq: HashMap<String, u64>,
    /// Links in creation order (pages are cut by sequence number).
    links: BTreeMap<u64, Link>,
    /// Managed thing → its link (a thing has at most one).
    link_by_thing: HashMap<String, u64>,
    /// Account association → its links, so a listing filtered by association and the check
    /// before a deletion cost that association's links, not every link of the account.
    links_of: HashMap<String, BTreeSet<u64>>,
    /// (account association, connector device id) → managed thing adopted from it.
    adopted: HashMap<(String, String), String>,
    /// ClientTokens per operation.
    tokens: HashMap<(&'static str, String), TokenRecord>,
    next_seq: u64,
}

impl Devices {
    pub fn new(config: DeviceConfig, rng: fastrand::Rng) -> Self {
        Self {
            config,
            rng,
            epoch: (Instant::now(), SystemTime::now()),
            discoveries: BTreeMap::new(),
            discovery_seq: HashMap::new(),
            discoveries_of: HashMap::new(),
            things: BTreeMap::new(),
            thing_seq: HashMap::new(),
            links: BTreeMap::new(),
            link_by_thing: HashMap::new(),
            links_of: HashMap::new(),
            adopted: HashMap::new(),
            tokens: HashMap::new(),
            next_seq: 0,
        }
    }

    /// Seconds since the Unix epoch (the wire's timestamp format), in milliseconds' precision.
    pub fn timestamp(&self, at: Instant) -> f64 {
        let (base, wall) = self.epoch;
        let wall = if at >= base {
            wall + (at - base)
        } else {
            wall - (base - at)
        };
        let millis = wall
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        millis as f64 / 1000.0
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn new_id(&mut self) -> String {
        loop {
            let id: String = (0..32)
                .map(|_| char::from_digit(self.rng.u32(0..16), 16).unwrap_or('0'))
                .collect();
            if !self.discovery_seq.contains_key(&id) && !self.thing_seq.contains_key(&id) {
                return id;
            }
        }
    }

    /// The earlier result of a request with the same ClientToken, if it matches this one.
    fn replay(
        &self,
        operation: &'static str,
        token: Option<&String>,
        fingerprint: &str,
    ) -> Result<Option<String>, ApiError> {
        let Some(record) = token.and_then(|t| self.tokens.get(&(operation, t.clone()))) else {
            return Ok(None);
        };
        if record.fingerprint != fingerprint {
            return Err(ApiError::Conflict(format!(
                "ClientToken {:?} was already used with different parameters",
                token.map(String::as_str).unwrap_or_default()
            )));
        }
        Ok(Some(record.id.clone()))
    }

    fn remember(
        &mut self,
        operation: &'static str,
        token: Option<String>,
        fingerprint: String,
        id: &str,
    ) {
        if let Some(token) = token {
            let id = id.to_owned();
            self.tokens
                .insert((operation, token), TokenRecord { fingerprint, id });
        }
    }

    // ---- discoveries ----

    pub fn discovery(&self, id: &str) -> Result<&Discovery, ApiError> {
        self.discovery_seq
            .get(id)
            .and_then(|seq| self.discoveries.get(seq))
            .ok_or_else(|| ApiError::not_found("DeviceDiscovery", id))
    }

    /// One page of discoveries from sequence `start` that `keep` selects.
    pub fn discovery_page(
        &self,
        start: u64,
        limit: usize,
        keep: impl Fn(&Discovery) -> bool,
    ) -> (Vec<&Discovery>, Option<u64>) {
        page(&self.discoveries, start, limit, keep)
    }

    /// The devices of an account at its `generation` (how many discoveries of it succeeded
    /// before): the connector's catalogue (or generic devices), `--devices` generated ones,
    /// and what changed since (each rediscovery renames one device, adds a new one and loses
    /// the one the previous rediscovery added).
    fn account_devices(
        &self,
        catalog: &Catalog,
        account: &Account,
        generation: u64,
    ) -> Vec<DeviceRecord> {
        let catalogue = catalog.devices_of(account.connector_id);
        let generic;
        let base: &[CatalogDevice] = if catalogue.is_empty() {
            generic = generic_devices(account.connector_id);
            &generic
        } else {
            catalogue
        };
        let id = |index: usize| connector_device_id(account.id, index);
        let mut devices: Vec<DeviceRecord> = base
            .iter()
            .enumerate()
            .map(|(i, d)| DeviceRecord {
                connector_device_id: id(i),
                name: d.name.clone(),
                brand: d.brand.clone(),
                model: d.model.clone(),
                device_types: d.device_types.clone(),
            })
            .collect();
        devices.extend((0..self.config.per_account).map(|i| {
            let (kind, model) = GENERATED_KINDS[i % GENERATED_KINDS.len()];
            DeviceRecord {
                connector_device_id: id(base.len() + i),
                name: format!("Generated device {i:05}"),
                brand: "Generated".into(),
                model: model.into(),
                device_types: vec![kind.into()],
            }
        }));
        let n = devices.len() as u64;
        for (i, device) in devices.iter_mut().enumerate() {
            // Rediscovery k renames device (k - 1) mod n: "Living room lamp 2", then "… 3".
            let i = i as u64;
            let renames = if generation > i {
                (generation - 1 - i) / n + 1
            } else {
                0
            };
            if renames > 0 {
                device.name = format!("{} {}", device.name, renames + 1);
            }
        }
        if generation >= 1 {
            let like = devices[((generation - 1) % n) as usize].clone();
            devices.push(DeviceRecord {
                connector_device_id: id(n as usize + generation as usize),
                name: format!("New device {generation}"),
                ..like
            });
        }
        devices
    }

    /// Starts a discovery (or returns the one an identical request with the same ClientToken
    /// started). A CLOUD discovery needs its association to have succeeded; `account` is
    /// that association, `controller_role` the role of a hub discovery's controller.
    pub fn start_discovery(
        &mut self,
        request: NewDiscovery,
        account: Option<Account>,
        controller_role: Option<&str>,
        catalog: &Catalog,
        now: Instant,
    ) -> Result<&Discovery, ApiError> {
        if let Some(id) = self.replay(
            "discovery",
            request.client_token.as_ref(),
            &request.fingerprint,
        )? {
            return self.discovery(&id);
        }
        let mut found = Vec::new();
        let mut destination = None;
        if request.kind == CLOUD {
            let account = account.ok_or_else(|| {
                ApiError::validation("AccountAssociationId: is required for DiscoveryType CLOUD")
            })?;
            if account.state != "ASSOCIATION_SUCCEEDED" {
                return Err(ApiError::Conflict(format!(
                    "AccountAssociation {} is {}: a CLOUD device discovery needs \
                     ASSOCIATION_SUCCEEDED (complete the account owner's consent first)",
                    account.id, account.state
                )));
            }
            let of_account: Vec<&Discovery> = self
                .discoveries_of
                .get(account.id)
                .map(|seqs| {
                    seqs.iter()
                        .filter_map(|seq| self.discoveries.get(seq))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(running) = of_account.iter().find(|d| d.status(now) == "RUNNING") {
                return Err(ApiError::Conflict(format!(
                    "Device discovery {} is still RUNNING for AccountAssociation {}",
                    running.id, account.id
                )));
            }
            let earlier: Vec<&Discovery> = of_account
                .into_iter()
                .filter(|d| d.will_succeed())
                .collect();
            let previous: HashMap<&str, &DeviceRecord> = earlier
                .last()
                .map(|d| {
                    d.found
                        .iter()
                        .map(|f| (f.device.connector_device_id.as_str(), &f.device))
                        .collect()
                })
                .unwrap_or_default();
            let mut devices = self.account_devices(catalog, &account, earlier.len() as u64);
            if let Some(wanted) = request
                .connector_device_ids
                .as_ref()
                .filter(|w| !w.is_empty())
            {
                devices.retain(|d| wanted.contains(&d.connector_device_id));
            }
            found = devices
                .into_iter()
                .map(|device| {
                    let modification = match previous.get(device.connector_device_id.as_str()) {
                        None => "DISCOVERED",
                        Some(before) if **before == device => "NO_CHANGE",
                        Some(_) => "UPDATED",
                    };
                    DiscoveredDevice {
                        auth_material: auth_material(account.id, &device.connector_device_id),
                        device,
                        modification,
                    }
                })
                .collect();
            destination = Some(account.destination_id.to_owned());
        } else {
            let controller = request.controller_id.as_deref().ok_or_else(|| {
                ApiError::validation(format!(
                    "ControllerIdentifier: is required for DiscoveryType {}",
                    request.kind
                ))
            })?;
            match controller_role {
                None => return Err(ApiError::not_found("ManagedThing", controller)),
                Some("CONTROLLER") => {}
                Some(role) => {
                    return Err(ApiError::validation(format!(
                        "ControllerIdentifier: managed thing {controller} has Role {role}, not CONTROLLER"
                    )));
                }
            }
        }
        let outcome = self.roll();
        let id = self.new_id();
        let discovery = Discovery {
            id: id.clone(),
            kind: request.kind,
            account_association_id: request.account_association_id,
            connector_destination_id: destination,
            controller_id: request.controller_id,
            tags: request.tags,
            started_at: now,
            finish_at: now + self.config.discovery_time,
            outcome,
            found,
        };
        self.remember("discovery", request.client_token, request.fingerprint, &id);
        let seq = self.seq();
        self.discovery_seq.insert(id.clone(), seq);
        if let Some(account) = &discovery.account_association_id {
            self.discoveries_of
                .entry(account.clone())
                .or_default()
                .push(seq);
        }
        self.discoveries.insert(seq, discovery);
        self.discovery(&id)
    }

    /// `--discovery-fail-rate`: drawn at the start, shown at the end.
    fn roll(&mut self) -> Outcome {
        // Draw only when a rate is set, so the default consumes no randomness.
        if self.config.fail_rate > 0.0 && self.rng.f64() < self.config.fail_rate {
            if self.rng.bool() {
                Outcome::Failed
            } else {
                Outcome::TimedOut
            }
        } else {
            Outcome::Succeeded
        }
    }

    /// The managed thing adopted from this discovered device, if any.
    pub fn adopted_as(&self, discovery: &Discovery, device: &DiscoveredDevice) -> Option<&str> {
        let account = discovery.account_association_id.clone()?;
        self.adopted
            .get(&(account, device.device.connector_device_id.clone()))
            .map(String::as_str)
    }

    // ---- managed things ----

    pub fn thing(&self, id: &str) -> Result<&ManagedThing, ApiError> {
        self.thing_seq
            .get(id)
            .and_then(|seq| self.things.get(seq))
            .ok_or_else(|| ApiError::not_found("ManagedThing", id))
    }

    fn thing_mut(&mut self, id: &str) -> Result<&mut ManagedThing, ApiError> {
        self.thing_seq
            .get(id)
            .and_then(|seq| self.things.get_mut(seq))
            .ok_or_else(|| ApiError::not_found("ManagedThing", id))
    }

    pub fn thing_page(
        &self,
        start: u64,
        limit: usize,
        keep: impl Fn(&ManagedThing) -> bool,
    ) -> (Vec<&ManagedThing>, Option<u64>) {
        page(&self.things, start, limit, keep)
    }

    /// The discovered device a DISCOVERED_DEVICE material names, with its discovery.
    fn discovered(&self, material: &str, now: Instant) -> Option<(&Discovery, &DiscoveredDevice)> {
        // Only discoveries of the account the material names can have found it.
        let (account, _) = material
            .strip_prefix(MATERIAL_PREFIX)?
            .rsplit_once(MATERIAL_SEPARATOR)?;
        let of_account = self.discoveries_of.get(account)?;
        // The newest discovery that found it describes it best.
        of_account.iter().rev().find_map(|seq| {
            let discovery = self.discoveries.get(seq)?;
            discovery
                .devices(now)
                .iter()
                .find(|found| found.auth_material == material)
                .map(|found| (discovery, found))
        })
    }

    /// Creates a managed thing (or returns the one an identical request with the same
    /// ClientToken created). A DISCOVERED_DEVICE thing adopts a device a discovery found:
    /// it takes the device's name, brand and model unless given, and is PRE_ASSOCIATED with
    /// the device's account association until registered.
    pub fn create_thing(
        &mut self,
        request: NewThing,
        now: Instant,
    ) -> Result<&ManagedThing, ApiError> {
        if let Some(id) =
            self.replay("thing", request.client_token.as_ref(), &request.fingerprint)?
        {
            return self.thing(&id);
        }
        let id = self.new_id();
        let mut thing = ManagedThing {
            id: id.clone(),
            role: request.role,
            details: request.details,
            connector_destination_id: None,
            connector_device_id: None,
            provisioning_status: "UNASSOCIATED",
            created_at: now,
            updated_at: now,
            activated_at: None,
            source: None,
        };
        if request.auth_material_type == DISCOVERED_DEVICE {
            if thing.role != "DEVICE" {
                return Err(ApiError::validation(format!(
                    "Role: must be DEVICE for AuthenticationMaterialType DISCOVERED_DEVICE, got {}",
                    thing.role
                )));
            }
            let (discovery, found) = self.discovered(&request.auth_material, now).ok_or_else(
                || {
                    ApiError::validation(
                        "AuthenticationMaterial: names no device of a succeeded device discovery \
                     (use an item's AuthenticationMaterial from ListDiscoveredDevices)",
                    )
                },
            )?;
            let account = discovery.account_association_id.clone().unwrap_or_default();
            let device = found.device.clone();
            let key = (account.clone(), device.connector_device_id.clone());
            if let Some(existing) = self.adopted.get(&key) {
                return Err(ApiError::Conflict(format!(
                    "Device {} of AccountAssociation {account} is already managed thing {existing}",
                    device.connector_device_id
                )));
            }
            thing.connector_destination_id = discovery.connector_destination_id.clone();
            thing.connector_device_id = Some(device.connector_device_id.clone());
            let details = &mut thing.details;
            details.name.get_or_insert(device.name);
            details.brand.get_or_insert(device.brand);
            details.model.get_or_insert(device.model);
            details
                .classification
                .get_or_insert_with(|| device.device_types.first().cloned().unwrap_or_default());
            thing.provisioning_status = "DISCOVERED";
            thing.source = Some(key.clone());
            self.adopted.insert(key, id.clone());
            self.add_link(Link {
                managed_thing_id: id.clone(),
                account_association_id: account,
                status: PRE_ASSOCIATED,
            });
        }
        self.remember("thing", request.client_token, request.fingerprint, &id);
        let seq = self.seq();
        self.thing_seq.insert(id.clone(), seq);
        self.things.insert(seq, thing);
        self.thing(&id)
    }

    // ---- links ----

    fn link_of(&self, thing: &str) -> Option<(u64, &Link)> {
        let seq = *self.link_by_thing.get(thing)?;
        self.links.get(&seq).map(|link| (seq, link))
    }

    fn add_link(&mut self, link: Link) {
        let seq = self.seq();
        self.link_by_thing
            .insert(link.managed_thing_id.clone(), seq);
        self.links_of
            .entry(link.account_association_id.clone())
            .or_default()
            .insert(seq);
        self.links.insert(seq, link);
    }

    fn remove_link(&mut self, seq: u64) {
        let Some(link) = self.links.remove(&seq) else {
            return;
        };
        self.link_by_thing.remove(&link.managed_thing_id);
        if let Some(seqs) = self.links_of.get_mut(&link.account_association_id) {
            seqs.remove(&seq);
            if seqs.is_empty() {
                self.links_of.remove(&link.account_association_id);
            }
        }
    }

    /// How many managed things are linked to this account association.
    pub fn linked_to(&self, association: &str) -> usize {
        self.links_of.get(association).map_or(0, BTreeSet::len)
    }

    /// One page of links from sequence `start`, of one managed thing and/or one account
    /// association: through the indexes, so a page costs its own size (and a log), however
    /// many links the account holds.
    pub fn link_page(
        &self,
        thing: Option<&str>,
        association: Option<&str>,
        start: u64,
        limit: usize,
    ) -> (Vec<&Link>, Option<u64>) {
        match (thing, association) {
            // A thing has at most one link: the page is it or nothing.
            (Some(thing), _) => {
                let link = self.link_of(thing).filter(|(seq, link)| {
                    *seq >= start && association.is_none_or(|a| link.account_association_id == a)
                });
                (link.map(|(_, link)| link).into_iter().collect(), None)
            }
            (None, Some(association)) => {
                let Some(seqs) = self.links_of.get(association) else {
                    return (Vec::new(), None);
                };
                let mut matching = seqs
                    .range(start..)
                    .filter_map(|seq| self.links.get(seq).map(|link| (*seq, link)));
                let items = matching
                    .by_ref()
                    .take(limit)
                    .map(|(_, link)| link)
                    .collect();
                (items, matching.next().map(|(seq, _)| seq))
            }
            (None, None) => page(&self.links, start, limit, |_| true),
        }
    }

    /// RegisterAccountAssociation: the thing must come from a device the discovery (of this
    /// association) found, and the association must have succeeded. Registering again with
    /// the same association is a no-op; with another one, a conflict.
    pub fn register(
        &mut self,
        thing_id: &str,
        association: (&str, &'static str),
        discovery_id: &str,
        now: Instant,
    ) -> Result<(), ApiError> {
        let (association_id, state) = association;
        let thing = self.thing(thing_id)?;
        let discovery = self.discovery(discovery_id)?;
        if discovery.account_association_id.as_deref() != Some(association_id) {
            return Err(ApiError::validation(format!(
                "DeviceDiscoveryId: device discovery {discovery_id} was not run for \
                 AccountAssociation {association_id}"
            )));
        }
        let from_it = thing.source.as_ref().is_some_and(|(account, device)| {
            account == association_id
                && discovery
                    .devices(now)
                    .iter()
                    .any(|found| &found.device.connector_device_id == device)
        });
        if !from_it {
            return Err(ApiError::validation(format!(
                "ManagedThingId: managed thing {thing_id} is not a device found by device \
                 discovery {discovery_id}"
            )));
        }
        match self.link_of(thing_id) {
            Some((_, link)) if link.account_association_id != association_id => {
                return Err(ApiError::Conflict(format!(
                    "ManagedThing {thing_id} is registered with AccountAssociation {}",
                    link.account_association_id
                )));
            }
            Some((_, link)) if link.status == ASSOCIATED => return Ok(()),
            _ => {}
        }
        if state != "ASSOCIATION_SUCCEEDED" {
            return Err(ApiError::Conflict(format!(
                "AccountAssociation {association_id} is {state}: registering a managed thing \
                 needs ASSOCIATION_SUCCEEDED"
            )));
        }
        match self.link_of(thing_id).map(|(seq, _)| seq) {
            Some(seq) => {
                if let Some(link) = self.links.get_mut(&seq) {
                    link.status = ASSOCIATED;
                }
            }
            None => self.add_link(Link {
                managed_thing_id: thing_id.to_owned(),
                account_association_id: association_id.to_owned(),
                status: ASSOCIATED,
            }),
        }
        let thing = self.thing_mut(thing_id)?;
        thing.provisioning_status = "ACTIVATED";
        thing.activated_at = Some(now);
        thing.updated_at = now;
        Ok(())
    }

    /// DeregisterAccountAssociation: ends the thing's link with the association (pre-associated
    /// or registered); the thing stays, unreachable (UNASSOCIATED).
    pub fn deregister(
        &mut self,
        thing_id: &str,
        association_id: &str,
        now: Instant,
    ) -> Result<(), ApiError> {
        self.thing(thing_id)?;
        let seq = match self.link_of(thing_id) {
            Some((seq, link)) if link.account_association_id == association_id => seq,
            _ => {
                return Err(ApiError::Conflict(format!(
                    "ManagedThing {thing_id} is not registered with AccountAssociation {association_id}"
                )));
            }
        };
        self.remove_link(seq);
        let thing = self.thing_mut(thing_id)?;
        thing.provisioning_status = "UNASSOCIATED";
        thing.updated_at = now;
        Ok(())
    }

    /// Seeds `count` managed things registered with a seeded association: a succeeded
    /// discovery of its account, and its first devices adopted and registered.
    pub fn seed_registered(
        &mut self,
        account: &Account,
        count: usize,
        catalog: &Catalog,
        now: Instant,
    ) -> anyhow::Result<()> {
        if count == 0 {
            return Ok(());
        }
        let devices = self.account_devices(catalog, account, 0);
        if devices.len() < count {
            anyhow::bail!(
                "fixtures: account association {:?} has ManagedThings {count}, but its account \
                 holds {} devices (add Devices for connector {:?}, or use --devices)",
                account.id,
                devices.len(),
                account.connector_id
            );
        }
        let request = NewDiscovery {
            client_token: None,
            kind: CLOUD.into(),
            account_association_id: Some(account.id.to_owned()),
            controller_id: None,
            connector_device_ids: None,
            tags: None,
            fingerprint: String::new(),
        };
        // Seeded as already finished: its devices can be adopted at once.
        let seeded = Account {
            state: "ASSOCIATION_SUCCEEDED",
            ..*account
        };
        let started = now.checked_sub(self.config.discovery_time).unwrap_or(now);
        let fail_rate = std::mem::replace(&mut self.config.fail_rate, 0.0);
        let discovery = self
            .start_discovery(request, Some(seeded), None, catalog, started)
            .map(|d| d.id.clone());
        self.config.fail_rate = fail_rate;
        let discovery_id = discovery.map_err(|e| anyhow::anyhow!("fixtures: {e}"))?;
        for device in devices.iter().take(count) {
            let request = NewThing {
                client_token: None,
                role: "DEVICE".into(),
                auth_material: auth_material(account.id, &device.connector_device_id),
                auth_material_type: DISCOVERED_DEVICE.into(),
                details: ThingDetails::default(),
                fingerprint: String::new(),
            };
            let thing = self
                .create_thing(request, now)
                .map_err(|e| anyhow::anyhow!("fixtures: {e}"))?
                .id
                .clone();
            self.register(
                &thing,
                (account.id, "ASSOCIATION_SUCCEEDED"),
                &discovery_id,
                now,
            )
            .map_err(|e| anyhow::anyhow!("fixtures: {e}"))?;
        }
        Ok(())
    }
}

/// One page of `items` from sequence `start`: those `keep` selects, and where the next page
/// starts.
fn page<T>(
    items: &BTreeMap<u64, T>,
    start: u64,
    limit: usize,
    keep: impl Fn(&T) -> bool,
) -> (Vec<&T>, Option<u64>) {
    let mut matching = items.range(start..).filter(|(_, item)| keep(item));
    let page: Vec<&T> = matching
        .by_ref()
        .take(limit)
        .map(|(_, item)| item)
        .collect();
    (page, matching.next().map(|(seq, _)| *seq))
}

/// A stable third-party device id: the same account's device keeps it across discoveries.
fn connector_device_id(association_id: &str, index: usize) -> String {
    // FNV-1a: stable across runs and platforms (std's hashers are not).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in association_id.bytes().chain(index.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// What CreateManagedThing takes (with DISCOVERED_DEVICE) to adopt a discovered device.
fn auth_material(association_id: &str, connector_device_id: &str) -> String {
    format!("{MATERIAL_PREFIX}{association_id}{MATERIAL_SEPARATOR}{connector_device_id}")
}

/// The parts of [`auth_material`]; connector device ids are hex, so the last separator
/// ends the association id (whatever a seed's ids hold).
const MATERIAL_PREFIX: &str = "c2c:";
const MATERIAL_SEPARATOR: char = ':';

/// The fewest devices a linked account holds without `--devices`: its connector's
/// catalogue, or the generic ones where it has none.
pub fn fewest_devices(catalog: &Catalog) -> usize {
    catalog
        .connectors
        .iter()
        .map(|c| match catalog.devices_of(&c.id).len() {
            0 => GENERATED_KINDS.len(),
            n => n,
        })
        .min()
        .unwrap_or(GENERATED_KINDS.len())
}

/// Devices for a connector without a catalogue (seed files): one of each generated kind.
fn generic_devices(connector_id: &str) -> Vec<CatalogDevice> {
    GENERATED_KINDS
        .iter()
        .enumerate()
        .map(|(i, (kind, model))| CatalogDevice {
            cloud_connector_id: connector_id.to_owned(),
            name: format!("Device {}", i + 1),
            brand: "Generic".into(),
            model: (*model).into(),
            device_types: vec![(*kind).into()],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{DEFAULT_FIXTURES, parse};

    fn devices(per_account: usize) -> (Devices, Catalog) {
        let fixtures = parse(DEFAULT_FIXTURES, "default").expect("parse");
        let catalog = Catalog::build(&fixtures, 0, "http://127.0.0.1:45678").expect("catalog");
        let config = DeviceConfig {
            per_account,
            discovery_time: Duration::from_millis(10),
            fail_rate: 0.0,
        };
        (Devices::new(config, fastrand::Rng::with_seed(5)), catalog)
    }

    const ACCOUNT: Account = Account {
        id: "a1",
        state: "ASSOCIATION_SUCCEEDED",
        destination_id: "acme-home-us",
        connector_id: "acme-home-cloud",
    };

    fn cloud() -> NewDiscovery {
        NewDiscovery {
            client_token: None,
            kind: CLOUD.into(),
            account_association_id: Some("a1".into()),
            controller_id: None,
            connector_device_ids: None,
            tags: None,
            fingerprint: String::new(),
        }
    }

    #[test]
    fn rediscovery_marks_what_changed() {
        let (mut d, catalog) = devices(0);
        let now = Instant::now();
        let later = now + Duration::from_secs(1);
        let first = d
            .start_discovery(cloud(), Some(ACCOUNT), None, &catalog, now)
            .expect("first")
            .clone();
        let found = first.devices(later);
        assert_eq!(found.len(), catalog.devices_of("acme-home-cloud").len());
        assert!(found.iter().all(|f| f.modification == "DISCOVERED"));
        let mut rounds = Vec::new();
        for round in 1..=3u64 {
            let at = now + Duration::from_secs(round * 2);
            let again = d
                .start_discovery(cloud(), Some(ACCOUNT), None, &catalog, at)
                .expect("again")
                .clone();
            let found = again.devices(at + Duration::from_secs(1));
            let count = |m: &str| found.iter().filter(|f| f.modification == m).count();
            assert_eq!(
                (count("DISCOVERED"), count("UPDATED")),
                (1, 1),
                "round {round}"
            );
            assert_eq!(count("NO_CHANGE"), found.len() - 2);
            rounds.push(found.to_vec());
        }
        // The device the previous round added is gone; ids are stable for the others.
        let added_in_1 = rounds[0]
            .iter()
            .find(|f| f.modification == "DISCOVERED")
            .map(|f| f.device.connector_device_id.clone())
            .expect("added");
        assert!(
            rounds[1]
                .iter()
                .all(|f| f.device.connector_device_id != added_in_1)
        );
        let renamed = rounds[0]
            .iter()
            .find(|f| f.modification == "UPDATED")
            .expect("renamed");
        assert_eq!(renamed.device.name, "Living room lamp 2");
        assert_eq!(
            renamed.device.connector_device_id,
            first.found[0].device.connector_device_id
        );
    }

    #[test]
    fn generated_devices_and_generic_catalogues_fit_the_model() {
        let (d, catalog) = devices(7);
        let generic = Account {
            connector_id: "no-such-connector",
            ..ACCOUNT
        };
        for account in [ACCOUNT, generic] {
            let list = d.account_devices(&catalog, &account, 0);
            for device in &list {
                use crate::validate::{self, check};
                check(
                    "ConnectorDeviceId",
                    &device.connector_device_id,
                    &validate::CONNECTOR_DEVICE_ID,
                )
                .expect("id");
                check("Brand", &device.brand, &validate::DEVICE_LABEL).expect("brand");
                check("Model", &device.model, &validate::DEVICE_LABEL).expect("model");
                check("Name", &device.name, &validate::THING_NAME).expect("name");
                check(
                    "AuthenticationMaterial",
                    &auth_material(account.id, &device.connector_device_id),
                    &validate::AUTH_MATERIAL_STRING,
                )
                .expect("material");
            }
            let ids: std::collections::HashSet<_> =
                list.iter().map(|d| &d.connector_device_id).collect();
            assert_eq!(ids.len(), list.len(), "ids are unique");
        }
        assert_eq!(d.account_devices(&catalog, &generic, 0).len(), 6 + 7);
    }

    #[test]
    fn links_are_found_by_thing_and_by_association_and_forgotten_when_deregistered() {
        let (mut d, catalog) = devices(0);
        let now = Instant::now();
        let other = Account {
            id: "a2",
            ..ACCOUNT
        };
        d.seed_registered(&ACCOUNT, 3, &catalog, now).expect("a1");
        d.seed_registered(&other, 2, &catalog, now).expect("a2");
        assert_eq!((d.linked_to("a1"), d.linked_to("a2")), (3, 2));
        let ids = |page: (Vec<&Link>, Option<u64>)| {
            (
                page.0
                    .iter()
                    .map(|l| l.managed_thing_id.clone())
                    .collect::<Vec<_>>(),
                page.1,
            )
        };
        let (first, next) = ids(d.link_page(None, Some("a1"), 0, 2));
        assert_eq!(first.len(), 2);
        let (rest, end) = ids(d.link_page(None, Some("a1"), next.expect("more"), 2));
        assert_eq!((rest.len(), end), (1, None));
        let thing = first[0].clone();
        assert_eq!(
            ids(d.link_page(Some(&thing), None, 0, 10)).0,
            std::slice::from_ref(&thing)
        );
        assert!(d.link_page(Some(&thing), Some("a2"), 0, 10).0.is_empty());
        d.deregister(&thing, "a1", now).expect("deregister");
        assert_eq!(d.linked_to("a1"), 2);
        assert!(d.link_page(Some(&thing), None, 0, 10).0.is_empty());
        assert_eq!(ids(d.link_page(None, Some("a2"), 0, 10)).0.len(), 2);
    }
}
