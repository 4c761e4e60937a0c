//! The migdoctor command line: clap arguments, one module per command, renderers for table,
//! JSON and Markdown output, and the mapping of outcomes to exit codes.
//!
//! Exit codes: 0 healthy or done, 1 findings at or above `--fail-on` (for `journal --verify`:
//! a gap in the audit trail), 2 usage, connection or other could-not-run errors.
//!
//! ```no_run
//! let mut out = Vec::new();
//! let mut err = Vec::new();
//! let code = migdoctor_cli::run(["migdoctor", "scan", "examples/golang-migrate-dirty"], &mut out, &mut err);
//! assert_eq!(code, 0);
//! ```

mod commands;
mod context;
mod render;

use clap::Parser;
use std::ffi::OsString;
use std::io::Write;

pub use commands::Cli;

/// Returns nothing; documented exit codes.
pub mod exit {
    /// Healthy, or the requested change was made.
    pub const OK: i32 = 0;
    /// Findings at or above `--fail-on`; `journal --verify`: a gap in the audit trail.
    pub const FINDINGS: i32 = 1;
    /// Usage error, connection error, or anything that stopped migdoctor from looking.
    pub const ERROR: i32 = 2;
}

/// Returns the exit code of the `migdoctor` process: runs the process's own command line with
/// its stdout and stderr (what `main` does; test binaries that must be killed mid-run call it
/// too, so they behave exactly as `migdoctor`).
pub fn run_process() -> i32 {
    let args: Vec<OsString> = std::env::args_os().collect();
    // stderr stays unlocked: the progress spinner draws to it from its own thread, and a lock
    // held here for the whole run would deadlock the spinner's final clear.
    let stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    run(args, &mut stdout.lock(), &mut stderr)
}

/// Returns the exit code after running the command line `args`, writing the report to `out`
/// and progress, warnings and errors to `err`.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            return code;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "error: cannot start the async runtime: {e}");
            return exit::ERROR;
        }
    };
    let raw_url = cli.global.db.clone();
    let result = runtime.block_on(commands::dispatch(cli, out, err));
    match result {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return exit::OK;
            }
            let mut text = format!("{e:#}");
            if let Some(url) = raw_url
                .as_deref()
                .and_then(|u| migdoctor_db::DbUrl::parse(u).ok())
            {
                text = url.scrub(&text);
            }
            let (msg, hints) = split_hints(&text);
            let _ = writeln!(err, "error: {msg}");
            for h in hints {
                let _ = writeln!(err, "hint: {h}");
            }
            exit::ERROR
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Returns the message without its `hint:` lines, and the hints.
fn split_hints(text: &str) -> (String, Vec<String>) {
    let mut msg = Vec::new();
    let mut hints = Vec::new();
    for line in text.lines() {
        match line.trim_start().strip_prefix("hint: ") {
            Some(h) => hints.push(h.to_string()),
            None => msg.push(line),
        }
    }
    (msg.join("\n"), hints)
}
