//! The command-line front end: arguments -> plan -> `job::run` -> `report::render` -> exit
//! code. It maps flags to the library's plans and settings (the library validates), draws
//! progress and words errors as flags; the library does the rest. clap's definitions are in
//! `args.rs`.

pub mod args;
mod generate;
#[cfg(feature = "history")]
mod history;
mod progress;
mod signals;
mod stream;

use anyhow::Context;
use args::*;
use pagecost::config::{parse_header, AuditConfig, ConnectTo, ResolveOverride};
use pagecost::error::Setting;
use pagecost::job::{self, Outcome, Plan};
use pagecost::links::{Filter, LinkKind, Patterns, Site};
use pagecost::model::urls::redact_text;
use pagecost::report::{Format, RenderOptions};
use pagecost::Viewport;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Runs a parsed command line to its exit code: 0 pass, 1 a check failed, 2 the command
/// could not run (or some inputs could not), 130 interrupted.
pub fn run(cli: args::Cli) -> ExitCode {
    // The process's one runtime: the job's, and the signals' (kept to the end).
    let rt = match job::runtime() {
        Ok(rt) => rt,
        Err(e) => return exit(Err(e.into())),
    };
    let command = match cli.command {
        args::Command::Audit(a) => audit(a),
        args::Command::Links(a) => links(a),
        args::Command::Compare(a) => compare(a),
        args::Command::Calibrate(a) => calibrate(a),
        args::Command::Budget(args::BudgetCommand::Init(a)) => budget_init(a),
        args::Command::Merge(a) => Ok(merge(a)),
        #[cfg(feature = "history")]
        args::Command::History(a) => history::command(a),
        args::Command::Serve(a) => return exit(serve(&rt, a).map(|()| Outcome::Ok)),
        args::Command::Generate(a) => return exit(generate::run(a).map(|()| Outcome::Ok)),
    };
    exit(command.and_then(|c| execute(&rt, c)))
}

fn execute(rt: &tokio::runtime::Runtime, mut c: Command) -> anyhow::Result<Outcome> {
    let cancel = pagecost::config::Cancel::default();
    let cancellable = c.plan.set_cancel(&cancel);
    signals::cancel_on_stop(rt, cancellable.then_some(cancel));
    let progress = progress::Progress::new(c.quiet);
    // A batch's JSON lines are written as its pages finish (nothing is lost on a stop).
    let streamed = (c.format == Format::Jsonl && matches!(c.plan, Plan::Audit(_)))
        .then(|| stream::Jsonl::new(c.output.clone(), &progress));
    let sink: &dyn pagecost::EventSink = match &streamed {
        Some(s) => s,
        None => &progress,
    };
    let report = job::run_on(rt, c.plan, sink);
    progress.finish();
    let streamed_all = streamed.map(stream::Jsonl::finish).transpose()?.is_some();
    let report = report?;
    if c.output.is_none() {
        (c.render.width, c.render.color) = stdout_terminal();
    }
    if !(streamed_all && matches!(report, job::Report::Batch(_))) {
        emit(&report, c.format, &c.render, c.output.as_deref())?;
    }
    for (format, path) in &c.report_files {
        // Files get no terminal width or colour.
        let plain = RenderOptions {
            width: None,
            color: false,
            ..c.render
        };
        emit(&report, *format, &plain, Some(path))
            .with_context(|| format!("--report-file {}={}", format.name(), path.display()))?;
    }
    #[cfg(feature = "history")]
    if let Some(plan) = &c.save {
        let saved = job::history::save(&report, plan)?;
        if !c.quiet {
            eprintln!(
                "pagecost: {} run{} saved in {}",
                saved.runs,
                if saved.runs == 1 { "" } else { "s" },
                saved.db
            );
        }
    }
    let github = std::env::var("GITHUB_ACTIONS").is_ok_and(|x| x == "true");
    for notice in pagecost::report::notices(&report, c.quiet, github) {
        eprintln!("{}", redact_text(&notice_line(notice)));
    }
    Ok(report.outcome())
}

