//! The service as the wizard sees it: a small trait over the AWS API, domain types that hold
//! only what the wizard uses, and one error type with a user-facing message and remedy.
//! The SDK-backed implementation is the application's; tests substitute fakes.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// Futures are boxed and `'static` so the driver can spawn them without borrowing the service.
pub type ServiceFuture<T> = Pin<Box<dyn Future<Output = Result<T, ServiceError>> + Send + 'static>>;

/// The operations the wizard needs. Every string in the values returned has been passed
/// through [`crate::text::sanitize`] except the OAuth URL, which the URL policy checks raw.
pub trait AssociationService: Send + Sync + 'static {
    /// One page of ListConnectorDestinations.
    fn list_destinations(
        &self,
        next_token: Option<String>,
    ) -> ServiceFuture<Page<DestinationSummary>>;
    /// Every cloud connector (all pages), to show each destination's connector name.
    fn list_cloud_connectors(&self) -> ServiceFuture<Vec<CloudConnector>>;
    fn get_destination(&self, id: String) -> ServiceFuture<DestinationDetail>;
    fn create_association(&self, request: CreateRequest) -> ServiceFuture<CreatedAssociation>;
    fn get_association(&self, id: String) -> ServiceFuture<Association>;
    /// StartAccountAssociationRefresh: the fresh OAuth URL.
    fn start_refresh(&self, id: String) -> ServiceFuture<String>;
    /// Who the calls are made as (STS GetCallerIdentity): account and ARN.
    fn caller_identity(&self) -> ServiceFuture<CallerIdentity>;
    /// The region the calls go to, once the configuration chain has resolved it.
    fn region(&self) -> ServiceFuture<String>;
    /// One page of ListAccountAssociations.
    fn list_associations(
        &self,
        next_token: Option<String>,
    ) -> ServiceFuture<Page<AssociationSummary>>;
    fn delete_association(&self, id: String) -> ServiceFuture<()>;
    /// StartDeviceDiscovery (CLOUD) for an association: the discovery's id.
    fn start_discovery(
        &self,
        _association_id: String,
        _client_token: String,
    ) -> ServiceFuture<String> {
        unsupported("StartDeviceDiscovery")
    }
    /// GetDeviceDiscovery.
    fn get_discovery(&self, _id: String) -> ServiceFuture<Discovery> {
        unsupported("GetDeviceDiscovery")
    }
    /// One page of ListDiscoveredDevices.
    fn list_discovered_devices(
        &self,
        _discovery_id: String,
        _next_token: Option<String>,
    ) -> ServiceFuture<Page<DiscoveredDevice>> {
        unsupported("ListDiscoveredDevices")
    }
    /// Adopts a discovered device: CreateManagedThing (DISCOVERED_DEVICE, Role DEVICE) with
    /// the token, then RegisterAccountAssociation. The managed thing's id.
    fn adopt_device(&self, _request: AdoptRequest) -> ServiceFuture<String> {
        unsupported("CreateManagedThing")
    }
    /// The managed things registered to an association (ListManagedThingAccountAssociations,
    /// then GetManagedThing for each).
    fn association_things(&self, _association_id: String) -> ServiceFuture<Vec<ManagedThing>> {
        unsupported("ListManagedThingAccountAssociations")
    }
    /// The managed things linked to an association, pre-associated or registered
    /// (ListManagedThingAccountAssociations, every page).
    fn registered_things(&self, _association_id: String) -> ServiceFuture<Vec<ThingLink>> {
        unsupported("ListManagedThingAccountAssociations")
    }
    /// DeregisterAccountAssociation: the managed thing is no longer registered to it.
    fn deregister_thing(&self, _thing_id: String, _association_id: String) -> ServiceFuture<()> {
        unsupported("DeregisterAccountAssociation")
    }
    /// How many managed things each association has (ListManagedThingAccountAssociations,
    /// every page): association id → count.
    fn managed_thing_counts(&self) -> ServiceFuture<BTreeMap<String, usize>> {
        unsupported("ListManagedThingAccountAssociations")
    }
}

