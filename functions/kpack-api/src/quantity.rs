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
        suffix if scale_of(suffix).is_some() => true,
        exp => {
            let Some(rest) = exp.strip_prefix(['e', 'E']) else {
                return false;
            };
            let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit())
        }
    }
}

/// How much `s`, a quantity, is (`500m` is 0.5, `1Ki` 1024), for comparing two: exact enough
/// for the sizes and core counts builds ask for.
pub fn value(s: &str) -> Option<f64> {
    let s = s.trim();
    if !is_quantity(s) {
        return None;
    }
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
        .unwrap_or(s.len());
    // An exponent (`1e3`) is read with the number.
    let (number, suffix) = match s[end..].strip_prefix(['e', 'E']) {
        Some(_) => (s, ""),
        None => s.split_at(end),
    };
    Some(number.parse::<f64>().ok()? * scale_of(suffix)?)
}

/// What a suffix multiplies by: decimal (`n` … `E`), binary (`Ki` … `Ei`), or none.
fn scale_of(suffix: &str) -> Option<f64> {
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    Some(scale)
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

    #[test]
    fn quantities_have_values() {
        for (text, expected) in [
            ("500m", 0.5),
            ("0.5", 0.5),
            ("2", 2.0),
            ("1Ki", 1024.0),
            ("1Gi", 1073741824.0),
            ("1073741824", 1073741824.0),
            ("1.5G", 1.5e9),
            ("1e3", 1000.0),
            ("1E-2", 0.01),
            ("+1k", 1000.0),
            (" 2M ", 2e6),
        ] {
            assert_eq!(value(text), Some(expected), "{text}");
        }
        assert_eq!(value("2GB"), None);
    }
}
