//! What the flow knows of AWS profiles: each one's name, region and kind of credentials, and
//! the choice last made. Reading the files is the application's.

/// How a profile gets its credentials (what `aws configure list` calls the type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    Static,
    Sso,
    Process,
    AssumeRole,
    WebIdentity,
    /// Nothing in the profile itself (region only): the rest of the chain decides.
    Other,
}

impl CredentialKind {
    pub fn label(self) -> &'static str {
        match self {
            CredentialKind::Static => "static keys",
            CredentialKind::Sso => "SSO",
            CredentialKind::Process => "credential process",
            CredentialKind::AssumeRole => "assume role",
            CredentialKind::WebIdentity => "web identity",
            CredentialKind::Other => "no keys of its own",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileInfo {
    pub name: String,
    pub region: Option<String>,
    pub kind: CredentialKind,
}

/// The profile and region last picked, remembered per user next to the journals.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LastChoice {
    pub profile: String,
    pub region: String,
}
