//! Entry point: parse arguments, load the configuration, then run the TUI or a CLI command.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use sandkasten_tui::cli::{self, Cli, exit};
use sandkasten_tui::{app, config, docker, logging};

fn main() -> ExitCode {
    let args = Cli::parse();
    let loaded = match config::load(args.config.as_deref(), |name| std::env::var(name).ok()) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("sandkasten-tui: configuration refused: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    // Never another engine than the docker CLI's, nor a weaker way to it: a context, TLS or
    // ssh this tool cannot use yet is refused before anything connects.
    if let Some(why) = docker::endpoint::refusal(&docker::endpoint::Asked::from_host()) {
        eprintln!("sandkasten-tui: engine refused: {why}");
        return ExitCode::from(exit::USAGE);
    }
    let _log = logging::init(args.log_file.clone());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sandkasten-tui: cannot start the async runtime: {e}");
            return ExitCode::from(exit::ENGINE);
        }
    };
    let code = match args.command {
        Some(command) => runtime.block_on(cli::run(command, &loaded, args.read_only)),
        None => match runtime.block_on(app::run(loaded, args.read_only)) {
            Ok(()) => ExitCode::from(exit::OK),
            Err(e) => {
                sandkasten_tui::tui::restore();
                // Not `eprintln!`: on a terminal that is gone it panics (exit 101).
                let _ = writeln!(std::io::stderr(), "sandkasten-tui: {e:#}");
                ExitCode::from(exit::ENGINE)
            }
        },
    };
    // Quitting never waits for background work (a size walk of a huge volume, say): a
    // blocking task still running is abandoned to the process exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    code
}
