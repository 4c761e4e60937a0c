//! The `migdoctor` binary: see the library for everything it does.

fn main() {
    std::process::exit(migdoctor_cli::run_process());
}
