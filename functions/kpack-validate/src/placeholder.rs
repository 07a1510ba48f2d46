//! Values that are placeholders another tool fills in (`$REGISTRY/app`, `<tag>`, `__NAME__`):
//! kpack refuses them as written, and the fix is to validate what that tool renders, which
//! kpack's own message does not say.

/// The placeholder in `value`, if it holds one: `$NAME` or `${NAME}` (envsubst, shells),
/// `<name>` (documentation), `__NAME__` (sed-style markers) or `{{ … }}` (Go templates).
pub fn find(value: &str) -> Option<&str> {
    for (i, c) in value.char_indices() {
        let rest = &value[i..];
        let found = match c {
            '$' => {
                let name = rest[1..].strip_prefix('{').unwrap_or(&rest[1..]);
                let len = name
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(name.len());
                let starts = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
                let braced = rest[1..].starts_with('{');
                match (starts, braced) {
                    (true, true) if name[len..].starts_with('}') => Some(&rest[..len + 3]),
                    (true, false) => Some(&rest[..len + 1]),
                    _ => None,
                }
            }
            '<' => rest[1..]
                .find('>')
                .filter(|&end| end > 0)
                .map(|end| &rest[..end + 2]),
            '{' if rest.starts_with("{{") => rest.find("}}").map(|end| &rest[..end + 2]),
            '_' if rest.starts_with("__") => {
                let name = &rest[2..];
                let len = name
                    .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                    .unwrap_or(name.len());
                name[..len]
                    .strip_suffix("__")
                    .filter(|n| n.starts_with(|c: char| c.is_ascii_uppercase()))
                    .map(|n| &rest[..n.len() + 4])
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// What to add to kpack's message about `message` when the value it names is a placeholder.
pub fn hint(message: &str) -> Option<String> {
    let value = message
        .strip_prefix("invalid value: ")
        .or_else(|| message.strip_prefix("invalid image name: "))?;
    let placeholder = find(value.split(": ").next().unwrap_or(value))?;
    Some(format!(
        "`{placeholder}` looks like a placeholder that a tool (envsubst, sed, a CI step) fills in before kpack sees it: validate what that tool renders"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found() {
        let cases = [
            ("$BUILDER_TAG", Some("$BUILDER_TAG")),
            (
                "${SHPYRD_REGISTRY_HOST}/shpyrd/builder",
                Some("${SHPYRD_REGISTRY_HOST}"),
            ),
            (
                "$CONTAINER_REGISTRY/tap-images",
                Some("$CONTAINER_REGISTRY"),
            ),
            ("dirigiblelabs/xsk-builder:<tag>", Some("<tag>")),
            (
                "cnbs/sample-builder:<bionic OR alpine>",
                Some("<bionic OR alpine>"),
            ),
            (
                "us-east1-docker.pkg.dev/p/default/__NAME__",
                Some("__NAME__"),
            ),
            (
                "registry.example.com/{{ .Values.app }}",
                Some("{{ .Values.app }}"),
            ),
            // Not placeholders.
            ("registry.example.com/app:v1", None),
            ("registry.example.com/a__b", None),
            ("price$", None),
            ("$1", None),
            ("a<>b", None),
            ("${unclosed", None),
            ("régistry.example.com/é$", None),
        ];
        for (value, placeholder) in cases {
            assert_eq!(find(value), placeholder, "{value}");
        }
    }

    #[test]
    fn the_hint_names_the_placeholder_of_an_invalid_value() {
        let said = hint("invalid value: $BUILDER_TAG: tag").unwrap();
        assert!(
            said.starts_with("`$BUILDER_TAG` looks like a placeholder"),
            "{said}"
        );
        assert_eq!(hint("missing field(s): spec.tag"), None);
        assert_eq!(
            hint("invalid value: registry.example.com/App: spec.tag"),
            None
        );
    }
}
