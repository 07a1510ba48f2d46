//! `kpack.io/v1alpha2`, the version kpack stores and its webhook checks.

mod image;
mod source;

pub use image::*;
pub use source::*;

pub const API_VERSION: &str = "kpack.io/v1alpha2";
