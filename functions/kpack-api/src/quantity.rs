//! Kubernetes resource quantities (`2G`, `500Mi`, `1.5`, `100m`, `1e3`), read as Go's
//! `resource.ParseQuantity` reads them, corners included: it takes a sign, digits, an
//! optional fraction and a suffix, and lets the digits be missing (`+`, `.`, `G` are zero).

/// True when Go's `resource.ParseQuantity` accepts `s` (it does not trim; kpack's decoder
/// trims before calling it).
pub fn is_quantity(s: &str) -> bool {
    Parsed::of(s).is_some()
}

/// How much `s`, a quantity, is (`500m` is 0.5, `1Ki` 1024), after trimming spaces, for
/// comparing two: exact enough for the sizes and core counts builds ask for.
pub fn value(s: &str) -> Option<f64> {
    let parsed = Parsed::of(s.trim())?;
    let number = format!("0{}.{}0", parsed.whole, parsed.fraction);
    let magnitude = number.parse::<f64>().ok()? * parsed.scale.factor();
    Some(if parsed.negative {
        -magnitude
    } else {
        magnitude
    })
}

/// A quantity split as Go splits it.
struct Parsed<'a> {
    negative: bool,
    /// The digits before the point, leading zeros included; may be empty.
    whole: &'a str,
    /// The digits after the point; empty without one.
    fraction: &'a str,
    scale: Scale,
}

#[derive(Clone, Copy)]
enum Scale {
    /// A power of ten: a decimal suffix (`k` is 3) or an exponent (`e3`).
    Decimal(i32),
    /// A power of two: `Ki` is 10.
    Binary(i32),
}

impl Scale {
    /// The scale a suffix names, as Go's suffix table and exponent rule read it.
    fn of(suffix: &str) -> Option<Scale> {
        let scale = match suffix {
            "" => Scale::Decimal(0),
            "n" => Scale::Decimal(-9),
            "u" => Scale::Decimal(-6),
            "m" => Scale::Decimal(-3),
            "k" => Scale::Decimal(3),
            "M" => Scale::Decimal(6),
            "G" => Scale::Decimal(9),
            "T" => Scale::Decimal(12),
            "P" => Scale::Decimal(15),
            "E" => Scale::Decimal(18),
            "Ki" => Scale::Binary(10),
            "Mi" => Scale::Binary(20),
            "Gi" => Scale::Binary(30),
            "Ti" => Scale::Binary(40),
            "Pi" => Scale::Binary(50),
            "Ei" => Scale::Binary(60),
            // Go parses the exponent as an int64 and keeps its low 32 bits.
            _ => match suffix.strip_prefix(['e', 'E']) {
                Some(exponent) if !exponent.is_empty() => {
                    Scale::Decimal(exponent.parse::<i64>().ok()? as i32)
                }
                _ => return None,
            },
        };
        Some(scale)
    }

    fn factor(self) -> f64 {
        match self {
            Scale::Decimal(power) => 10f64.powi(power),
            Scale::Binary(power) => 2f64.powi(power),
        }
    }
}

impl<'a> Parsed<'a> {
    fn of(s: &'a str) -> Option<Parsed<'a>> {
        if s.is_empty() {
            return None;
        }
        let (negative, rest) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let (whole, rest) = split_digits(rest);
        let (fraction, suffix) = match rest.strip_prefix('.') {
            Some(after_point) => split_digits(after_point),
            None => ("", rest),
        };
        // Go scans the suffix as letters of "eEinumkKMGTP", then an optional sign and digits,
        // to the end of the text; the scale is then looked up.
        let letters = suffix
            .find(|c: char| !"eEinumkKMGTP".contains(c))
            .unwrap_or(suffix.len());
        let tail = &suffix[letters..];
        let tail = tail.strip_prefix(['+', '-']).unwrap_or(tail);
        if !tail.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let parsed = Parsed {
            negative,
            whole,
            fraction,
            scale: Scale::of(suffix)?,
        };
        // Without a digit Go's value is zero on its integer path, but its decimal path (taken
        // for scales it cannot hold in an int64) needs a digit.
        if whole.is_empty() && fraction.is_empty() && !parsed.zero_fits_an_integer() {
            return None;
        }
        Some(parsed)
    }

    /// Whether Go's integer path takes a digitless quantity. Its numerator is then "0": one
    /// digit, leaving a decimal scale down to nano; a binary one keeps 15 - 1 - 1 digits of
    /// precision less 3 per 10 powers of two, and needs them not to run out.
    fn zero_fits_an_integer(&self) -> bool {
        match self.scale {
            Scale::Decimal(power) => power >= -9,
            Scale::Binary(power) => (power as f32 * 3.0 / 10.0) as i32 <= 13,
        }
    }
}

/// The leading ASCII digits of `s`, and the rest.
fn split_digits(s: &str) -> (&str, &str) {
    s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_quantities() {
        for ok in [
            "2G", "2Gi", "500Mi", "1", "1.5", ".5", "5.", "100m", "1e3", "1E-2", "+1k", "1e+03",
            "1E3", "-1", "0.5Gi", "1.G", "007",
        ] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in [
            "",
            "2 G",
            "2GB",
            "2g",
            "1.2.3",
            "1e",
            "1e-",
            "two",
            "2Gi ",
            " 2",
            "1ki",
            "1K",
            "1mi",
            "1Ee3",
            "1e3.5",
            "1Mi3",
            "0.1am",
            ".5i",
            "1e99999999999999999999",
        ] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }

    /// Go takes a missing number as zero, except where its integer path cannot hold the scale.
    #[test]
    fn digitless_quantities_are_read_as_go_reads_them() {
        for ok in ["+", "-", ".", "+.", "G", "m", "n", "Ki", "Ti", "e3", "e-9"] {
            assert!(is_quantity(ok), "{ok}");
            assert_eq!(value(ok), Some(0.0), "{ok}");
        }
        for bad in ["Pi", "Ei", "e-10", "i"] {
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
            ("-1.5", -1.5),
            ("5.", 5.0),
            (".5Ki", 512.0),
        ] {
            assert_eq!(value(text), Some(expected), "{text}");
        }
        assert_eq!(value("2GB"), None);
    }
}
