//! Image references as kpack reads them (go-containerregistry `pkg/name`, weak validation).
//!
//! kpack uses two parsers: tag fields (`Image.spec.tag`, `additionalTags`, `Builder.spec.tag`)
//! accept a tag only, never a digest; image fields (stack images, buildpack images,
//! `source.registry.image`) accept a tag or a `sha256` digest.

use std::fmt;

pub const DEFAULT_REGISTRY: &str = "index.docker.io";
const DOCKER_HUB_ALIAS: &str = "docker.io";
const DEFAULT_TAG: &str = "latest";
const REPOSITORY_CHARS: AsciiSet = AsciiSet::new("abcdefghijklmnopqrstuvwxyz0123456789_-./");
const TAG_CHARS: AsciiSet =
    AsciiSet::new("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");
/// What a registry may hold besides letters, digits and non-ASCII characters.
const REGISTRY_PUNCTUATION: AsciiSet = AsciiSet::new("-_.~!$&'()*+,;=:[]<>\"");

/// A set of ASCII characters as a bit mask: every character of every image reference is
/// checked against one (a search of the string for each was a tenth of kpack-builder's time).
struct AsciiSet {
    chars: &'static str,
    mask: u128,
}

impl AsciiSet {
    const fn new(chars: &'static str) -> Self {
        let bytes = chars.as_bytes();
        let mut mask = 0u128;
        let mut i = 0;
        while i < bytes.len() {
            assert!(
                bytes[i].is_ascii(),
                "an AsciiSet holds ASCII characters only"
            );
            mask |= 1 << bytes[i];
            i += 1;
        }
        AsciiSet { chars, mask }
    }

    fn contains(&self, c: char) -> bool {
        c.is_ascii() && self.mask & (1 << c as u32) != 0
    }
}

/// Why a reference does not parse, worded like go-containerregistry's errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceError(pub String);

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReferenceError {}

fn bad(msg: String) -> ReferenceError {
    ReferenceError(msg)
}

/// A registry and repository, e.g. `registry.example.com` + `team/app`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// The registry host[:port], normalized (`docker.io` and none become `index.docker.io`).
    pub registry: String,
    /// The repository path, with Docker Hub's implicit `library/` added.
    pub repository: String,
}

/// A reference by tag (`latest` when none is written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub repository: Repository,
    pub tag: String,
}

/// A reference by tag or by `sha256` digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    Tag(Tag),
    Digest {
        repository: Repository,
        digest: String,
    },
}

impl ImageRef {
    pub fn repository(&self) -> &Repository {
        match self {
            ImageRef::Tag(t) => &t.repository,
            ImageRef::Digest { repository, .. } => repository,
        }
    }

    pub fn is_digest(&self) -> bool {
        matches!(self, ImageRef::Digest { .. })
    }
}

fn check_element(
    what: &str,
    value: &str,
    allowed: &AsciiSet,
    min: usize,
    max: usize,
) -> Result<(), ReferenceError> {
    let len = value.chars().count();
    if len < min || len > max {
        return Err(bad(format!(
            "{what} must be between {min} and {max} characters in length: {value}"
        )));
    }
    if let Some(c) = value.chars().find(|c| !allowed.contains(*c)) {
        return Err(bad(format!(
            "{what} can only contain the characters `{}`: {value} (found {c:?})",
            allowed.chars
        )));
    }
    Ok(())
}

/// An RFC 3986 authority as Go's `url.Parse("//" + name)` accepts it unchanged.
fn check_registry(name: &str) -> Result<(), ReferenceError> {
    let invalid = || {
        bad(format!(
            "registries must be valid RFC 3986 URI authorities: {name}"
        ))
    };
    let host_ok =
        |c: char| !c.is_ascii() || c.is_ascii_alphanumeric() || REGISTRY_PUNCTUATION.contains(c);
    if !name.chars().all(host_ok) {
        return Err(invalid());
    }
    // A port, when present, is digits only (IPv6 literals keep their colons inside brackets).
    let after_bracket = name.rfind(']').map_or(0, |i| i + 1);
    if let Some(colon) = name[after_bracket..].rfind(':') {
        let port = &name[after_bracket + colon + 1..];
        if !port.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid());
        }
        if after_bracket == 0 && name[..colon].contains(':') {
            return Err(invalid());
        }
    }
    Ok(())
}

impl Repository {
    pub fn parse(name: &str) -> Result<Self, ReferenceError> {
        if name.is_empty() {
            return Err(bad("a repository name must be specified".into()));
        }
        let (registry, repo) = match name.split_once('/') {
            Some((first, rest)) if first.contains('.') || first.contains(':') => (first, rest),
            _ => ("", name),
        };
        check_element("repository", repo, &REPOSITORY_CHARS, 2, 255)?;
        check_registry(registry)?;
        let registry = match registry {
            "" | DOCKER_HUB_ALIAS => DEFAULT_REGISTRY.to_string(),
            other => other.to_string(),
        };
        let repository = if registry == DEFAULT_REGISTRY && !repo.contains('/') {
            let full = format!("library/{repo}");
            check_element("repository", &full, &REPOSITORY_CHARS, 2, 255)?;
            full
        } else {
            repo.to_string()
        };
        Ok(Repository {
            registry,
            repository,
        })
    }
}

impl fmt::Display for Repository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)
    }
}