/// What a service without device operations (a test double) answers.
fn unsupported<T: Send + 'static>(operation: &'static str) -> ServiceFuture<T> {
    Box::pin(async move {
        Err(ServiceError::new(
            ErrorKind::Other,
            format!("{operation} is not supported here"),
        ))
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DiscoveryStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
}

impl DiscoveryStatus {
    pub fn parse(wire: &str) -> Self {
        match wire {
            "SUCCEEDED" => Self::Succeeded,
            "FAILED" => Self::Failed,
            "TIMED_OUT" => Self::TimedOut,
            _ => Self::Running,
        }
    }

    pub fn as_wire(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::TimedOut => "TIMED_OUT",
        }
    }
}

/// GetDeviceDiscovery's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovery {
    pub id: String,
    pub status: DiscoveryStatus,
}

/// An item of ListDiscoveredDevices. The material is what CreateManagedThing is given to
/// adopt it (sensitive: never logged or shown).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DiscoveredDevice {
    pub connector_device_id: String,
    pub name: String,
    pub brand: String,
    pub model: String,
    pub device_types: Vec<String>,
    /// DISCOVERED, UPDATED or NO_CHANGE relative to the previous discovery.
    pub modification: String,
    /// Set once the device is a managed thing.
    pub managed_thing_id: Option<String>,
    #[serde(skip)]
    pub auth_material: String,
}

/// A managed thing, as `devices ID` prints it (the API's member names in JSON).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedThing {
    #[serde(rename = "ManagedThingId")]
    pub managed_thing_id: String,
    pub name: String,
    pub brand: String,
    pub model: String,
    pub provisioning_status: String,
}

/// What adopting one discovered device needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdoptRequest {
    pub association_id: String,
    pub discovery_id: String,
    pub device: DiscoveredDevice,
    pub client_token: String,
    /// The device's name, brand and model made to fit CreateManagedThing (see [`crate::fit`]).
    pub name: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    /// The device is a managed thing already (created by a run that stopped before
    /// registering it): only RegisterAccountAssociation is left to do.
    pub managed_thing_id: Option<String>,
}

impl AdoptRequest {
    pub fn new(
        association_id: String,
        discovery_id: String,
        device: DiscoveredDevice,
        client_token: String,
    ) -> Self {
        Self {
            name: crate::fit::thing_name(&device.name),
            brand: crate::fit::brand_or_model(&device.brand),
            model: crate::fit::brand_or_model(&device.model),
            managed_thing_id: device.managed_thing_id.clone(),
            association_id,
            discovery_id,
            device,
            client_token,
        }
    }
}

/// A managed thing linked to an association: `associated` once RegisterAccountAssociation
/// made it ASSOCIATED (a thing created from a discovered device is PRE_ASSOCIATED until then).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThingLink {
    pub managed_thing_id: String,
    pub associated: bool,
}

/// The account and the principal the calls are made as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DestinationSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub cloud_connector_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudConnector {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DestinationDetail {
    pub id: String,
    pub name: String,
    pub description: String,
    pub cloud_connector_id: String,
    /// Names of the General Authorization materials; empty for an OAuth-only destination.
    pub auth_materials: Vec<String>,
    pub has_oauth: bool,
}

impl DestinationDetail {
    pub fn uses_general_authorization(&self) -> bool {
        !self.auth_materials.is_empty()
    }
}

/// What CreateAccountAssociation is sent. Tags keep the order the user gave them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CreateRequest {
    pub client_token: String,
    pub destination_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<(String, String)>,
    pub auth_material: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedAssociation {
    pub id: String,
    pub arn: String,
    pub state: AssociationState,
    /// Raw (unsanitised): checked by the URL policy before use, sanitised for display.
    pub oauth_url: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Association {
    pub id: String,
    pub arn: String,
    pub state: AssociationState,
    pub error_message: Option<String>,
    pub name: String,
    pub description: String,
    pub destination_id: String,
    pub oauth_url: String,
    pub tags: BTreeMap<String, String>,
    pub auth_material: Option<String>,
}

/// An item of ListAccountAssociations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssociationSummary {
    pub id: String,
    pub arn: String,
    pub state: AssociationState,
    pub error_message: Option<String>,
    pub name: String,
    pub description: String,
    pub destination_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum AssociationState {
    InProgress,
    Failed,
    Succeeded,
    Deleting,
    RefreshTokenExpired,
    Unknown(String),
}

impl AssociationState {
    pub fn parse(wire: &str) -> Self {
        match wire {
            "ASSOCIATION_IN_PROGRESS" => Self::InProgress,
            "ASSOCIATION_FAILED" => Self::Failed,
            "ASSOCIATION_SUCCEEDED" => Self::Succeeded,
            "ASSOCIATION_DELETING" => Self::Deleting,
            "REFRESH_TOKEN_EXPIRED" => Self::RefreshTokenExpired,
            other => Self::Unknown(crate::text::sanitize(other).into_owned()),
        }
    }

    pub fn as_wire(&self) -> &str {
        match self {
            Self::InProgress => "ASSOCIATION_IN_PROGRESS",
            Self::Failed => "ASSOCIATION_FAILED",
            Self::Succeeded => "ASSOCIATION_SUCCEEDED",
            Self::Deleting => "ASSOCIATION_DELETING",
            Self::RefreshTokenExpired => "REFRESH_TOKEN_EXPIRED",
            Self::Unknown(other) => other,
        }
    }

    /// Polling stops on these: nothing will change without the user acting.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Failed | Self::Succeeded | Self::RefreshTokenExpired
        )
    }
}

