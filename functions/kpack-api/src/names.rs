//! Kubernetes name rules kpack and the API server apply to the objects krmwasm writes.

/// A DNS-1123 subdomain (the rule for most object names): at most 253 characters of
/// lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit.
pub fn is_dns1123_subdomain(name: &str) -> bool {
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 253
        && alnum(bytes[0])
        && alnum(bytes[bytes.len() - 1])
        && bytes.iter().all(|&c| alnum(c) || c == b'-' || c == b'.')
}

/// A label value (kpack requires Image names to be one): at most 63 characters of letters,
/// digits, `-`, `_` and `.`, starting and ending with a letter or digit; empty is allowed.
pub fn is_label_value(value: &str) -> bool {
    label_value_problems(value).is_empty()
}

/// What is wrong with a label value, in the words of Kubernetes' `IsValidLabelValue` (which
/// kpack joins into its error's details).
pub fn label_value_problems(value: &str) -> Vec<&'static str> {
    let alnum = |c: u8| c.is_ascii_alphanumeric();
    let bytes = value.as_bytes();
    let mut problems = Vec::new();
    if bytes.len() > 63 {
        problems.push("must be no more than 63 characters");
    }
    let shaped = bytes.is_empty()
        || (alnum(bytes[0])
            && alnum(bytes[bytes.len() - 1])
            && bytes
                .iter()
                .all(|&c| alnum(c) || matches!(c, b'-' | b'_' | b'.')));
    if !shaped {
        problems.push(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', \
             '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  \
             or 'my_value',  or '12345', regex used for validation is \
             '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        );
    }
    problems
}

/// A qualified name (a label or node-selector key): an optional DNS-1123 subdomain prefix and
/// `/`, then at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending
/// with a letter or digit.
pub fn is_qualified_name(key: &str) -> bool {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    prefix.is_none_or(is_dns1123_subdomain) && !name.is_empty() && is_label_value(name)
}

/// A service binding name, as kpack's webhook requires: `^[a-z0-9\-\.]{1,253}$`.
pub fn is_binding_name(name: &str) -> bool {
    (1..=253).contains(&name.len())
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
}

/// A name valid for a kpack Image: a DNS-1123 subdomain that is also a label value.
pub fn is_image_name(name: &str) -> bool {
    is_dns1123_subdomain(name) && is_label_value(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains() {
        assert!(is_dns1123_subdomain("cart"));
        assert!(is_dns1123_subdomain("web-frontend.v2"));
        assert!(!is_dns1123_subdomain("Cart"));
        assert!(!is_dns1123_subdomain("-cart"));
        assert!(!is_dns1123_subdomain("cart_1"));
        assert!(!is_dns1123_subdomain(""));
        assert!(!is_dns1123_subdomain(&"a".repeat(254)));
    }

    #[test]
    fn image_names_are_also_label_values() {
        assert!(is_image_name("cart"));
        assert!(!is_image_name(&"a".repeat(64)));
        assert!(is_label_value("Cart_1"));
        assert!(!is_image_name("Cart_1"));
    }
}
