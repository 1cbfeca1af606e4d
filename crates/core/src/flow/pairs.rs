//! Parsing pasted tags: `k=v,k2=v2` or one pair per line.

/// Every pair of pasted text in order, and every piece that is not one, described: all of them
/// are reported at once, as `create` does.
pub fn split_pairs(text: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut pairs = Vec::new();
    let mut malformed = Vec::new();
    for piece in text.split(['\n', '\r', ',']) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        match piece.split_once('=') {
            Some((key, value)) => pairs.push((key.trim().to_string(), value.trim().to_string())),
            None => {
                let shown: String = crate::text::sanitize(piece).chars().take(40).collect();
                malformed.push(format!("'{shown}' is not KEY=VALUE"));
            }
        }
    }
    (pairs, malformed)
}

/// Pairs from pasted text, in order. All or nothing: every malformed piece is named, so a
/// paste is never half applied.
pub fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let (pairs, malformed) = split_pairs(text);
    if !malformed.is_empty() {
        return Err(malformed.join("; "));
    }
    if pairs.is_empty() {
        return Err(NOTHING_PASTED.into());
    }
    Ok(pairs)
}

pub const NOTHING_PASTED: &str =
    "nothing to add: paste KEY=VALUE pairs separated by commas or newlines";

/// True when pasted text looks like tag pairs rather than a single field value.
pub fn looks_like_pairs(text: &str) -> bool {
    text.contains('=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_and_lines() {
        let pairs = parse_pairs("env=prod, team = iot\nowner=ops\r\n\ncost-center=").unwrap();
        assert_eq!(
            pairs,
            [
                ("env", "prod"),
                ("team", "iot"),
                ("owner", "ops"),
                ("cost-center", "")
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }

    #[test]
    fn value_may_hold_equals() {
        assert_eq!(
            parse_pairs("expr=a=b").unwrap(),
            [("expr".to_string(), "a=b".to_string())]
        );
    }

    #[test]
    fn malformed_piece_is_named() {
        let err = parse_pairs("a=1,oops,b=2,nope").unwrap_err();
        assert_eq!(err, "'oops' is not KEY=VALUE; 'nope' is not KEY=VALUE");
        assert!(parse_pairs(" ,\n ").is_err());
    }
}
