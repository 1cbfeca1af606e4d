//! Where are we running? Only the facts that decide whether launching a browser can work.

/// What the process can tell about its surroundings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Environment {
    /// The session arrived over SSH: a browser started here would open on the remote
    /// host (or fail), never in front of the operator.
    pub ssh: bool,
    /// A graphical display is reachable. Always true where we are not `linux_like`
    /// (macOS and Windows always have one for a logged-in user).
    pub graphical_display: bool,
    /// An X11/Wayland system, where "no `DISPLAY`" really means "no browser".
    pub linux_like: bool,
}

impl Environment {
    /// Inspect the real process environment.
    pub fn detect() -> Self {
        let linux_like = cfg!(any(
            target_os = "linux",
            target_os = "freebsd",
            target_os = "openbsd",
            target_os = "netbsd",
            target_os = "dragonfly",
            target_os = "solaris",
            target_os = "illumos",
        ));
        Self::from_lookup(|name| std::env::var(name).ok(), linux_like)
    }

    /// Build from any variable lookup, so tests never mutate the real environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>, linux_like: bool) -> Self {
        // An empty value is what `unset`-by-assignment leaves behind; treat it as unset.
        let set = |name: &str| lookup(name).is_some_and(|v| !v.is_empty());
        let ssh = set("SSH_CONNECTION") || set("SSH_TTY");
        let graphical_display = !linux_like || set("DISPLAY") || set("WAYLAND_DISPLAY");
        Self {
            ssh,
            graphical_display,
            linux_like,
        }
    }
}

/// An executable named `program` is on `PATH`.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// Over SSH (`SSH_CONNECTION` or `SSH_TTY`): the tunnel line for a loopback `endpoint`, and
/// whether its port lasts one run only.
pub fn ssh_session(
    lookup: impl Fn(&str) -> Option<String>,
    endpoint: Option<&str>,
    port_per_run: bool,
) -> Option<iotmi_core::flow::SshSession> {
    let set = |name: &str| lookup(name).is_some_and(|v| !v.is_empty());
    if !(set("SSH_CONNECTION") || set("SSH_TTY")) {
        return None;
    }
    Some(iotmi_core::flow::SshSession {
        tunnel: endpoint.and_then(|endpoint| ssh_tunnel(&lookup, endpoint)),
        port_per_run,
    })
}

/// Over SSH, with the service on this host's loopback (`demo`, a simulator): the line the
/// operator runs on their own machine so the consent URL opens there, e.g.
/// `ssh -L 4567:127.0.0.1:4567 ops@10.0.0.5` (the host and port from `SSH_CONNECTION`).
pub fn ssh_tunnel(lookup: impl Fn(&str) -> Option<String>, endpoint: &str) -> Option<String> {
    let url = url::Url::parse(endpoint).ok()?;
    let loopback = iotmi_core::url_policy::is_loopback_url(&url);
    let port = url.port_or_known_default()?;
    // SSH_CONNECTION: client address, client port, server address, server port.
    let connection = lookup("SSH_CONNECTION").filter(|c| !c.is_empty())?;
    let fields: Vec<&str> = connection.split_whitespace().collect();
    let [_, _, server, server_port] = fields[..] else {
        return None;
    };
    if !loopback {
        return None;
    }
    let user = lookup("USER").or_else(|| lookup("LOGNAME")).filter(|u| {
        !u.is_empty()
            && u.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    });
    let at = user.map(|u| format!("{u}@")).unwrap_or_default();
    let ssh_port = match server_port {
        "22" => String::new(),
        other if other.chars().all(|c| c.is_ascii_digit()) => format!(" -p {other}"),
        _ => return None,
    };
    if !server
        .chars()
        .all(|c| c.is_ascii_hexdigit() || ".:".contains(c))
    {
        return None;
    }
    Some(format!(
        "ssh -L {port}:127.0.0.1:{port}{ssh_port} {at}{server}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tunnel_line_names_the_port_and_the_ssh_server() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let ssh = env(&[("SSH_CONNECTION", "1.2.3.4 5 6.7.8.9 22"), ("USER", "ops")]);
        assert_eq!(
            ssh_tunnel(ssh, "http://127.0.0.1:4567").as_deref(),
            Some("ssh -L 4567:127.0.0.1:4567 ops@6.7.8.9")
        );
        assert_eq!(
            ssh_tunnel(
                ssh,
                "https://api.iotmanagedintegrations.us-east-1.amazonaws.com"
            ),
            None
        );
        let other_port = env(&[("SSH_CONNECTION", "1.2.3.4 5 6.7.8.9 2222")]);
        assert_eq!(
            ssh_tunnel(other_port, "http://localhost:80").as_deref(),
            Some("ssh -L 80:127.0.0.1:80 -p 2222 6.7.8.9")
        );
        assert_eq!(
            ssh_tunnel(env(&[]), "http://127.0.0.1:4567"),
            None,
            "not over SSH"
        );
        let hostile = env(&[("SSH_CONNECTION", "1 2 6.7.8.9;rm 22")]);
        assert_eq!(ssh_tunnel(hostile, "http://127.0.0.1:4567"), None);
    }

    #[test]
    fn over_ssh_either_variable_makes_a_session_and_a_loopback_endpoint_a_tunnel() {
        let lookup = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let ssh = lookup(&[
            ("SSH_CONNECTION", "1.2.3.4 5 6.7.8.9 22"),
            ("SSH_TTY", "/dev/pts/9"),
            ("LOGNAME", "alice"),
        ]);
        assert_eq!(
            ssh_session(ssh, Some("http://127.0.0.1:4567"), true),
            Some(iotmi_core::flow::SshSession {
                tunnel: Some("ssh -L 4567:127.0.0.1:4567 alice@6.7.8.9".into()),
                port_per_run: true,
            })
        );
        let tty_only = lookup(&[("SSH_TTY", "/dev/pts/9")]);
        assert_eq!(
            ssh_session(tty_only, Some("http://127.0.0.1:4567"), false),
            Some(iotmi_core::flow::SshSession::default())
        );
        assert_eq!(
            ssh_session(lookup(&[]), Some("http://127.0.0.1:1"), true),
            None
        );
    }

    fn env_of(vars: &[(&str, &str)], linux_like: bool) -> Environment {
        Environment::from_lookup(
            |name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_string())
            },
            linux_like,
        )
    }

    #[test]
    fn ssh_from_either_variable() {
        assert!(env_of(&[("SSH_CONNECTION", "10.0.0.1 5 10.0.0.2 22")], true).ssh);
        assert!(env_of(&[("SSH_TTY", "/dev/pts/3")], true).ssh);
        assert!(!env_of(&[("SSH_TTY", "")], true).ssh);
        assert!(!env_of(&[], true).ssh);
    }

    #[test]
    fn display_on_linux_needs_a_variable() {
        assert!(!env_of(&[], true).graphical_display);
        assert!(!env_of(&[("DISPLAY", "")], true).graphical_display);
        assert!(env_of(&[("DISPLAY", ":0")], true).graphical_display);
        assert!(env_of(&[("WAYLAND_DISPLAY", "wayland-0")], true).graphical_display);
    }

    #[test]
    fn display_assumed_elsewhere() {
        let e = env_of(&[], false);
        assert!(e.graphical_display);
        assert!(!e.linux_like);
    }
}
