//! The kpack-image KRM function, as a WASI command (or a native binary, for debugging).

use std::process::ExitCode;

fn main() -> ExitCode {
    krm::run_generator(kpack_image::FUNCTION_NAME, kpack_image::generate)
}
