//! The OAuth 2.0 authorization-code request (RFC 6749 §4.1) with PKCE (RFC 7636) that the
//! service sends the account owner to: the URL, and the S256 challenge of its verifier.

/// The model's maximum length of `OAuthAuthorizationUrl`.
pub const MAX_AUTHORIZATION_URL: usize = 1024;
/// Where the third party sends the browser back: the service's callback, on the simulator.
pub const CALLBACK_PATH: &str = "/oauth/callback";
/// Where the browser ends when a destination names no `oAuthCompleteRedirectUrl`.
pub const COMPLETE_PATH: &str = "/oauth/complete";
/// The prefix of every page that stands for a third party's own site.
pub const THIRD_PARTY_PREFIX: &str = "/third-party/";

/// Fixture URLs name the simulator as `{{ENDPOINT}}`: its port is only known once bound.
pub const ENDPOINT_PLACEHOLDER: &str = "{{ENDPOINT}}";

/// Lengths of the random parts, fixed so that a URL's length depends only on its destination.
pub const STATE_LEN: usize = 32;
pub const VERIFIER_LEN: usize = 64;

/// What a destination's OAuth configuration contributes to an authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub auth_url: String,
    pub client_id: String,
    pub scope: Option<String>,
    /// The destination's `oAuthCompleteRedirectUrl`, if it has one.
    pub complete_url: Option<String>,
}

/// The authorization URL: `authUrl` plus client_id, redirect_uri, response_type=code, scope,
/// state, code_challenge and code_challenge_method=S256, form-encoded (no character the
/// wizard's URL check refuses survives the encoding).
pub fn authorization_url(
    client: &Client,
    redirect_uri: &str,
    state: &str,
    verifier: &str,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("client_id", &client.client_id);
    query.append_pair("redirect_uri", redirect_uri);
    query.append_pair("response_type", "code");
    if let Some(scope) = &client.scope {
        query.append_pair("scope", scope);
    }
    query.append_pair("state", state);
    query.append_pair("code_challenge", &challenge(verifier));
    query.append_pair("code_challenge_method", "S256");
    let separator = if client.auth_url.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{separator}{}", client.auth_url, query.finish())
}

/// `BASE64URL(SHA256(verifier))` without padding: the S256 code challenge.
pub fn challenge(verifier: &str) -> String {
    aws_smithy_types::base64::encode(sha256(verifier.as_bytes()))
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// Replaces the endpoint placeholder in a fixture URL.
pub fn expand(template: &str, endpoint: &str) -> String {
    template.replace(ENDPOINT_PLACEHOLDER, endpoint)
}

/// SHA-256 (FIPS 180-4), for the PKCE challenge only: the simulator needs no other hash and
/// takes on no crypto dependency for this one.
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bits.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
            *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for (k, w) in K.iter().zip(w) {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(*k)
                .wrapping_add(w);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (state, add) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *state = state.wrapping_add(add);
        }
    }
    let mut out = [0u8; 32];
    for (bytes, word) in out.chunks_exact_mut(4).zip(h) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_matches_the_standard_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // Two blocks: the padding spills over.
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn the_challenge_is_the_rfc_7636_example() {
        // RFC 7636, Appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_url_carries_every_parameter_encoded() {
        let client = Client {
            auth_url: "http://127.0.0.1:45678/third-party/c/oauth/authorize".into(),
            client_id: "client 1".into(),
            scope: Some("devices:read https://x.example/a".into()),
            complete_url: None,
        };
        let url = authorization_url(
            &client,
            "http://127.0.0.1:45678/oauth/callback",
            "st",
            "v".repeat(VERIFIER_LEN).as_str(),
        );
        let parsed = url::Url::parse(&url).expect("parses");
        let params: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "client_id",
                "redirect_uri",
                "response_type",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method"
            ]
        );
        assert_eq!(params[1].1, "http://127.0.0.1:45678/oauth/callback");
        assert_eq!(params[3].1, "devices:read https://x.example/a");
        assert!(url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A45678%2Foauth%2Fcallback"));
        assert!(!url.contains(' ') && !url.contains('"') && !url.contains('\''));
        let with_query = Client {
            auth_url: "http://a.example/authorize?tenant=x".into(),
            ..client
        };
        assert!(
            authorization_url(&with_query, "r", "s", "v")
                .starts_with("http://a.example/authorize?tenant=x&client_id=")
        );
    }
}
