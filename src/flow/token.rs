//! The ClientToken rule every front end follows: one token per draft, reused by every resend
//! of the same request (so a retry after a timeout finds the association the service may
//! already have made), and a new one when the request changed (the same token with other
//! parameters is a ConflictException).

use crate::service::CreateRequest;

/// `SEED-COUNTER`, within ClientToken's `[a-zA-Z0-9=_-]{1,64}` for a 24-character seed.
pub fn client_token(seed: &str, counter: u32) -> String {
    format!("{seed}-{counter}")
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
