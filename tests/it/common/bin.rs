//! The real binary as every test runs it: its path, the environment that keeps the host's AWS
//! setup out of a test (shared by piped runs and pty runs), the simulator's address as flags,
//! and signals sent to it.

use std::process::Command;

/// The `iotmi-onboard` binary Cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_iotmi-onboard");

/// Set on every run: static credentials the simulator accepts (it checks the SigV4 shape, not
/// the key), no config or credentials file, no instance metadata lookups.
pub const FAKE_AWS: [(&str, &str); 5] = [
    ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
    ("AWS_SECRET_ACCESS_KEY", "secret"),
    ("AWS_CONFIG_FILE", "/dev/null"),
    ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

/// Removed on every run: a profile or endpoint of the host's would point the binary elsewhere.
pub const HOST_AWS: [&str; 2] = ["AWS_PROFILE", "AWS_ENDPOINT_URL"];

/// `iotmi-onboard` with [`FAKE_AWS`] set and [`HOST_AWS`] removed; callers add their args,
/// stdio and the rest of the environment. Everything is set on the child, never on this
/// process, so tests running side by side in threads cannot see each other's settings.
pub fn command() -> Command {
    let mut command = Command::new(BIN);
    command.envs(FAKE_AWS);
    for name in HOST_AWS {
        command.env_remove(name);
    }
    command
}

/// The flags that point the binary at a simulator: `--endpoint-url ENDPOINT --region us-east-1`.
pub fn endpoint_args(endpoint: &str) -> Vec<String> {
    ["--endpoint-url", endpoint, "--region", "us-east-1"]
        .map(str::to_owned)
        .to_vec()
}

/// Sends a signal (`INT`, `TERM`, `HUP`, `KILL`…) to `pid` with kill(1); panics if it fails.
pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name} {pid}");
}