impl fmt::Display for AssociationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_wire())
    }
}

/// The kinds of failure the wizard treats differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    NoCredentials,
    /// No region from --region, the environment or the profile.
    NoRegion,
    Unreachable,
    Timeout,
    AccessDenied,
    Validation,
    Throttled,
    Conflict,
    NotFound,
    ServerError,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    pub kind: ErrorKind,
    /// What happened, sanitised.
    pub message: String,
    /// AWS request id of the failed call, for support cases and logs.
    pub request_id: Option<String>,
}

impl ServiceError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            request_id: None,
        }
    }

    /// A short title for the error box.
    pub fn title(&self) -> &'static str {
        match self.kind {
            ErrorKind::NoCredentials => "No AWS credentials",
            ErrorKind::NoRegion => "No AWS region",
            ErrorKind::Unreachable => "Endpoint unreachable",
            ErrorKind::Timeout => "The request timed out",
            ErrorKind::AccessDenied => "Access denied",
            ErrorKind::Validation => "The service rejected the request",
            ErrorKind::Throttled => "Throttled by the service",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::NotFound => "Not found",
            ErrorKind::ServerError => "The service had an internal error",
            ErrorKind::Other => "Request failed",
        }
    }

    /// What the operator can do about it.
    pub fn remedy(&self, profile: &str) -> String {
        match self.kind {
            // An SSO profile's expired sign-in is said by the flow (`Flow::sso_login`); here
            // nothing says there is any SSO set-up to sign in to.
            ErrorKind::NoCredentials => format!(
                "No credentials were found for profile `{profile}`: configure some with \
                 `aws configure` (access keys) or `aws configure sso` (IAM Identity Center), or \
                 pass --profile NAME of a profile that has them. `iotmi-onboard demo` needs none."
            ),
            ErrorKind::NoRegion => format!(
                "Pass --region (e.g. --region us-east-1), set AWS_REGION, or add `region = …` to \
                 the [profile {profile}] section of ~/.aws/config."
            ),
            ErrorKind::Unreachable => {
                "Check the network, the region and --endpoint-url, then retry.".to_string()
            }
            ErrorKind::Timeout => "The service did not answer in time. Retry; it is safe.".to_string(),
            ErrorKind::AccessDenied => {
                "Your identity lacks iotmanagedintegrations permissions in this account: check the profile, or ask for access.".to_string()
            }
            ErrorKind::Validation => "Edit the values the message names, then submit again.".to_string(),
            ErrorKind::Throttled => "Wait a few seconds and retry.".to_string(),
            ErrorKind::Conflict => "The service's message says what conflicts: check that resource's current state, then retry.".to_string(),
            ErrorKind::NotFound => "Check the id and the region (--region): it may have been deleted, or belong to another region or account.".to_string(),
            ErrorKind::ServerError => "A transient service fault: retry in a moment.".to_string(),
            ErrorKind::Other => "Retry; if it persists, run with --log-file to see details.".to_string(),
        }
    }

    /// Worth offering a plain retry with the same inputs.
    pub fn is_retryable(&self) -> bool {
        !matches!(
            self.kind,
            ErrorKind::Validation | ErrorKind::NotFound | ErrorKind::NoRegion
        )
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.title(), self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceError {}
