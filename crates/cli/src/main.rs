//! The `migdoctor` binary: see the library for everything it does.

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code = migdoctor_cli::run(args, &mut stdout.lock(), &mut stderr.lock());
    std::process::exit(code);
}
