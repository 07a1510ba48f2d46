//! The kpack-validate KRM function, as a WASI command.

use std::process::ExitCode;

fn main() -> ExitCode {
    krm::run_validator(
        kpack_validate::FUNCTION_NAME,
        kpack_validate::Validation::start,
    )
}

/// Pre-initialization hook, named as Wizer names it: krmwasm calls it once, when it compiles
/// the module, and snapshots the memory it leaves, so each run starts with every kind's schema
/// compiled. A runtime that does not pre-initialize never calls it, and the function compiles
/// the schemas it needs as it goes.
#[cfg(target_family = "wasm")]
#[unsafe(export_name = "wizer-initialize")]
extern "C" fn wizer_initialize() {
    kpack_validate::prepare();
}
