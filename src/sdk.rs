//! The SDK-backed [`AssociationService`]: the one module that talks to
//! `aws-sdk-iotmanagedintegrations`, and the one place SDK errors become [`ServiceError`]s.

use std::collections::{BTreeMap, HashMap};
use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iotmanagedintegrations as iotmi;
use aws_sdk_iotmanagedintegrations::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iotmanagedintegrations::operation::RequestId;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use tokio::sync::OnceCell;

use iotmi_core::service::{
    AdoptRequest, Association, AssociationService, AssociationState, AssociationSummary,
    CallerIdentity, CloudConnector, CreateRequest, CreatedAssociation, DestinationDetail,
    DestinationSummary, DiscoveredDevice, Discovery, DiscoveryStatus, ErrorKind, ManagedThing,
    Page, ServiceError, ServiceFuture, ThingLink,
};
use iotmi_core::text::sanitize;

/// Where calls go, as the operator chose it on the command line (AWS CLI names and env vars).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsTarget {
    pub profile: Option<String>,
    /// `--profile` on the command line: its credentials win over the environment's.
    pub profile_flag: bool,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// The caller retries throttled and failed calls itself (a batch, whose adaptive rate must
    /// see every throttle): the SDK makes one attempt per call.
    pub own_retries: bool,
}

/// How each call is bounded; generous enough for SSO-refreshed credentials on a slow link.
fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(20))
        .operation_timeout(Duration::from_secs(60))
        .build()
}

/// Loads the default credential/region chain (aws-config) for `target`.
pub async fn load_sdk_config(target: &AwsTarget) -> SdkConfig {
    let (config, client) = load_chain(target).await;
    let Some(profile) = target.profile.as_ref().filter(|_| target.profile_flag) else {
        return config;
    };
    // As the AWS CLI does: a profile named on the command line is used for credentials even
    // when keys are in the environment (the SDK's chain would take those first).
    let provider_config = aws_config::provider_config::ProviderConfig::without_region()
        .with_http_client(client)
        .with_sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
        .with_behavior_version(Some(BehaviorVersion::latest()))
        .with_region(config.region().cloned());
    let credentials = aws_config::profile::ProfileFileCredentialsProvider::builder()
        .configure(&provider_config)
        .profile_name(profile)
        .build();
    config
        .into_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
        )
        .build()
}

/// The SDK's default chain for `target`, with our HTTP client (there is no default one: the
/// region chain ends with instance metadata, which needs it).
async fn load_chain(target: &AwsTarget) -> (SdkConfig, SharedHttpClient) {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts());
    if let Some(profile) = &target.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &target.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if target.own_retries {
        loader = loader.retry_config(aws_smithy_types::retry::RetryConfig::disabled());
    }
    let mut direct = false;
    if let Some(endpoint) = &target.endpoint_url {
        loader = loader.endpoint_url(endpoint);
        direct = iotmi_core::url_policy::is_loopback_endpoint(endpoint);
    }
    let client = if direct {
        crate::aws::direct_http_client()
    } else {
        crate::aws::https_client(false)
    };
    (loader.http_client(client.clone()).load().await, client)
}

/// The service over a loaded SDK configuration.
#[derive(Clone)]
pub struct SdkService {
    client: iotmi::Client,
    sts: Option<aws_sdk_sts::Client>,
}

impl SdkService {
    /// `custom_endpoint`: STS is not asked then (the endpoint override would send it there too).
    pub fn new(config: &SdkConfig, custom_endpoint: bool) -> Self {
        Self {
            client: iotmi::Client::new(config),
            sts: (!custom_endpoint).then(|| aws_sdk_sts::Client::new(config)),
        }
    }

    async fn list_destinations_page(
        &self,
        next_token: Option<String>,
    ) -> Result<Page<DestinationSummary>, ServiceError> {
        let out = self
            .client
            .list_connector_destinations()
            .set_next_token(next_token)
            .max_results(1000)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(Page {
            items: out
                .connector_destination_list()
                .iter()
                .map(|d| DestinationSummary {
                    id: clean(d.id()),
                    name: clean(d.name()),
                    description: clean(d.description()),
                    cloud_connector_id: clean(d.cloud_connector_id()),
                })
                .collect(),
            next_token: out.next_token().map(str::to_owned),
        })
    }

