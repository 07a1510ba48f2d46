//! The KRM functions built from this repository and embedded in the binary (see build.rs).

/// A function shipped inside the binary.
#[derive(Debug)]
pub struct BuiltinFunction {
    /// Short name, used by `krmwasm run <name>`.
    pub name: &'static str,
    /// The crate's version.
    pub version: &'static str,
    /// The functionConfig kinds it serves, as (apiVersion, kind).
    pub kinds: &'static [(&'static str, &'static str)],
    /// Hex sha256 of `wasm`, computed at build time.
    pub sha256: &'static str,
    /// The WebAssembly module.
    pub wasm: &'static [u8],
    /// JSON: the crate's `[package.metadata.krmwasm]` plus each kind's JSON Schema, from which
    /// the built-in catalog entry is made (see `catalog::builtin`).
    pub catalog_info: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/builtin_functions.rs"));

/// The function named `name`.
pub fn by_name(name: &str) -> Option<&'static BuiltinFunction> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// The function whose config kind is `api_version`/`kind`.
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static BuiltinFunction> {
    FUNCTIONS
        .iter()
        .find(|f| f.kinds.iter().any(|(v, k)| *v == api_version && *k == kind))
}

/// The function serving `kind` in any group/version (for legacy exec plugins, named by kind).
pub fn by_kind_name(kind: &str) -> Option<&'static BuiltinFunction> {
    FUNCTIONS
        .iter()
        .find(|f| f.kinds.iter().any(|(_, k)| *k == kind))
}

/// "kpack.krmwasm.dev/v1alpha1/ImageConfig, …", for error messages.
pub fn known_kinds() -> String {
    let kinds: Vec<String> = FUNCTIONS
        .iter()
        .flat_map(|f| f.kinds.iter().map(|(v, k)| format!("{v}/{k}")))
        .collect();
    kinds.join(", ")
}

/// "kpack-image, …", for error messages.
pub fn known_names() -> String {
    let names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_digests_match_the_modules() {
        assert!(!FUNCTIONS.is_empty());
        for f in FUNCTIONS {
            assert_eq!(crate::runtime::sha256_hex(f.wasm), f.sha256, "{}", f.name);
            assert!(
                f.wasm.starts_with(b"\0asm"),
                "{} is not a wasm module",
                f.name
            );
        }
    }
}
