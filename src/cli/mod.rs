//! The command-line front end: arguments -> plan -> `job::run` -> `report::render` -> exit
//! code. It reads arguments, draws progress and words errors as flags; the library does the
//! rest.

pub mod args;
mod plan;
mod progress;

use pagecost::error::Setting;
use pagecost::job::{self, Outcome};
use std::io::Write;
use std::process::ExitCode;

/// Runs a parsed command line to its exit code: 0 pass, 1 a check failed, 2 the command
/// could not run (or some inputs could not), 130 interrupted.
pub fn run(cli: args::Cli) -> ExitCode {
    let command = match cli.command {
        args::Command::Audit(a) => plan::audit(a),
        args::Command::Links(a) => plan::links(a),
        args::Command::Compare(a) => plan::compare(a),
        args::Command::Budget(args::BudgetCommand::Init(a)) => plan::budget_init(a),
        args::Command::Merge(a) => Ok(plan::merge(a)),
        args::Command::Serve(a) => return exit(serve(a).map(|()| Outcome::Ok)),
    };
    exit(command.and_then(execute))
}

fn execute(mut c: plan::Command) -> anyhow::Result<Outcome> {
    let progress = progress::Progress::new(c.quiet);
    let report = job::run(c.plan, &progress);
    progress.finish();
    let report = report?;
    if c.output.is_none() {
        (c.render.width, c.render.color) = pagecost::report::stdout_terminal();
    }
    let mut text = Vec::new();
    pagecost::report::render(&report, c.format, &c.render, &mut text)?;
    emit(&text, c.output.as_deref())?;
    let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|x| x == "true");
    for line in pagecost::report::notices(&report, c.quiet, github) {
        let prefix = if line.starts_with("::") {
            ""
        } else {
            "pagecost: "
        };
        eprintln!("{prefix}{}", flags(&line));
    }
    Ok(report.outcome())
}

/// The library names settings ("gate", "the block patterns"); a command-line user wrote
/// flags (`--fail-if`, `--block`).
fn flags(notice: &str) -> String {
    match notice.strip_prefix("gate ") {
        Some(rest) => format!("--fail-if {rest}"),
        None => notice.replace("the block patterns", "the --block patterns"),
    }
}

fn exit(r: anyhow::Result<Outcome>) -> ExitCode {
    match r {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Ok(Outcome::CouldNotRun) => ExitCode::from(2),
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        // A reader that went away (`| head`) is not a failure.
        Err(e) if e.chain().any(|c| matches!(c.downcast_ref::<std::io::Error>(), Some(io) if io.kind() == std::io::ErrorKind::BrokenPipe)) => ExitCode::SUCCESS,
        Err(e) if matches!(e.downcast_ref(), Some(pagecost::Error::Interrupted(_))) => {
            let _ = writeln!(std::io::stderr(), "pagecost: interrupted");
            ExitCode::from(130)
        }
        Err(e) => {
            // One line naming the input and the cause.
            let msg = worded(&e).split_whitespace().collect::<Vec<_>>().join(" ");
            let _ = writeln!(std::io::stderr(), "pagecost: {msg}");
            ExitCode::from(2)
        }
    }
}

/// An error in the user's words: a setting as the flag that set it.
fn worded(e: &anyhow::Error) -> String {
    match e.downcast_ref::<pagecost::Error>() {
        Some(pagecost::Error::InvalidSetting {
            setting: Setting::VariantB,
            ..
        }) => "compare needs a variant B, or --block / --block-third-parties to make one from A"
            .into(),
        Some(pagecost::Error::InvalidSetting {
            setting,
            value,
            reason,
        }) => {
            let sep = if value.is_empty() { "" } else { " " };
            format!("{}{sep}{value}: {reason}", flag(*setting))
        }
        _ => format!("{e:#}"),
    }
}

fn flag(s: Setting) -> &'static str {
    match s {
        Setting::Header => "--header",
        Setting::UserAgent => "--user-agent",
        Setting::Resolve => "--resolve",
        Setting::ConnectTo => "--connect-to",
        Setting::Block => "--block",
        Setting::Concurrency => "--concurrency",
        Setting::PerOrigin => "--per-origin",
        Setting::Timeout => "--timeout",
        Setting::Dpr => "--dpr",
        Setting::Profile => "--throttle",
        Setting::Margin => "--margin",
        Setting::HarPage => "--page",
        Setting::Format => "--format",
        Setting::Crawl => "--crawl",
        Setting::ServeAlso => "--serve-also",
        Setting::Gate => "--fail-if",
        Setting::Alpha => "--alpha",
        Setting::LinkUrl => "--match",
        Setting::LinkText => "--text",
        Setting::LinkExclude => "--exclude",
        _ => "setting",
    }
}

/// Writes the report to the output file or stdout.
fn emit(report: &[u8], output: Option<&std::path::Path>) -> anyhow::Result<()> {
    use anyhow::Context;
    match output {
        Some(path) => std::fs::write(path, report)
            .with_context(|| format!("{}: cannot write report", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(report)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// `pagecost serve DIR`: the loopback folder server in the foreground, until Ctrl-C.
fn serve(a: args::ServeArgs) -> anyhow::Result<()> {
    Ok(job::serve(&a.dir, a.port, |addr| {
        println!(
            "serving {} at http://{addr}/ (Ctrl-C to stop)",
            a.dir.display()
        );
        let _ = std::io::stdout().flush();
    })?)
}
