//! Parsing pasted tags: `k=v,k2=v2` or one pair per line.

/// Pairs from pasted text, in order. All or nothing: the first malformed piece is an error
/// naming it, so a paste is never half applied.
pub fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for piece in text.split(['\n', '\r', ',']) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let Some((key, value)) = piece.split_once('=') else {
            let shown: String = crate::text::sanitize(piece).chars().take(40).collect();
            return Err(format!("'{shown}' is not KEY=VALUE"));
        };
        pairs.push((key.trim().to_string(), value.trim().to_string()));
    }
    if pairs.is_empty() {
        return Err("nothing to add: paste KEY=VALUE pairs separated by commas or newlines".into());
    }
    Ok(pairs)
}

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
        let err = parse_pairs("a=1,oops,b=2").unwrap_err();
        assert!(err.contains("'oops'"), "{err}");
        assert!(parse_pairs(" ,\n ").is_err());
    }
}
