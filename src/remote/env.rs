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

#[cfg(test)]
mod tests {
    use super::*;

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