    async fn all_cloud_connectors(&self) -> Result<Vec<CloudConnector>, ServiceError> {
        let mut connectors = Vec::new();
        let mut next_token = None;
        loop {
            let out = self
                .client
                .list_cloud_connectors()
                .set_next_token(next_token)
                .max_results(1000)
                .send()
                .await
                .map_err(map_sdk_error)?;
            connectors.extend(out.items().iter().map(|c| CloudConnector {
                id: clean(c.id()),
                name: sanitize(c.name()).into_owned(),
            }));
            match out.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
                _ => return Ok(connectors),
            }
        }
    }

    async fn destination(&self, id: String) -> Result<DestinationDetail, ServiceError> {
        let out = self
            .client
            .get_connector_destination()
            .identifier(id)
            .send()
            .await
            .map_err(map_sdk_error)?;
        let auth = out.auth_config();
        Ok(DestinationDetail {
            id: clean(out.id()),
            name: clean(out.name()),
            description: clean(out.description()),
            cloud_connector_id: clean(out.cloud_connector_id()),
            auth_materials: auth
                .map(|a| {
                    a.general_authorization()
                        .iter()
                        .map(|m| sanitize(m.auth_material_name()).into_owned())
                        .collect()
                })
                .unwrap_or_default(),
            has_oauth: auth.and_then(|a| a.o_auth()).is_some(),
        })
    }

    async fn create(&self, request: CreateRequest) -> Result<CreatedAssociation, ServiceError> {
        let tags: Option<HashMap<String, String>> =
            (!request.tags.is_empty()).then(|| request.tags.into_iter().collect());
        let general_authorization = request.auth_material.map(|name| {
            iotmi::types::GeneralAuthorizationName::builder()
                .auth_material_name(name)
                .build()
        });
        let out = self
            .client
            .create_account_association()
            .client_token(request.client_token)
            .connector_destination_id(request.destination_id)
            .set_name(request.name)
            .set_description(request.description)
            .set_tags(tags)
            .set_general_authorization(general_authorization)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(CreatedAssociation {
            id: sanitize(out.account_association_id()).into_owned(),
            arn: clean(out.arn()),
            state: AssociationState::parse(out.association_state().as_str()),
            oauth_url: out.o_auth_authorization_url().to_owned(),
        })
    }

    async fn association(&self, id: String) -> Result<Association, ServiceError> {
        let out = self
            .client
            .get_account_association()
            .account_association_id(id)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(Association {
            id: sanitize(out.account_association_id()).into_owned(),
            arn: clean(out.arn()),
            state: AssociationState::parse(out.association_state().as_str()),
            error_message: out.error_message().map(|m| sanitize(m).into_owned()),
            name: clean(out.name()),
            description: clean(out.description()),
            destination_id: clean(out.connector_destination_id()),
            oauth_url: out.o_auth_authorization_url().to_owned(),
            tags: out
                .tags()
                .map(|tags| {
                    tags.iter()
                        .map(|(k, v)| (sanitize(k).into_owned(), sanitize(v).into_owned()))
                        .collect()
                })
                .unwrap_or_default(),
            auth_material: out
                .general_authorization()
                .and_then(|g| g.auth_material_name())
                .map(|m| sanitize(m).into_owned()),
        })
    }

    async fn refresh(&self, id: String) -> Result<String, ServiceError> {
        let out = self
            .client
            .start_account_association_refresh()
            .account_association_id(id)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(out.o_auth_authorization_url().to_owned())
    }

    async fn list_associations_page(
        &self,
        next_token: Option<String>,
    ) -> Result<Page<AssociationSummary>, ServiceError> {
        let out = self
            .client
            .list_account_associations()
            .set_next_token(next_token)
            .max_results(1000)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(Page {
            items: out
                .items()
                .iter()
                .map(|a| AssociationSummary {
                    id: sanitize(a.account_association_id()).into_owned(),
                    arn: clean(a.arn()),
                    state: AssociationState::parse(a.association_state().as_str()),
                    error_message: a.error_message().map(|m| sanitize(m).into_owned()),
                    name: clean(a.name()),
                    description: clean(a.description()),
                    destination_id: clean(a.connector_destination_id()),
                })
                .collect(),
            next_token: out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        })
    }

    async fn delete(&self, id: String) -> Result<(), ServiceError> {
        self.client
            .delete_account_association()
            .account_association_id(id)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(())
    }

    async fn start_discovery(
        &self,
        association_id: String,
        client_token: String,
    ) -> Result<String, ServiceError> {
        let out = self
            .client
            .start_device_discovery()
            .discovery_type(iotmi::types::DiscoveryType::Cloud)
            .account_association_id(association_id)
            .client_token(client_token)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(clean(out.id()))
    }

    async fn get_discovery(&self, id: String) -> Result<Discovery, ServiceError> {
        let out = self
            .client
            .get_device_discovery()
            .identifier(id)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(Discovery {
            id: clean(Some(out.id())),
            status: DiscoveryStatus::parse(out.status().as_str()),
        })
    }

    async fn list_discovered_devices(
        &self,
        discovery_id: String,
        next_token: Option<String>,
    ) -> Result<Page<DiscoveredDevice>, ServiceError> {
        let out = self
            .client
            .list_discovered_devices()
            .identifier(discovery_id)
            .set_next_token(next_token)
            .max_results(250)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(Page {
            items: out
                .items()
                .iter()
                .map(|d| DiscoveredDevice {
                    connector_device_id: clean(d.connector_device_id()),
                    name: clean(d.connector_device_name()),
                    brand: clean(d.brand()),
                    model: clean(d.model()),
                    device_types: d.device_types().iter().map(|t| clean(Some(t))).collect(),
                    modification: clean(d.modification().map(|m| m.as_str())),
                    managed_thing_id: d.managed_thing_id().map(|id| clean(Some(id))),
                    // Raw: handed back to CreateManagedThing as is, never shown.
                    auth_material: d.authentication_material().unwrap_or_default().to_owned(),
                })
                .collect(),
            next_token: out.next_token().map(str::to_owned),
        })
    }

    async fn adopt_device(&self, request: AdoptRequest) -> Result<String, ServiceError> {
        let thing_id = match request.managed_thing_id {
            // Created by a run that stopped before registering it: register it now.
            Some(id) => id,
            None => {
                let thing = self
                    .client
                    .create_managed_thing()
                    .role(iotmi::types::Role::Device)
                    .authentication_material(request.device.auth_material.clone())
                    .authentication_material_type(iotmi::types::AuthMaterialType::DiscoveredDevice)
                    .set_name(request.name)
                    .set_brand(request.brand)
                    .set_model(request.model)
                    .client_token(request.client_token)
                    .send()
                    .await
                    .map_err(map_sdk_error)?;
                thing.id().unwrap_or_default().to_owned()
            }
        };
        self.client
            .register_account_association()
            .managed_thing_id(thing_id.clone())
            .account_association_id(request.association_id)
            .device_discovery_id(request.discovery_id)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(sanitize(&thing_id).into_owned())
    }

    /// The ids as the service gave them: they go back into requests (DeregisterAccountAssociation,
    /// RegisterAccountAssociation), so they are not sanitised here; only their count is shown.
    async fn registered_things(
        &self,
        association_id: String,
    ) -> Result<Vec<ThingLink>, ServiceError> {
        let mut links = Vec::new();
        let mut next_token = None;
        loop {
            let out = self
                .client
                .list_managed_thing_account_associations()
                .account_association_id(association_id.clone())
                .set_next_token(next_token)
                .max_results(100)
                .send()
                .await
                .map_err(map_sdk_error)?;
            links.extend(out.items().iter().filter_map(|i| {
                Some(ThingLink {
                    managed_thing_id: i.managed_thing_id()?.to_owned(),
                    associated: i.managed_thing_association_status()
                        == Some(&iotmi::types::ManagedThingAssociationStatus::Associated),
                })
            }));
            match out.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
                _ => break,
            }
        }
        Ok(links)
    }

    async fn deregister_thing(
        &self,
        thing_id: String,
        association_id: String,
    ) -> Result<(), ServiceError> {
        self.client
            .deregister_account_association()
            .managed_thing_id(thing_id)
            .account_association_id(association_id)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(())
    }

    async fn association_things(
        &self,
        association_id: String,
    ) -> Result<Vec<ManagedThing>, ServiceError> {
        let links = self.registered_things(association_id).await?;
        let mut things = Vec::with_capacity(links.len());
        for id in links.into_iter().map(|l| l.managed_thing_id) {
            let out = self
                .client
                .get_managed_thing()
                .identifier(id.clone())
                .send()
                .await
                .map_err(map_sdk_error)?;
            things.push(ManagedThing {
                managed_thing_id: clean(Some(&id)),
                name: clean(out.name()),
                brand: clean(out.brand()),
                model: clean(out.model()),
                provisioning_status: clean(out.provisioning_status().map(|s| s.as_str())),
            });
        }
        Ok(things)
    }

    async fn managed_thing_counts(&self) -> Result<BTreeMap<String, usize>, ServiceError> {
        let mut counts = BTreeMap::new();
        let mut next_token = None;
        loop {
            let out = self
                .client
                .list_managed_thing_account_associations()
                .set_next_token(next_token)
                .max_results(100)
                .send()
                .await
                .map_err(map_sdk_error)?;
            for item in out.items() {
                if let Some(id) = item.account_association_id() {
                    *counts.entry(clean(Some(id))).or_insert(0) += 1;
                }
            }
            match out.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
                _ => return Ok(counts),
            }
        }
    }

    async fn identity(&self) -> Result<CallerIdentity, ServiceError> {
        let Some(sts) = &self.sts else {
            return Err(ServiceError::new(
                ErrorKind::Other,
                "custom endpoint: account not asked",
            ));
        };
        let out = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(CallerIdentity {
            account: clean(out.account()),
            arn: clean(out.arn()),
        })
    }
}

