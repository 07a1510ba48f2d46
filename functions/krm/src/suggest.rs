//! The name that was probably meant, when a name is not one of those allowed: for "did you
//! mean" hints in messages about misspelt fields and values.

/// The candidate `name` is most likely a misspelling of, by fewest edits: one of the two a
/// prefix of the other, of four letters or more and half of it at least (`success`,
/// `successful`), or within a third of the shorter's length in edits (one at least; case
/// does not count).
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .filter_map(|candidate| {
            let other = candidate.to_lowercase();
            let (short, long) = if lower.len() <= other.len() {
                (&lower, &other)
            } else {
                (&other, &lower)
            };
            let prefix = long.starts_with(short.as_str())
                && short.len() >= 4
                && short.len() * 2 >= long.len();
            let allowed = (short.len() / 3).max(1);
            if prefix {
                return Some((long.len() - short.len(), candidate));
            }
            // Edits are at least the difference in length: a long name is not compared.
            if long.len() - short.len() > allowed {
                return None;
            }
            let distance = edits(&lower, &other);
            (distance <= allowed).then_some((distance, candidate))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// The candidate `name` is a slip of the keys from: one edit away (a letter left out, added,
/// changed, or two swapped), two for names of eight letters or more; case counts. Stricter
/// than [`closest`], for names chosen freely (a ServiceAccount's), where a long shared part
/// (`-service-account`) makes different names look close by a share of their length.
pub fn slip_from<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .filter_map(|candidate| {
            let shorter = name.chars().count().min(candidate.chars().count());
            let allowed = if shorter >= 8 { 2 } else { 1 };
            // Edits are at least the difference in length.
            if name.chars().count().abs_diff(candidate.chars().count()) > allowed {
                return None;
            }
            let distance = edits(name, candidate);
            (distance <= allowed).then_some((distance, candidate))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Edits between `a` and `b`, by characters: insertions, deletions, substitutions and swaps
/// of neighbours (`gti` is one edit from `git`).
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: edits between the first i characters of a and the first j of b.
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = substitution.min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_name_within_reach() {
        let names = [
            "name",
            "tag",
            "serviceAccount",
            "history",
            "subPath",
            "imageTaggingStrategy",
            "git",
        ];
        let cases = [
            ("serviceAccountName", Some("serviceAccount")),
            ("serviceaccount", Some("serviceAccount")),
            ("subpath", Some("subPath")),
            ("hsitory", Some("history")),
            ("gti", Some("git")),
            ("imageTagingStrategy", Some("imageTaggingStrategy")),
            ("tg", Some("tag")),
            ("nmae", Some("name")),
            // Too far from every name.
            ("tagPrefix", None),
            ("namespace", None),
            ("successBuildHistoryLimit", None),
        ];
        for (name, meant) in cases {
            assert_eq!(closest(name, names.into_iter()), meant, "{name}");
        }
        assert_eq!(
            closest("success", ["successful", "failed"].into_iter()),
            Some("successful")
        );
    }

    #[test]
    fn slips_are_an_edit_or_two_away() {
        let accounts = ["kpack-builder", "kpack-service-account", "puller", "cart"];
        let cases = [
            ("kpack-buidler", Some("kpack-builder")),
            ("kpack-bulder", Some("kpack-builder")),
            ("kpack-service-acount", Some("kpack-service-account")),
            ("puler", Some("puller")),
            ("carts", Some("cart")),
            ("kpack-builder", Some("kpack-builder")),
            // Different names that share a long part, or a prefix.
            ("builder-service-account", None),
            ("tutorial-service-account", None),
            ("cart-sa", None),
            ("kpack", None),
            ("Puller", Some("puller")),
        ];
        for (name, meant) in cases {
            assert_eq!(slip_from(name, accounts.into_iter()), meant, "{name}");
        }
    }

    #[test]
    fn edits_count_swaps_of_neighbours_once() {
        assert_eq!(edits("gti", "git"), 1);
        assert_eq!(edits("kitten", "sitting"), 3);
        assert_eq!(edits("", "abc"), 3);
        assert_eq!(edits("ab", "ab"), 0);
    }
}
