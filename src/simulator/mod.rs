//! An in-process simulator of the `iot-managed-integrations` service (restJson1 over HTTP
//! on 127.0.0.1). It shares nothing with the wizard but the wire contract.

use std::net::SocketAddr;

/// Options of the simulator; the same struct is the `simulator` subcommand's flags.
#[derive(clap::Args, Clone, Debug)]
pub struct SimConfig {
    /// Port to bind on 127.0.0.1 (0 picks any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    #[arg(long, default_value_t = 1500)]
    pub approve_after_ms: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            port: 0,
            approve_after_ms: 1500,
        }
    }
}

/// A running simulator; dropping it does not stop it, call [`SimHandle::shutdown`].
pub struct SimHandle {
    pub addr: SocketAddr,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn shutdown(self) {}
}

/// Binds and starts serving in the background of the current tokio runtime.
pub async fn start(_config: SimConfig) -> anyhow::Result<SimHandle> {
    anyhow::bail!("simulator not implemented yet")
}

/// The `simulator` subcommand: print `endpoint: …` first, serve until Ctrl-C/SIGTERM, exit 0.
pub async fn run_foreground(config: SimConfig) -> anyhow::Result<()> {
    let handle = start(config).await?;
    println!("endpoint: {}", handle.endpoint());
    handle.shutdown().await;
    Ok(())
}