fn clean(value: Option<&str>) -> String {
    value.map(|v| sanitize(v).into_owned()).unwrap_or_default()
}

/// Maps any SDK error into the wizard's error kinds. Credential failures are found by walking
/// the source chain: the SDK reports them as dispatch or construction failures.
pub fn map_sdk_error<E>(err: SdkError<E, aws_smithy_runtime_api::http::Response>) -> ServiceError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let request_id = err.request_id().map(str::to_owned);
    if let Some(message) = credentials_failure(&err) {
        return ServiceError {
            kind: ErrorKind::NoCredentials,
            message,
            request_id,
        };
    }
    let (kind, message) = match &err {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            let code = inner.code().unwrap_or("UnknownError");
            let message = inner.message().unwrap_or("").to_owned();
            let status = service.raw().status().as_u16();
            (
                kind_for_code(code, status),
                if message.is_empty() {
                    code.to_owned()
                } else {
                    format!("{code}: {message}")
                },
            )
        }
        SdkError::TimeoutError(_) => (
            ErrorKind::Timeout,
            "no answer before the timeout".to_owned(),
        ),
        SdkError::DispatchFailure(failure) => {
            let text = chain_text(&err);
            // No credentials provider at all surfaces as "no identity resolver" for sigv4.
            let kind = if failure.is_timeout() {
                ErrorKind::Timeout
            } else if failure.is_other() && text.contains("identity") {
                ErrorKind::NoCredentials
            } else {
                ErrorKind::Unreachable
            };
            (kind, text)
        }
        SdkError::ResponseError(_) => (
            ErrorKind::Other,
            format!("unexpected response: {}", chain_text(&err)),
        ),
        SdkError::ConstructionFailure(_) => (ErrorKind::Other, chain_text(&err)),
        _ => (ErrorKind::Other, chain_text(&err)),
    };
    ServiceError {
        kind,
        message: sanitize(&message).into_owned(),
        request_id,
    }
}

