//! The `migdoctor` binary: see the library for everything it does.

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // stderr stays unlocked: the progress spinner draws to it from its own thread, and a lock
    // held here for the whole run would deadlock the spinner's final clear.
    let stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    let code = migdoctor_cli::run(args, &mut stdout.lock(), &mut stderr);
    std::process::exit(code);
}
