//! Plain values kubectl reads otherwise than kustomize, kpt and this linter do.
//!
//! `kubectl apply` reads manifests with sigs.k8s.io/yaml, over go-yaml v2's YAML 1.1 rules;
//! kustomize, kpt and krmwasm read YAML 1.2. Where the two differ on a plain (unquoted)
//! value, what lint checked is not what reaches kpack: `value: yes` is the text "yes" here
//! and `true` for kubectl (kpack then refuses a boolean where it wants text), `revision:
//! 012345` is the number 5349, and `1_000` is 1000. Each such value in a kpack object is a
//! warning: quote it. Timestamps (`2024-01-02`) are not among them: go-yaml v2 resolves them,
//! but hands a value decoded without a Go type, as kubectl decodes manifests, its text.

use super::locate::Region;
use saphyr_parser::{Event, Parser, ScalarStyle};

/// How go-yaml v2 reads `plain`, a value YAML 1.2 reads as text, when that differs: a
/// boolean, or a number (octal for a leading zero, underscores dropped).
pub fn reading(plain: &str) -> Option<String> {
    match plain {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Some("true".into()),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Some("false".into()),
        _ => {}
    }
    let unsigned = plain.trim_start_matches(['+', '-']);
    let negative = plain.starts_with('-');
    let digits = unsigned.replace('_', "");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Go's ParseInt with base 0: a leading zero is octal; then a float, as go-yaml falls back.
    let value = if digits.len() > 1 && digits.starts_with('0') {
        match i64::from_str_radix(&digits[1..], 8) {
            Ok(n) => n.to_string(),
            Err(_) => digits.trim_start_matches('0').to_string(),
        }
    } else if plain.contains('_') {
        digits.clone()
    } else {
        return None;
    };
    let value = if value.is_empty() { "0".into() } else { value };
    Some(format!(
        "the number {}{value}",
        if negative { "-" } else { "" }
    ))
}

/// Whether `value` holds text that go-yaml v2 would read otherwise, were it written plain: a
/// cheap test of the parsed documents before their text is scanned.
pub fn may_hold_misread(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => reading(s).is_some(),
        serde_json::Value::Array(items) => items.iter().any(may_hold_misread),
        serde_json::Value::Object(map) => map.values().any(may_hold_misread),
        _ => false,
    }
}

/// A plain value in `text` that kubectl reads otherwise.
#[derive(Debug, PartialEq)]
pub struct Misread {
    pub document: usize,
    pub region: Region,
    pub value: String,
    pub reading: String,
}

/// The misread plain values of `text`'s documents for which `scanned` says so. Keys are not
/// values; a value with a tag (`!!str yes`) says what it is.
pub fn scan(text: &str, scanned: impl Fn(usize) -> bool) -> Vec<Misread> {
    // Open collections: a mapping with whether its next scalar is a key, or a sequence.
    let mut open: Vec<Option<bool>> = Vec::new();
    let mut document: Option<usize> = None;
    let mut found = Vec::new();
    // Marks a value (or key) taken by the innermost mapping; says whether it was a key.
    let took_key = |open: &mut Vec<Option<bool>>| match open.last_mut() {
        Some(Some(next_is_key)) => {
            let was_key = *next_is_key;
            *next_is_key = !was_key;
            was_key
        }
        _ => false,
    };
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else { break };
        match event {
            Event::DocumentStart(_) => {
                document = Some(document.map_or(0, |d| d + 1));
                open.clear();
            }
            Event::MappingStart(..) => {
                took_key(&mut open);
                open.push(Some(true));
            }
            Event::SequenceStart(..) => {
                took_key(&mut open);
                open.push(None);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                open.pop();
            }
            Event::Alias(_) => {
                took_key(&mut open);
            }
            Event::Scalar(value, style, _, tag) => {
                let is_key = took_key(&mut open);
                let Some(doc) = document else { continue };
                if is_key || style != ScalarStyle::Plain || tag.is_some() || !scanned(doc) {
                    continue;
                }
                if let Some(reading) = reading(&value) {
                    found.push(Misread {
                        document: doc,
                        region: Region {
                            line: span.start.line(),
                            column: span.start.col() + 1,
                            end_line: span.end.line(),
                            end_column: span.end.col() + 1,
                        },
                        value: value.into_owned(),
                        reading,
                    });
                }
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_yaml_v2_readings() {
        for (plain, read) in [
            ("yes", Some("true")),
            ("On", Some("true")),
            ("n", Some("false")),
            ("OFF", Some("false")),
            ("012345", Some("the number 5349")),
            ("-017", Some("the number -15")),
            ("08", Some("the number 8")),
            ("00", Some("the number 0")),
            ("1_000", Some("the number 1000")),
            // Read alike by both (timestamps are kept as their text when decoded untyped).
            ("2024-01-02", None),
            ("2024-01-02T10:00:00Z", None),
            ("0", None),
            ("12", None),
            ("true", None),
            ("main", None),
            ("v1.2.3", None),
            ("2024-13-02", None),
            ("1:20", None),
            ("abc_def", None),
        ] {
            assert_eq!(reading(plain).as_deref(), read, "{plain}");
        }
    }

    #[test]
    fn only_plain_values_of_scanned_documents() {
        let text =
            "a: yes\nb: 'yes'\nyes: 1\nc: !!str yes\nd: [012, \"012\", {e: off}]\n---\nf: on\n";
        let found = scan(text, |doc| doc == 0);
        let seen: Vec<(&str, usize, usize)> = found
            .iter()
            .map(|m| (m.value.as_str(), m.region.line, m.region.column))
            .collect();
        assert_eq!(seen, [("yes", 1, 4), ("012", 5, 5), ("off", 5, 21)]);
        assert_eq!(found[1].reading, "the number 10");
        assert_eq!(scan(text, |doc| doc == 1)[0].value, "on");
    }
}
