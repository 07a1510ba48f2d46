//! The kpack-builder KRM function, as a WASI command.

use std::process::ExitCode;

fn main() -> ExitCode {
    krm::run_generator(kpack_builder::FUNCTION_NAME, kpack_builder::generate)
}