/// A notice in a command-line user's words: settings named by the flags that set them.
fn notice_line(notice: pagecost::report::Notice) -> String {
    use pagecost::report::Notice;
    match notice {
        Notice::Said(s) => format!("pagecost: {s}"),
        Notice::Gate(g) => format!("pagecost: --fail-if {g}"),
        Notice::BlockAppliesToB => "pagecost: the --block patterns apply to B only".into(),
        Notice::Annotation(a) => a,
    }
}

fn exit(r: anyhow::Result<Outcome>) -> ExitCode {
    match r {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Ok(Outcome::CouldNotRun) => ExitCode::from(2),
        Ok(Outcome::Interrupted) => ExitCode::from(signals::exit_code()),
        // A reader that went away (`| head`) is not a failure.
        Err(e) if e.chain().any(|c| matches!(c.downcast_ref::<std::io::Error>(), Some(io) if io.kind() == std::io::ErrorKind::BrokenPipe)) => ExitCode::SUCCESS,
        Err(e) if matches!(e.downcast_ref(), Some(pagecost::Error::Interrupted(_))) => {
            let _ = writeln!(std::io::stderr(), "pagecost: interrupted");
            ExitCode::from(signals::exit_code())
        }
        Err(e) => {
            // One line naming the input and the cause.
            let msg = worded(&e).split_whitespace().collect::<Vec<_>>().join(" ");
            let msg = redact_text(&msg);
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
            format!("{}{sep}{value}: {reason}", setting.flag())
        }
        Some(pagecost::Error::MainDocument { kind, message, .. })
            if *kind == pagecost::model::ErrorKind::Tls && message.contains("certificate") =>
        {
            format!(
                "{} (--insecure accepts an untrusted or expired certificate)",
                chain(e)
            )
        }
        _ => chain(e),
    }
}

/// An error and its causes, each said once: a cause the message already quotes (an I/O
/// error in "FILE: error") is not repeated.
fn chain(e: &anyhow::Error) -> String {
    let mut said = String::new();
    for cause in e.chain().map(ToString::to_string) {
        if said.contains(&cause) {
            continue;
        }
        if !said.is_empty() {
            said.push_str(": ");
        }
        said.push_str(&cause);
    }
    said
}

/// Renders the report straight into the output file or stdout: a report of 160,000
/// requests is never a string in memory. A file the rendering failed to fill is removed.
fn emit(
    report: &job::Report,
    format: Format,
    opts: &RenderOptions,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let Some(path) = output else {
        let mut out = std::io::stdout().lock();
        pagecost::report::render(report, format, opts, &mut out)?;
        return Ok(out.flush()?);
    };
    let cannot = || format!("{}: cannot write report", path.display());
    let file = std::fs::File::create(path).with_context(cannot)?;
    let mut w = std::io::BufWriter::new(file);
    let done = pagecost::report::render(report, format, opts, &mut w).and_then(|()| w.flush());
    if let Err(e) = done {
        let _ = std::fs::remove_file(path);
        return Err(match e.kind() {
            std::io::ErrorKind::InvalidInput => e.into(), // no such rendering: said as it is
            _ => anyhow::Error::new(e).context(cannot()),
        });
    }
    Ok(())
}

/// `pagecost serve DIR`: the loopback folder server in the foreground, until Ctrl-C.
fn serve(rt: &tokio::runtime::Runtime, a: args::ServeArgs) -> anyhow::Result<()> {
    let stop = pagecost::config::Cancel::default();
    signals::cancel_on_stop(rt, Some(stop.clone()));
    let ready = |addr| {
        println!(
            "serving {} at http://{addr}/ (Ctrl-C to stop)",
            a.dir.display()
        );
        let _ = std::io::stdout().flush();
    };
    Ok(job::serve(rt, &a.dir, a.port, ready, stop)?)
}

/// An environment variable naming a file or folder; unset and empty are the same.
#[cfg(any(feature = "browser", feature = "history"))]
pub(crate) fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// When stdout is a terminal: its width, and whether it takes colours (neither NO_COLOR nor
/// TERM=dumb set). `(None, false)` otherwise.
fn stdout_terminal() -> (Option<u16>, bool) {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return (None, false);
    }
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb");
    (comfy_table::Table::new().width(), color)
}

