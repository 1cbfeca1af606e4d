//! Pagination: pages are cut by position in a stable (insertion-ordered) sequence, and the
//! position travels in an opaque NextToken. The token also names the list and the filter it
//! was issued for, so a token replayed against another list or filter is refused instead of
//! silently skipping items. Hex keeps it inside the model's `[a-zA-Z0-9=_-]+`.

use super::error::ApiError;
use super::validate::{self, NEXT_TOKEN};

/// Page size when MaxResults is absent.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// Which list a token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    CloudConnectors,
    ConnectorDestinations,
    AccountAssociations,
    DeviceDiscoveries,
    DiscoveredDevices,
    ManagedThings,
    ManagedThingAssociations,
}

impl ListKind {
    fn tag(self) -> &'static str {
        match self {
            Self::CloudConnectors => "cc",
            Self::ConnectorDestinations => "cd",
            Self::AccountAssociations => "aa",
            Self::DeviceDiscoveries => "dd",
            Self::DiscoveredDevices => "dv",
            Self::ManagedThings => "mt",
            Self::ManagedThingAssociations => "ma",
        }
    }
}

const VERSION: &str = "v1";

/// Encodes the position of the next item of `kind` under `filter`.
pub fn encode(kind: ListKind, filter: &str, position: u64) -> String {
    let plain = format!("{VERSION}|{}|{position}|{filter}", kind.tag());
    plain.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Decodes a NextToken issued by [`encode`] for the same `kind` and `filter`.
pub fn decode(kind: ListKind, filter: &str, token: &str) -> Result<u64, ApiError> {
    validate::check("NextToken", token, &NEXT_TOKEN)?;
    let invalid = || ApiError::validation("NextToken: invalid or expired pagination token");
    if !token.len().is_multiple_of(2) {
        return Err(invalid());
    }
    let bytes = (0..token.len())
        .step_by(2)
        .map(|i| {
            token
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(invalid)?;
    let plain = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = plain.splitn(4, '|');
    let (Some(VERSION), Some(tag), Some(position), Some(token_filter)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    if tag != kind.tag() || token_filter != filter {
        return Err(ApiError::validation(
            "NextToken: the token was issued for a different list or filter",
        ));
    }
    position.parse().map_err(|_| invalid())
}

/// Decodes an optional NextToken; absent means the start of the list.
pub fn start_position(kind: ListKind, filter: &str, token: Option<&str>) -> Result<u64, ApiError> {
    token.map_or(Ok(0), |t| decode(kind, filter, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for (pos, filter) in [(0, ""), (100, "connector-a"), (u64::MAX, "x|y|z")] {
            let token = encode(ListKind::ConnectorDestinations, filter, pos);
            assert!(token.chars().all(|c| c.is_ascii_alphanumeric()), "{token}");
            assert_eq!(
                decode(ListKind::ConnectorDestinations, filter, &token).ok(),
                Some(pos)
            );
        }
    }

    #[test]
    fn token_for_another_list_or_filter_is_refused() {
        let token = encode(ListKind::AccountAssociations, "dest-1", 5);
        assert!(decode(ListKind::ConnectorDestinations, "dest-1", &token).is_err());
        assert!(decode(ListKind::AccountAssociations, "dest-2", &token).is_err());
        assert!(decode(ListKind::AccountAssociations, "", &token).is_err());
    }

    #[test]
    fn garbage_is_a_validation_error_never_a_panic() {
        for bad in [
            "",
            "abc",
            "zz",
            "not a token",
            "ü",
            "00",
            "7631",
            "76317c63637c",
            &"f".repeat(65536),
        ] {
            let err = decode(ListKind::CloudConnectors, "", bad).expect_err(bad);
            assert_eq!(err.error_type(), "ValidationException");
            assert!(err.message().starts_with("NextToken:"), "{}", err.message());
        }
        // A well-formed token whose position is not a number.
        let forged: String = "v1|cc|x|".bytes().map(|b| format!("{b:02x}")).collect();
        assert!(decode(ListKind::CloudConnectors, "", &forged).is_err());
    }

    #[test]
    fn absent_token_starts_at_zero() {
        assert_eq!(
            start_position(ListKind::CloudConnectors, "", None).ok(),
            Some(0)
        );
    }
}
