//! Building the AWS SDK configuration: the real default chain for AWS, or static demo
//! credentials for the embedded simulator. The only place that knows about HTTP clients.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder as HttpClientBuilder, ConnectorBuilder};
use std::sync::OnceLock;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// Region used by `demo` and tests when none is configured.
pub const DEMO_REGION: &str = "us-east-1";

/// The HTTPS client of every SDK client: rustls on ring, with the SDK's timeouts and sleep,
/// and the environment's proxy (`HTTPS_PROXY`, `NO_PROXY`…) as the SDK's default client has it,
/// except when `direct`: that one honours `HTTP_PROXY` even for 127.0.0.1, which would send
/// simulator traffic to the proxy.
pub fn https_client(direct: bool) -> SharedHttpClient {
    HttpClientBuilder::new().build_with_connector_fn(move |settings, components| {
        let proxy = if direct {
            ProxyConfig::disabled()
        } else {
            ProxyConfig::from_env()
        };
        let tls = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(CryptoMode::Ring));
        configured(tls, settings, components, proxy).build()
    })
}

/// A connector of either kind with the SDK's timeouts and sleep, and `proxy`.
fn configured<Tls>(
    mut connector: ConnectorBuilder<Tls>,
    settings: Option<&HttpConnectorSettings>,
    components: Option<&RuntimeComponents>,
    proxy: ProxyConfig,
) -> ConnectorBuilder<Tls> {
    connector.set_connector_settings(settings.cloned());
    if let Some(components) = components {
        connector.set_sleep_impl(components.sleep_impl());
    }
    connector.set_proxy_config(Some(proxy));
    connector
}

/// The client for a loopback endpoint: never through a proxy, and TLS set up only when an
/// `https://` request is made (the simulator is plain HTTP; loading the system's CA
/// certificates, 150 files here, cost more than the demo's whole start-up).
pub fn direct_http_client() -> SharedHttpClient {
    let plain = HttpClientBuilder::new().build_with_connector_fn(|settings, components| {
        configured(
            ConnectorBuilder::default(),
            settings,
            components,
            ProxyConfig::disabled(),
        )
        .build_http()
    });
    SharedHttpClient::new(BySchemeClient {
        plain,
        tls: https_client(true),
    })
}

/// Plain HTTP for `http://`, the TLS client (made on first use) for anything else.
#[derive(Debug)]
struct BySchemeClient {
    plain: SharedHttpClient,
    tls: SharedHttpClient,
}

impl HttpClient for BySchemeClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(BySchemeConnector {
            plain: self.plain.http_connector(settings, components),
            tls_client: self.tls.clone(),
            settings: settings.clone(),
            components: components.clone(),
            tls: OnceLock::new(),
        })
    }
}

#[derive(Debug)]
struct BySchemeConnector {
    plain: SharedHttpConnector,
    tls_client: SharedHttpClient,
    settings: HttpConnectorSettings,
    components: RuntimeComponents,
    tls: OnceLock<SharedHttpConnector>,
}

impl HttpConnector for BySchemeConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if request.uri().starts_with("http://") {
            return self.plain.call(request);
        }
        self.tls
            .get_or_init(|| {
                self.tls_client
                    .http_connector(&self.settings, &self.components)
            })
            .call(request)
    }
}

/// SDK configuration for a loopback endpoint (the simulator) with static dummy credentials.
pub fn demo_sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(DEMO_REGION))
        .endpoint_url(endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                "AKIDDEMO00000000000",
                "demo-secret-key",
                None,
                None,
                "iotmi-onboard-demo",
            )),
        )
        .http_client(direct_http_client())
        .sleep_impl(aws_smithy_async::rt::sleep::default_async_sleep().expect("tokio sleep"))
        .time_source(aws_smithy_async::time::SystemTimeSource::new())
        .build()
}

/// The service client for a configuration.
pub fn iotmi_client(config: &SdkConfig) -> aws_sdk_iotmanagedintegrations::Client {
    aws_sdk_iotmanagedintegrations::Client::new(config)
}