fn kind_for_code(code: &str, status: u16) -> ErrorKind {
    match code {
        "AccessDeniedException"
        | "UnauthorizedException"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch" => ErrorKind::AccessDenied,
        "ExpiredTokenException" | "ExpiredToken" => ErrorKind::NoCredentials,
        "ValidationException" => ErrorKind::Validation,
        "ThrottlingException" | "TooManyRequestsException" => ErrorKind::Throttled,
        "ConflictException" => ErrorKind::Conflict,
        "ResourceNotFoundException" => ErrorKind::NotFound,
        "InternalServerException" | "ServiceUnavailableException" => ErrorKind::ServerError,
        _ if status >= 500 => ErrorKind::ServerError,
        _ if status == 403 => ErrorKind::AccessDenied,
        _ => ErrorKind::Other,
    }
}

fn credentials_failure(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = source {
        if current
            .downcast_ref::<aws_credential_types::provider::error::CredentialsError>()
            .is_some()
        {
            return Some(sanitize(&chain_text(current)).into_owned());
        }
        source = current.source();
    }
    None
}

/// "outer: inner: innermost" — the SDK's top-level Display alone says only "dispatch failure".
fn chain_text(err: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(current) = source {
        let text = current.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = current.source();
    }
    parts.join(": ")
}

/// Loads the SDK configuration on first use, so the first frame never waits for credentials.
#[derive(Clone)]
pub struct LazySdkService {
    target: Arc<AwsTarget>,
    demo_config: Option<Arc<SdkConfig>>,
    loaded: Arc<OnceCell<Result<SdkService, ServiceError>>>,
}

impl LazySdkService {
    pub fn new(target: AwsTarget) -> Self {
        Self {
            target: Arc::new(target),
            demo_config: None,
            loaded: Arc::default(),
        }
    }