// Arguments to plans: the one mapping from flags to the library's plans and settings.

/// A command ready to run: the plan, and how to show its report (to `output`, else stdout;
/// `quiet`: no progress, fewer notices; width and colour are set from the terminal).
pub struct Command {
    pub plan: Plan,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub quiet: bool,
    pub render: RenderOptions,
    /// More renderings of the same report: `--report-file FORMAT=FILE`.
    pub report_files: Vec<(Format, PathBuf)>,
    /// `--save`: the report's loads go to the history database once it is written.
    #[cfg(feature = "history")]
    pub save: Option<job::history::SavePlan>,
}

impl Command {
    fn new(plan: Plan, format: Format, output: Option<PathBuf>, quiet: bool) -> Command {
        Command {
            plan,
            format,
            output,
            quiet,
            render: RenderOptions::default(),
            report_files: Vec::new(),
            #[cfg(feature = "history")]
            save: None,
        }
    }
}

/// The library's settings from the network flags.
pub fn config(n: &NetArgs) -> pagecost::Result<(AuditConfig, Viewport)> {
    fn set<T>(v: Option<T>, into: &mut T) {
        if let Some(v) = v {
            *into = v;
        }
    }
    let mut c = AuditConfig::default();
    set(n.timeout, &mut c.timeout);
    set(n.connect_timeout, &mut c.connect_timeout);
    set(n.audit_timeout, &mut c.max_time);
    set(n.max_redirects, &mut c.max_redirects);
    set(n.max_frame_depth, &mut c.max_frame_depth);
    set(n.max_body, &mut c.max_body_bytes);
    set(n.max_decoded, &mut c.max_decoded_bytes);
    c.concurrency = n.concurrency.unwrap_or(c.concurrency);
    c.per_origin = n.per_origin.unwrap_or(c.per_origin);
    c.max_refs_per_doc = n.max_refs.unwrap_or(c.max_refs_per_doc);
    c.user_agent = n.user_agent.clone().unwrap_or(c.user_agent);
    c.headers = n
        .headers
        .iter()
        .map(|h| parse_header(h))
        .collect::<Result<_, _>>()?;
    c.insecure = n.insecure;
    c.resolve = n
        .resolve
        .iter()
        .map(|s| ResolveOverride::parse(s))
        .collect::<Result<_, _>>()?;
    c.connect_to = n
        .connect_to
        .iter()
        .map(|s| ConnectTo::parse(s))
        .collect::<Result<_, _>>()?;
    c.throttle = n.throttle.clone();
    c.first_party = n.first_party.clone();
    c.carbon.green_hosts = n.green_host.clone();
    if let Some(g) = n.grid_intensity {
        c.carbon.grid_intensity = g;
    }
    c.data_price = data_price(n)?;
    c.savings = n.savings;
    c.savings_qualities = n.quality.clone();
    c.validate()?;
    let mut vp = if n.mobile {
        pagecost::extract::MOBILE_VIEWPORT
    } else {
        Viewport::default()
    };
    if let Some((w, h)) = n.viewport {
        (vp.width, vp.height) = (w, h);
    }
    vp.dpr = n.dpr.unwrap_or(vp.dpr);
    vp.validate()?;
    Ok((c, vp))
}

