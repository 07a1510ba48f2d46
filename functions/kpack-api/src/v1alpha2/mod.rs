//! `kpack.io/v1alpha2`: the version kpack stores and its webhook defaults and validates.

mod build;
mod builder;
mod buildpack;
mod image;
mod lifecycle;
mod rules;
mod source_resolver;
mod stack;
mod store;

pub use build::*;
pub use builder::*;
pub use buildpack::*;
pub use image::*;
pub use lifecycle::*;
pub use rules::{OS_NODE_SELECTOR, is_creation_time};
pub use source_resolver::*;
pub use stack::*;
pub use store::*;

pub const API_VERSION: &str = "kpack.io/v1alpha2";

#[cfg(test)]
mod tests;