impl Tag {
    /// Parses a tag reference; a digest (`@sha256:…`) is an error, as in kpack's tag fields.
    pub fn parse(name: &str) -> Result<Self, ReferenceError> {
        let (base, tag) = match name.rsplit_once(':') {
            Some((base, tag)) if !tag.contains('/') => {
                if tag.is_empty() {
                    return Err(bad(format!(
                        "{name} must specify a tag name after the colon"
                    )));
                }
                check_element("tag", tag, &TAG_CHARS, 1, 128)?;
                (base, tag)
            }
            _ => (name, DEFAULT_TAG),
        };
        Ok(Tag {
            repository: Repository::parse(base)?,
            tag: tag.to_string(),
        })
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.repository, self.tag)
    }
}

impl ImageRef {
    /// Parses a tag or digest reference, as kpack's image fields do.
    pub fn parse(name: &str) -> Result<Self, ReferenceError> {
        match Tag::parse(name) {
            Ok(tag) => return Ok(ImageRef::Tag(tag)),
            // Without an `@` it was meant as a tag: why the tag is wrong says more than that
            // it is no digest either (which is all go-containerregistry says).
            Err(e) if !name.contains('@') => return Err(e),
            Err(_) => {}
        }
        let parse_digest = || -> Result<ImageRef, ReferenceError> {
            let mut parts = name.split('@');
            let (Some(base), Some(digest), None) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(bad(format!(
                    "a digest must contain exactly one '@' separator (e.g. registry/repository@digest) saw: {name}"
                )));
            };
            let Some(hex) = digest.strip_prefix("sha256:") else {
                return Err(bad(format!("unsupported digest algorithm: {digest}")));
            };
            if hex.len() != 64 || !hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
                return Err(bad(format!("invalid sha256 digest: {digest}")));
            }
            // `repo:tag@sha256:…` is accepted; the tag is dropped.
            let repository = match Tag::parse(base) {
                Ok(tag) => tag.repository,
                Err(_) => Repository::parse(base)?,
            };
            Ok(ImageRef::Digest {
                repository,
                digest: digest.to_string(),
            })
        };
        parse_digest().map_err(|e| bad(format!("could not parse reference {name}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn a_bad_tag_without_an_at_says_what_is_wrong_with_the_tag() {
        let error = ImageRef::parse("registry.example.com/b:1")
            .unwrap_err()
            .to_string();
        assert!(error.contains("repository"), "{error}");
        assert!(!error.contains('@'), "{error}");
        // With an `@`, the digest's reason.
        let error = ImageRef::parse("registry.example.com/b@md5:1")
            .unwrap_err()
            .to_string();
        assert!(error.contains("digest algorithm"), "{error}");
    }

    #[test]
    fn an_ascii_set_holds_exactly_its_characters() {
        for set in [&REPOSITORY_CHARS, &TAG_CHARS, &REGISTRY_PUNCTUATION] {
            for c in (0..=0x2FF)
                .filter_map(char::from_u32)
                .chain(['é', '日', '\u{10FFFF}'])
            {
                assert_eq!(
                    set.contains(c),
                    set.chars.contains(c),
                    "{c:?} in {}",
                    set.chars
                );
            }
        }
    }

    #[test]
    fn tags_default_and_normalize_like_ggcr() {
        let t = Tag::parse("registry.example.com/team/app").unwrap();
        assert_eq!(t.repository.registry, "registry.example.com");
        assert_eq!(t.repository.repository, "team/app");
        assert_eq!(t.tag, "latest");
        let t = Tag::parse("localhost:5000/app:v1.2").unwrap();
        assert_eq!(t.repository.registry, "localhost:5000");
        assert_eq!(t.tag, "v1.2");
        let t = Tag::parse("docker.io/nginx").unwrap();
        assert_eq!(t.to_string(), "index.docker.io/library/nginx:latest");
        let t = Tag::parse("paketobuildpacks/builder").unwrap();
        assert_eq!(t.repository.registry, DEFAULT_REGISTRY);
    }

    #[test]
    fn tags_reject_what_kpack_rejects() {
        for bad in [
            "",
            "registry.example.com/Team/app",
            "registry.example.com/app:",
            &format!("registry.example.com/app@{DIGEST}"),
            "registry.example.com/app:bad tag",
            "a",
            "registry.example.com:port/app",
            "reg istry.example.com/app",
            &format!("registry.example.com/app:{}", "x".repeat(129)),
        ] {
            assert!(
                Tag::parse(bad).is_err(),
                "{bad:?} should not parse as a tag"
            );
        }
    }

    #[test]
    fn image_refs_take_tags_and_sha256_digests() {
        let r = ImageRef::parse(&format!("gcr.io/paketo/java@{DIGEST}")).unwrap();
        assert!(r.is_digest());
        assert_eq!(r.repository().registry, "gcr.io");
        assert!(
            ImageRef::parse(&format!("gcr.io/paketo/java:18@{DIGEST}"))
                .unwrap()
                .is_digest()
        );
        assert!(
            !ImageRef::parse("gcr.io/paketo/java:18")
                .unwrap()
                .is_digest()
        );
        assert!(ImageRef::parse("gcr.io/paketo/java@sha512:abc").is_err());
        assert!(ImageRef::parse("gcr.io/paketo/java@sha256:ABC").is_err());
        assert!(ImageRef::parse("gcr.io/paketo/java@sha256:ab@cd").is_err());
    }
}
