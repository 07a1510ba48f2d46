//! The krmwasm function SDK.
//!
//! A KRM function is a small processor over a [`ResourceList`]; this crate owns everything
//! around it: reading the list (YAML or JSON) from stdin, writing it back (YAML, or JSON when
//! `KRM_OUTPUT=json`), turning failures into spec-conformant results, exit codes, and the
//! guarantee that a failed function changes no item.
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! fn main() -> ExitCode {
//!     krm::run("my-function", |list: &mut krm::ResourceList| {
//!         let count = list.items.len();
//!         list.results.push(krm::Diagnostic::info(format!("{count} items")));
//!         Ok(())
//!     })
//! }
//! ```
//!
//! Items are untyped JSON trees ([`serde_json::Value`], key order preserved), so a function
//! keeps every field it does not own, unknown fields and orchestrator annotations included.

pub mod annotations;
pub mod codec;
pub mod config;
mod diagnostic;
pub mod generated;
pub mod generator;
#[cfg(feature = "host")]
pub mod host;
mod object;
mod raw_list;
pub mod resource_list;
mod run;
pub mod strict_value;
pub mod suggest;
pub mod testing;
pub mod validator;

pub use codec::Format;
pub use diagnostic::{Diagnostic, FieldRef, FileRef, ResourceRef, Severity};
pub use generator::{Generation, Generator, process_generator, run_generator};
pub use object::{Identity, Object};
pub use resource_list::ResourceList;
pub use run::{Failure, Outcome, process, process_validator, run, run_validator};
pub use serde_json::{Map, Value};
pub use validator::{ItemValidator, validate_items};
