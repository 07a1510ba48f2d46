//! The kpack-builder KRM function, as a WASI command.

use std::process::ExitCode;

fn main() -> ExitCode {
    krm::run(kpack_builder::FUNCTION_NAME, kpack_builder::process)
}
