//! The kpack-validate KRM function, as a WASI command.

use std::process::ExitCode;

fn main() -> ExitCode {
    krm::run(kpack_validate::FUNCTION_NAME, kpack_validate::process)
}
