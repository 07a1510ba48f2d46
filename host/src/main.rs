use std::process::ExitCode;

fn main() -> ExitCode {
    krmwasm::cli::main()
}