/// The engine from `--engine` and the browser's flags (refused with the static engine; the
/// static engine's settings the browser cannot apply refused with the browser, once, before
/// any page), for `jobs` loads side by side (each traced load takes a browser of its own).
/// A static-only build has no `--engine chromium` to give (clap lists `static` alone).
#[cfg_attr(not(feature = "browser"), allow(unused_variables))]
fn engine(
    n: &NetArgs,
    cfg: &AuditConfig,
    jobs: usize,
    trace_out: Option<&PathBuf>,
) -> anyhow::Result<pagecost::Engine> {
    #[cfg(feature = "browser")]
    {
        let b = &n.browser;
        pagecost::browser::check_flags(&b.browser_flag)?;
        let mut launch = pagecost::browser::Launch {
            browser: pagecost::browser::Locate {
                named: b.browser.clone(),
                chrome: env_path("CHROME"),
                search_path: std::env::var_os("PATH").unwrap_or_default(),
            },
            flags: b.browser_flag.clone(),
            devtools_log: env_path("PAGECOST_DEVTOOLS_LOG"),
            trace_out: trace_out.cloned(),
            ..Default::default()
        };
        launch.quiet = b.quiet_period.unwrap_or(launch.quiet);
        launch.after_load = b.after_load.unwrap_or(launch.after_load);
        if b.no_trace {
            launch.tracing = pagecost::browser::Tracing::Off;
        }
        if n.engine == EngineArg::Chromium {
            pagecost::browser::check_supported(cfg)?;
            if let (pagecost::browser::Tracing::Every { browsers }, Some(jobs)) =
                (&mut launch.tracing, std::num::NonZeroUsize::new(jobs))
            {
                *browsers = jobs;
            }
            let pool = pagecost::browser::Browsers::new(launch);
            return Ok(pagecost::Engine::Chromium(std::sync::Arc::new(pool)));
        }
        let browser_only = b.browser.is_some()
            || !b.browser_flag.is_empty()
            || b.quiet_period.is_some()
            || b.after_load.is_some()
            || b.no_trace;
        anyhow::ensure!(
            !browser_only,
            "--browser, --browser-flag, --quiet-period, --after-load and --no-trace apply to \
             the browser engine only (add --engine chromium)"
        );
    }
    Ok(pagecost::Engine::Static)
}

/// The mobile data price asked for: a bundled country's (`--price-country`), or one given
/// (`--price-per-gb`); none when neither.
fn data_price(n: &NetArgs) -> Result<Option<pagecost::model::price::DataPrice>, pagecost::Error> {
    use pagecost::model::price::{DataPrice, TABLE};
    let Some(cc) = &n.price_country else {
        return Ok(n.price_per_gb.map(DataPrice::given));
    };
    DataPrice::of_country(cc).map(Some).ok_or_else(|| {
        let codes: Vec<&str> = TABLE.iter().map(|r| r.0).collect();
        let why = format!(
            "the bundled table has no price for it; it has {} (or give --price-per-gb)",
            codes.join(", ")
        );
        pagecost::Error::setting(Setting::PriceCountry, cc.as_str(), why)
    })
}

/// `links` reads the page's HTML as served (and with `--check` requests each link): the
/// browser engine, its flags and the options of a page's load are refused there rather than
/// ignored.
fn links_options(n: &NetArgs) -> anyhow::Result<()> {
    let page_load_only = [
        ("--throttle", n.throttle.is_some()),
        ("--viewport", n.viewport.is_some()),
        ("--dpr", n.dpr.is_some()),
        ("--mobile", n.mobile),
        ("--first-party", !n.first_party.is_empty()),
        ("--grid-intensity", n.grid_intensity.is_some()),
        ("--green-host", !n.green_host.is_empty()),
        ("--price-country", n.price_country.is_some()),
        ("--price-per-gb", n.price_per_gb.is_some()),
        ("--max-frame-depth", n.max_frame_depth.is_some()),
        ("--max-refs", n.max_refs.is_some()),
        ("--audit-timeout", n.audit_timeout.is_some()),
    ];
    if let Some((flag, _)) = page_load_only.iter().find(|(_, given)| *given) {
        anyhow::bail!(
            "{flag}: links loads no subresources (it reads the page's HTML and, with --check, \
             requests each link), so this option of a page's load does nothing there"
        );
    }
    anyhow::ensure!(
        n.engine == EngineArg::Static,
        "--engine chromium: links reads the page's HTML as served, without running its \
         scripts (the browser engine is for audit, compare and budget init)"
    );
    engine(n, &AuditConfig::default(), 1, None)
        .map(drop)
        .map_err(|_| {
            anyhow::anyhow!(
            "--browser, --browser-flag, --quiet-period, --after-load and --no-trace: links runs \
             no browser"
        )
        })
}

fn budgets(b: &BudgetArgs) -> pagecost::Result<Option<pagecost::verdict::budget::Budgets>> {
    let quick = pagecost::verdict::budget::quick(
        b.max_bytes,
        b.max_requests,
        b.max_time.map(|d| d.as_secs_f64() * 1000.0),
        b.no_broken,
    );
    pagecost::verdict::budget::load(b.budget.as_deref(), quick)
}

