//! The `migdoctor` binary, built in this package so that the kill tests can start it as a real
//! process (Cargo tells a test the path of its own package's binaries only): the same
//! `run_process` as `crates/cli/src/main.rs`.

fn main() {
    std::process::exit(migdoctor_cli::run_process());
}
