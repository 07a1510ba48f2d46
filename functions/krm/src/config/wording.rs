//! serde's messages about a config, put in the words of the person who wrote the config: no
//! Rust type names (`i64`, `struct GitSource`), and the field that was probably meant when a
//! field or value name is misspelt.

/// What a function has to say about a field that is not one of its config's, by name: kpack's
/// own field names, for instance, where the config spells them differently.
pub type FieldHints<'a> = &'a [(&'a str, &'a str)];

/// `message`, as serde wrote it about a config, reworded.
pub fn reword(message: &str, hints: FieldHints) -> String {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return unknown_name("field", rest, hints).unwrap_or_else(|| message.to_string());
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return unknown_name("value", rest, &[]).unwrap_or_else(|| message.to_string());
    }
    for kind in ["invalid type: ", "invalid value: "] {
        if let Some((unexpected, expected)) = message
            .strip_prefix(kind)
            .and_then(|rest| rest.split_once(", expected "))
        {
            return format!(
                "{kind}{}, expected {}",
                unexpected_words(unexpected),
                expected_words(expected)
            );
        }
    }
    message.to_string()
}

/// `unknown field `x`, expected one of `a`, `b`` (or `` `a` or `b` ``, or `there are no
/// fields`): a hint the function gave for `x`, else the closest of the names, if one is close.
fn unknown_name(what: &str, rest: &str, hints: FieldHints) -> Option<String> {
    let mut quoted = rest.split('`').skip(1).step_by(2);
    let name = quoted.next()?;
    if let Some((_, hint)) = hints.iter().find(|(field, _)| *field == name) {
        return Some(format!("unknown {what} `{name}`: {hint}"));
    }
    let meant = crate::suggest::closest(name, quoted)?;
    Some(format!("unknown {what} `{name}`: did you mean `{meant}`?"))
}

/// serde's name for the value found (`floating point `1.5``, `sequence`, `unit value`).
fn unexpected_words(unexpected: &str) -> String {
    match unexpected {
        "sequence" => "a list".to_string(),
        "map" => "a map".to_string(),
        "unit value" => "null".to_string(),
        _ => {
            for (serde, ours) in [
                ("floating point ", "the number "),
                ("integer ", "the number "),
                ("boolean ", ""),
                ("string ", "the string "),
            ] {
                if let Some(value) = unexpected.strip_prefix(serde) {
                    return format!("{ours}{}", value.trim_matches('`'));
                }
            }
            unexpected.to_string()
        }
    }
}

/// serde's name for the type wanted (`i64`, `a sequence`, `struct GitSource`).
fn expected_words(expected: &str) -> String {
    let integer = |t: &str| {
        ["8", "16", "32", "64", "128", "size"]
            .iter()
            .any(|bits| t.len() > 1 && &t[1..] == *bits)
    };
    match expected {
        e if e.starts_with('i') && integer(e) => "a whole number".to_string(),
        e if e.starts_with('u') && integer(e) => "a whole number, 0 or more".to_string(),
        "f32" | "f64" => "a number".to_string(),
        "a sequence" => "a list".to_string(),
        e if e.starts_with("struct ") => "a map".to_string(),
        e => match e.strip_prefix("enum ") {
            Some(name) => format!("a string naming a {}", spaced_lowercase(name)),
            None => e.to_string(),
        },
    }
}

/// `BuilderKind` → `builder kind`.
fn spaced_lowercase(name: &str) -> String {
    let mut words = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            words.push(' ');
        }
        words.extend(c.to_lowercase());
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_named_in_words() {
        let cases = [
            (
                "invalid type: string \"10m\", expected i64",
                "invalid type: the string \"10m\", expected a whole number",
            ),
            (
                "invalid type: floating point `1.5`, expected u32",
                "invalid type: the number 1.5, expected a whole number, 0 or more",
            ),
            (
                "invalid value: integer `-1`, expected u64",
                "invalid value: the number -1, expected a whole number, 0 or more",
            ),
            (
                "invalid type: boolean `true`, expected f64",
                "invalid type: true, expected a number",
            ),
            (
                "invalid type: sequence, expected a string",
                "invalid type: a list, expected a string",
            ),
            (
                "invalid type: unit value, expected a sequence",
                "invalid type: null, expected a list",
            ),
            (
                "invalid type: string \"x\", expected struct GitSource",
                "invalid type: the string \"x\", expected a map",
            ),
            (
                "invalid type: integer `3`, expected enum BuilderKind",
                "invalid type: the number 3, expected a string naming a builder kind",
            ),
            // Messages of a type's own, and `expecting` texts, are kept.
            (
                "invalid type: integer `3`, expected a ClusterBuilder name, or {kind: Builder|ClusterBuilder, name: ...}",
                "invalid type: the number 3, expected a ClusterBuilder name, or {kind: Builder|ClusterBuilder, name: ...}",
            ),
            ("missing field `name`", "missing field `name`"),
            ("\"x\" is not a quantity", "\"x\" is not a quantity"),
        ];
        for (serde, ours) in cases {
            assert_eq!(reword(serde, &[]), ours);
        }
    }

    #[test]
    fn a_misspelt_name_gets_the_one_meant() {
        let fields = "expected one of `name`, `tag`, `serviceAccount`, `history`";
        let cases = [
            ("serviceAccountName", Some("serviceAccount")),
            // Too far from every field: the list stays.
            ("tagPrefix", None),
        ];
        for (name, meant) in cases {
            let serde = format!("unknown field `{name}`, {fields}");
            let expected = match meant {
                Some(meant) => format!("unknown field `{name}`: did you mean `{meant}`?"),
                None => serde.clone(),
            };
            assert_eq!(reword(&serde, &[]), expected, "{name}");
        }
        assert_eq!(
            reword(
                "unknown variant `clusterbuilder`, expected `Builder` or `ClusterBuilder`",
                &[]
            ),
            "unknown value `clusterbuilder`: did you mean `ClusterBuilder`?"
        );
        assert_eq!(
            reword("unknown field `x`, there are no fields", &[]),
            "unknown field `x`, there are no fields"
        );
    }

    #[test]
    fn a_hint_the_function_gives_comes_first() {
        let hints = [(
            "source",
            "name the source's kind directly: `git`, `blob` or `sourceImage`",
        )];
        assert_eq!(
            reword(
                "unknown field `source`, expected one of `sourceImage`, `subPath`",
                &hints
            ),
            "unknown field `source`: name the source's kind directly: `git`, `blob` or `sourceImage`"
        );
    }
}
