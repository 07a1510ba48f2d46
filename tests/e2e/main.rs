//! End-to-end tests: the real krmwasm binary, the real wasm modules, and the real kpt and
//! kubectl binaries. A missing tool fails the test (with how to install it); nothing skips.

mod guests;
mod registry;
mod support;

mod catalog;
mod cli;
mod corpus;
mod golden;
mod inputs;
mod integrity;
mod kpt;
mod kustomize;
mod lint;
mod oci;
mod sandbox;