/// `audit`.
pub fn audit(a: AuditArgs) -> anyhow::Result<Command> {
    let (mut cfg, viewport) = config(&a.net)?;
    cfg.keep_secrets = a.include_sensitive;
    let format = format(a.format);
    let engine = engine(&a.net, &cfg, a.jobs, trace_out(&a)?)?;
    let plan = job::AuditPlan {
        targets: a.targets,
        input_file: a.input_file,
        shows: format.shows(),
        crawl: a.crawl.map(|depth| job::Crawl {
            depth,
            max_pages: a.max_pages,
            ignore_robots: a.ignore_robots,
        }),
        shard: a.shard,
        jobs: a.jobs,
        runs: a.runs as usize,
        warmup: !a.no_warmup,
        page: a.page,
        trace: a.trace,
        serve_also: a.serve_also,
        estimate: a.estimate,
        budgets: budgets(&a.budget)?,
        engine,
        cfg,
        viewport,
    };
    let mut c = Command::new(Plan::Audit(Box::new(plan)), format, a.output, a.quiet);
    c.report_files = a.report_file;
    #[cfg(feature = "history")]
    {
        c.save = history::save_plan(&a.save)?;
    }
    c.render.connections = a.connections;
    c.render.include_sensitive = a.include_sensitive;
    Ok(c)
}

/// `--trace-out FILE`: one live load by the browser engine, the file writable before it.
fn trace_out(a: &AuditArgs) -> anyhow::Result<Option<&PathBuf>> {
    let Some(path) = &a.trace_out else {
        return Ok(None);
    };
    #[cfg(feature = "browser")]
    let browser = a.net.engine == EngineArg::Chromium;
    #[cfg(not(feature = "browser"))]
    let browser = false;
    anyhow::ensure!(
        browser,
        "--trace-out: only the browser engine records a trace (add --engine chromium)"
    );
    let one_page = a.targets.len() == 1 && a.input_file.is_none() && a.crawl.is_none();
    anyhow::ensure!(
        one_page && a.runs == 1,
        "--trace-out writes one load's trace: give one page and one run"
    );
    std::fs::File::create(path).with_context(|| format!("--trace-out {}", path.display()))?;
    Ok(Some(path))
}

/// `--serve-also HOST=DIR`.
fn serve_also(s: &str) -> Result<(String, PathBuf), String> {
    let (h, d) = s.split_once('=').ok_or("expected HOST=DIR")?;
    if !std::path::Path::new(d).is_dir() {
        return Err(format!("{d} is not a folder"));
    }
    let host =
        pagecost::config::url_host(h.trim()).map_err(|_| format!("{h} is not a host name"))?;
    Ok((host, PathBuf::from(d)))
}

/// `compare`.
pub fn compare(a: CompareArgs) -> anyhow::Result<Command> {
    let gates = a.fail_if.iter().map(|g| {
        pagecost::verdict::gate::Gate::parse(g).map_err(|e| anyhow::anyhow!("--fail-if {e}"))
    });
    let (cfg, viewport) = config(&a.net)?;
    let plan = job::ComparePlan {
        gates: gates.collect::<anyhow::Result<_>>()?,
        block: a
            .block
            .iter()
            .map(|p| pagecost::config::block::BlockRule::parse(p))
            .collect::<Result<_, _>>()?,
        block_third_parties: a.block_third_parties,
        alpha: a.alpha,
        a: a.a,
        b: a.b,
        runs: match a.runs {
            RunCount::Fixed(n) => n as usize,
            RunCount::Auto => pagecost::verdict::gate::FIRST_LOOK,
        },
        max_runs: (a.runs == RunCount::Auto).then_some(a.max_runs as usize),
        undecided_fails: a.undecided == Undecided::Fail,
        warmup: !a.no_warmup,
        estimate: a.estimate,
        serve_also: a.serve_also,
        budgets: budgets(&a.budget)?,
        engine: engine(&a.net, &cfg, 1, None)?,
        cfg,
        viewport,
        #[cfg(feature = "history")]
        baseline: history::baseline(&a.baseline, a.baseline_runs, &a.save.db)?,
    };
    let format = format(a.format);
    let mut c = Command::new(Plan::Compare(Box::new(plan)), format, a.output, a.quiet);
    c.report_files = a.report_file;
    #[cfg(feature = "history")]
    {
        c.save = history::save_plan(&a.save)?;
    }
    Ok(c)
}