    /// A ready configuration (demo, tests): nothing to load.
    pub fn from_config(config: SdkConfig, custom_endpoint: bool) -> Self {
        let cell = OnceCell::new_with(Some(Ok(SdkService::new(&config, custom_endpoint))));
        Self {
            target: Arc::default(),
            demo_config: Some(Arc::new(config)),
            loaded: Arc::new(cell),
        }
    }

    async fn service(&self) -> Result<SdkService, ServiceError> {
        self.loaded
            .get_or_init(|| async {
                let config = load_sdk_config(&self.target).await;
                if config.region().is_none() {
                    return Err(ServiceError::new(
                        ErrorKind::NoRegion,
                        "no AWS region: none given with --region or AWS_REGION, and the profile \
                         has none",
                    ));
                }
                Ok(SdkService::new(&config, self.target.endpoint_url.is_some()))
            })
            .await
            .clone()
    }

    /// The region calls go to, once the configuration is loaded.
    pub async fn resolved_region(&self) -> Option<String> {
        if let Some(config) = &self.demo_config {
            return config.region().map(|r| r.to_string());
        }
        load_region(&self.target).await
    }
}

async fn load_region(target: &AwsTarget) -> Option<String> {
    if let Some(region) = &target.region {
        return Some(region.clone());
    }
    load_chain(target).await.0.region().map(|r| r.to_string())
}

macro_rules! lazily {
    ($self:ident, $method:ident $(, $arg:ident)*) => {{
        let this = $self.clone();
        Box::pin(async move { this.service().await?.$method($($arg),*).await })
    }};
}

impl AssociationService for LazySdkService {
    fn list_destinations(
        &self,
        next_token: Option<String>,
    ) -> ServiceFuture<Page<DestinationSummary>> {
        lazily!(self, list_destinations_page, next_token)
    }
    fn list_cloud_connectors(&self) -> ServiceFuture<Vec<CloudConnector>> {
        lazily!(self, all_cloud_connectors)
    }
    fn get_destination(&self, id: String) -> ServiceFuture<DestinationDetail> {
        lazily!(self, destination, id)
    }
    fn create_association(&self, request: CreateRequest) -> ServiceFuture<CreatedAssociation> {
        lazily!(self, create, request)
    }
    fn get_association(&self, id: String) -> ServiceFuture<Association> {
        lazily!(self, association, id)
    }
    fn start_refresh(&self, id: String) -> ServiceFuture<String> {
        lazily!(self, refresh, id)
    }
    fn caller_identity(&self) -> ServiceFuture<CallerIdentity> {
        lazily!(self, identity)
    }
    fn start_discovery(
        &self,
        association_id: String,
        client_token: String,
    ) -> ServiceFuture<String> {
        lazily!(self, start_discovery, association_id, client_token)
    }
    fn get_discovery(&self, id: String) -> ServiceFuture<Discovery> {
        lazily!(self, get_discovery, id)
    }
    fn list_discovered_devices(
        &self,
        discovery_id: String,
        next_token: Option<String>,
    ) -> ServiceFuture<Page<DiscoveredDevice>> {
        lazily!(self, list_discovered_devices, discovery_id, next_token)
    }
    fn adopt_device(&self, request: AdoptRequest) -> ServiceFuture<String> {
        lazily!(self, adopt_device, request)
    }
    fn managed_thing_counts(&self) -> ServiceFuture<BTreeMap<String, usize>> {
        lazily!(self, managed_thing_counts)
    }
    fn association_things(&self, association_id: String) -> ServiceFuture<Vec<ManagedThing>> {
        lazily!(self, association_things, association_id)
    }
    fn registered_things(&self, association_id: String) -> ServiceFuture<Vec<ThingLink>> {
        lazily!(self, registered_things, association_id)
    }
    fn deregister_thing(&self, thing_id: String, association_id: String) -> ServiceFuture<()> {
        lazily!(self, deregister_thing, thing_id, association_id)
    }
    fn list_associations(
        &self,
        next_token: Option<String>,
    ) -> ServiceFuture<Page<AssociationSummary>> {
        lazily!(self, list_associations_page, next_token)
    }
    fn delete_association(&self, id: String) -> ServiceFuture<()> {
        lazily!(self, delete, id)
    }
    fn region(&self) -> ServiceFuture<String> {
        let this = self.clone();
        Box::pin(async move {
            this.resolved_region()
                .await
                .ok_or_else(|| ServiceError::new(ErrorKind::Other, "no region configured"))
        })
    }
}
