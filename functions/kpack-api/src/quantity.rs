//! Kubernetes resource quantities (`2G`, `500Mi`, `1.5`, `100m`, `1e3`).

/// True when `s` is a valid quantity: a signed decimal number followed by an optional binary
/// suffix (`Ki`…`Ei`), decimal suffix (`n u m k M G T P E`) or exponent (`e3`, `E-2`).
pub fn is_quantity(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(digits_end);
    let number_ok = !number.is_empty() && number != "." && number.matches('.').count() <= 1;
    if !number_ok {
        return false;
    }
    match suffix {
        "" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" => true,
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => true,
        exp => {
            let Some(rest) = exp.strip_prefix(['e', 'E']) else {
                return false;
            };
            let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_quantities() {
        for ok in [
            "2G", "2Gi", "500Mi", "1", "1.5", ".5", "5.", "100m", "1e3", "1E-2", "+1k",
        ] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in [
            "", "G", "2 G", "2GB", "2g", ".", "1.2.3", "1e", "two", "2Gi ",
        ] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }
}