/// `calibrate`.
pub fn calibrate(a: CalibrateArgs) -> anyhow::Result<Command> {
    let (cfg, viewport) = config(&a.net)?;
    let plan = job::CalibratePlan {
        target: a.target,
        runs: a.runs as usize,
        warmup: !a.no_warmup,
        question: pagecost::verdict::calibration::Question {
            alpha: a.alpha,
            power: a.power,
            gate_runs: a.gate_runs as usize,
            detect: a.detect,
        },
        engine: engine(&a.net, &cfg, 1, None)?,
        serve_also: a.serve_also,
        cfg,
        viewport,
    };
    let format = format(a.format);
    #[cfg_attr(not(feature = "history"), allow(unused_mut))]
    let mut c = Command::new(Plan::Calibrate(Box::new(plan)), format, a.output, a.quiet);
    #[cfg(feature = "history")]
    {
        c.save = history::save_plan(&a.save)?;
    }
    Ok(c)
}

/// `links`.
pub fn links(a: LinksArgs) -> anyhow::Result<Command> {
    links_options(&a.net)?;
    let site = match (a.internal, a.external) {
        (true, _) => Some(Site::Internal),
        (_, true) => Some(Site::External),
        _ => None,
    };
    let patterns = Patterns {
        url: a.match_url.as_deref(),
        text: a.text.as_deref(),
        exclude: a.exclude.as_deref(),
        ignore_case: a.ignore_case,
    };
    let kinds = a.kind.iter().map(|k| {
        LinkKind::parse(k).with_context(|| {
            format!("--kind {k}: unknown kind (use a, area, link, form, resource)")
        })
    });
    let base = a
        .base
        .as_deref()
        .map(url::Url::parse)
        .transpose()
        .context("--base: not a valid URL")?;
    let check = a.check.then(|| job::links::CheckSettings {
        retries: a.retries.unwrap_or(pagecost::links::check::DEFAULT_RETRIES),
        backoff: a.backoff.unwrap_or(pagecost::links::check::DEFAULT_BACKOFF),
    });
    let plan = job::LinksPlan {
        target: a.target,
        base,
        all: a.all,
        kinds: kinds.collect::<anyhow::Result<_>>()?,
        filter: Filter::new(patterns, site, &a.scheme)?,
        keep_duplicates: a.keep_duplicates,
        check,
        cfg: config(&a.net)?.0,
    };
    let mut c = Command::new(
        Plan::Links(Box::new(plan)),
        format(a.format),
        a.output,
        a.quiet,
    );
    c.render.with_text = a.with_text;
    Ok(c)
}

/// `budget init`.
pub fn budget_init(a: BudgetInitArgs) -> anyhow::Result<Command> {
    let (cfg, viewport) = config(&a.net)?;
    let plan = job::BudgetInitPlan {
        target: a.target,
        margin: a.margin,
        engine: engine(&a.net, &cfg, 1, None)?,
        cfg,
        viewport,
    };
    Ok(Command::new(
        Plan::BudgetInit(Box::new(plan)),
        Format::Json,
        a.output,
        true,
    ))
}

/// `merge`.
pub fn merge(a: MergeArgs) -> Command {
    let format = match a.format {
        MergeFormat::Table => Format::Table,
        MergeFormat::Jsonl => Format::Jsonl,
        MergeFormat::Openmetrics => Format::Openmetrics,
    };
    Command::new(
        Plan::Merge(job::MergePlan { files: a.files }),
        format,
        None,
        true,
    )
}

/// A format flag's value as the library's format: they share their names.
fn format(f: impl clap::ValueEnum) -> Format {
    let value = f.to_possible_value().expect("no format is hidden");
    Format::parse(value.get_name()).expect("every format flag names a library format")
}
