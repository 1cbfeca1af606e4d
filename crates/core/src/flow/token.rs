//! The ClientToken rule every front end follows: one token per draft, reused by every resend
//! of the same request (so a retry after a timeout finds the association the service may
//! already have made), and a new one when the request changed (the same token with other
//! parameters is a ConflictException).

use crate::service::CreateRequest;

/// `SEED-COUNTER`, within ClientToken's `[a-zA-Z0-9=_-]{1,64}` for a 24-character seed.
pub fn client_token(seed: &str, counter: u32) -> String {
    format!("{seed}-{counter}")
}

/// A ClientToken for another request of the same run: `SEED-KIND-HASH`, HASH naming what it
/// is for (FNV-1a of `parts`), so a rerun with the journaled seed sends the same token for the
/// same thing: the service answers with what it already made instead of making it twice.
/// At most 24 + 1 + 5 + 1 + 16 characters of `[A-Za-z0-9-]`.
pub fn derived(seed: &str, kind: &str, parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            // A NUL between parts: ("ab", "c") and ("a", "bc") differ.
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        for byte in part.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{seed}-{kind}-{hash:016x}")
}

/// The ClientToken of the association a destination and name make in an account: every
/// batch row and every `create` (without `--client-token` or `--new`) derive it from the
/// account's journaled seed, so any rerun, of either, sends the same token and the service
/// answers with the association it already made.
pub fn association(seed: &str, destination: &str, name: &str) -> String {
    derived(seed, "row", &[destination, name])
}

/// The counter `request` should be sent with, given the last request sent.
pub fn counter_for(
    counter: u32,
    last_sent: Option<&CreateRequest>,
    request: &CreateRequest,
) -> u32 {
    match last_sent {
        Some(last) if !same_parameters(last, request) => counter + 1,
        _ => counter,
    }
}

/// Equal but for the token.
pub fn same_parameters(a: &CreateRequest, b: &CreateRequest) -> bool {
    CreateRequest {
        client_token: String::new(),
        ..a.clone()
    } == CreateRequest {
        client_token: String::new(),
        ..b.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_tokens_are_stable_distinct_and_valid() {
        let seed = "seed0123456789abcdef0123";
        let a = derived(seed, "thing", &["assoc", "device-1"]);
        assert_eq!(a, derived(seed, "thing", &["assoc", "device-1"]));
        assert_ne!(a, derived(seed, "thing", &["assoc", "device-2"]));
        assert_ne!(
            a,
            derived(seed, "thing", &["assocdevice-1"]),
            "parts are kept apart"
        );
        assert_ne!(a, derived(seed, "disc", &["assoc", "device-1"]));
        assert_eq!(crate::flow::validate::client_token_error(&a), None, "{a}");
    }

    fn request(name: &str) -> CreateRequest {
        CreateRequest {
            client_token: "ignored".into(),
            destination_id: "d".into(),
            name: Some(name.into()),
            description: None,
            tags: vec![],
            auth_material: None,
        }
    }

    #[test]
    fn same_request_same_counter_changed_request_next_counter() {
        assert_eq!(counter_for(3, None, &request("a")), 3);
        assert_eq!(counter_for(3, Some(&request("a")), &request("a")), 3);
        assert_eq!(counter_for(3, Some(&request("a")), &request("b")), 4);
        assert_eq!(client_token("seed", 4), "seed-4");
    }
}
