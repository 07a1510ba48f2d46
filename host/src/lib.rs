//! krmwasm: runs KRM functions compiled to WebAssembly (WASI preview 1 commands), sandboxed,
//! for kustomize, kpt and CI.
//!
//! The host knows nothing about kpack: it runs any WASI KRM function. The first-party
//! functions are compiled into the binary ([`builtin`]).

pub mod builtin;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod lint;
pub mod log;
pub mod oci;
pub mod runtime;
pub mod sources;
pub mod store;
pub mod tree;
pub mod units;
