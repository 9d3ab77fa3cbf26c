//! Command-line arguments: the only place clap lives. Converted once into library settings.

use clap::{Args, Parser, Subcommand, ValueEnum};
use pagecost::config::units;
use pagecost::model::Profile;
use pagecost::report::Format;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "pagecost",
    version,
    about = "What a web page costs to load: every request, its time and bytes."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Load a page (URL, local HTML file or folder) and report every request it makes.
    Audit(AuditArgs),
    /// List a page's links, filtered by URL, text, site or scheme; optionally check them.
    Links(LinksArgs),
    /// Compare two variants of a page (A B), or a page with and without --block patterns.
    Compare(CompareArgs),
    /// Load one page N times the same way: each metric's run-to-run spread (CV, MAD), the
    /// smallest change a gate catches and the runs it needs.
    #[command(
        after_help = "Examples:\n  pagecost calibrate https://example.org/ --runs 30 --detect 5%\n  pagecost calibrate fixtures/demo --engine chromium --save\n  pagecost compare fixtures/demo --baseline pagecost=calibration --runs 3 --fail-if 'fcp>+10%'"
    )]
    Calibrate(CalibrateArgs),
    /// Serve a folder read-only on loopback (the server audits of local folders use), until
    /// Ctrl-C: for trying a build by hand, or benchmarks against other clients.
    Serve(ServeArgs),
    /// Join JSON-lines outputs of sharded batch audits into one summary (or one JSON-lines file).
    Merge(MergeArgs),
    /// Performance budgets: `budget init TARGET` writes a starting budget.json from a load.
    #[command(subcommand)]
    Budget(BudgetCommand),
    /// Stored runs over time (saved with --save): trend lines per metric, the latest runs;
    /// `--prune AGE` deletes old runs; `history import` saves earlier outputs.
    #[cfg(feature = "history")]
    #[command(
        after_help = "Examples:\n  pagecost audit https://example.org/ --save --label branch=main\n  pagecost history https://example.org/ --since 30d\n  pagecost history --label branch=main --format csv -o runs.csv\n  pagecost history --prune 90d\n  pagecost history import results.jsonl load.har --db postgres://ci@db/pagecost"
    )]
    History(HistoryArgs),
    /// Shell completions, a man page or the JSON Schema of an output, on stdout.
    #[command(
        after_help = "Examples:\n  pagecost generate complete-bash > /etc/bash_completion.d/pagecost\n  pagecost generate man > pagecost.1 && man -l pagecost.1\n  pagecost generate man audit > pagecost-audit.1\n  pagecost generate schema audit > audit.schema.json"
    )]
    Generate(GenerateArgs),
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// What to generate.
    #[arg(value_enum)]
    pub kind: GenerateKind,

    /// `man`: a subcommand's page (`audit`, `budget init` as `budget-init` ...; none: the
    /// main page). `schema`: the output (audit, batch-page, compare, calibrate, links, budget, history).
    pub name: Option<String>,
}

/// What `generate` writes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum GenerateKind {
    /// Bash completions.
    CompleteBash,
    /// Zsh completions.
    CompleteZsh,
    /// Fish completions.
    CompleteFish,
    /// PowerShell completions.
    CompletePowershell,
    /// Elvish completions.
    CompleteElvish,
    /// A man page (roff).
    Man,
    /// The JSON Schema of a JSON output.
    Schema,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// JSON-lines files written by `audit --format jsonl`.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,

    /// Output: a summary table, or the pages as one JSON-lines stream.
    #[arg(long, value_enum, default_value_t = MergeFormat::Table)]
    pub format: MergeFormat,
}

/// Output formats of `merge`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum MergeFormat {
    /// A summary table of every page.
    Table,
    /// One JSON line per page.
    Jsonl,
    /// OpenMetrics text of every page, for Prometheus.
    Openmetrics,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The folder.
    pub dir: PathBuf,

    /// Port on 127.0.0.1 (0: one the system picks).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

#[derive(Subcommand, Debug)]
pub enum BudgetCommand {
    /// Load a page and write a budget.json with its current figures plus a margin.
    Init(BudgetInitArgs),
}

#[derive(Args, Debug)]
pub struct BudgetInitArgs {
    /// The page: URL, local .html file or folder.
    pub target: String,

    /// Headroom over the current figures, in percent.
    #[arg(long, value_name = "PERCENT", default_value_t = 10.0)]
    pub margin: f64,

    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub net: NetArgs,
}

/// Output formats of `compare`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// Tables and bar charts.
    Table,
    /// The comparison and every run as JSON.
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
    /// One self-contained HTML report: verdicts, difference charts, both waterfalls.
    Html,
    /// OpenMetrics text for Prometheus: both variants' medians and each metric's verdict.
    Openmetrics,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Variant A: URL, local file or folder, or HAR.
    pub a: String,

    /// Variant B; without it, B is A with the --block patterns applied.
    pub b: Option<String>,

    /// Loads per variant, interleaved A B B A (default 5; a HAR is its one recorded load),
    /// or `auto`: rounds are added until every --fail-if gate is decided, tripped or shown
    /// within, up to --max-runs (sequential tests whose false-alarm rate holds over the
    /// repeated looks: docs/compare.md#sequential-gates).
    #[arg(long, value_name = "N|auto", default_value = "5", value_parser = run_count)]
    pub runs: RunCount,

    /// With --runs auto: the most runs per variant.
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(5..=1000))]
    pub max_runs: u32,

    /// With --runs auto: what a gate still undecided after --max-runs does to the exit
    /// status.
    #[arg(long, value_enum, default_value_t = Undecided::Pass)]
    pub undecided: Undecided,

    /// No uncounted warm-up load of each variant first.
    #[arg(long)]
    pub no_warmup: bool,

    /// In B, do not request what matches: a host (and its subdomains), a URL glob (*://*/ads/*),
    /// re:REGEX, entity:"NAME" or category:NAME (third-party-web dataset). Repeatable.
    #[arg(long, value_name = "PATTERN")]
    pub block: Vec<String>,

    /// In B, do not request anything third party.
    #[arg(long)]
    pub block_third_parties: bool,

    /// Exit 1 when B is significantly worse than A by more than a threshold, e.g.
    /// 'bytes>+10%', 'fully_loaded>+200ms', 'requests>+5', and main-thread or blocking time
    /// of a party, entity or tag: 'main_thread[third-party]>+50ms',
    /// 'blocking[entity:Google/Doubleclick Ads]>+0ms', 'main_thread[tag:*.doubleclick.net]>+10%'
    /// (repeatable).
    #[arg(long, value_name = "GATE")]
    pub fail_if: Vec<String>,

    /// Significance level: a difference is significant when its p-value is below it. A
    /// timing gate that cannot reach it with --runs is refused before anything loads.
    #[arg(long, value_name = "P", default_value_t = pagecost::verdict::compare::ALPHA)]
    pub alpha: f64,

    /// Also compare the loads estimated on a network profile (see audit --estimate).
    #[arg(long, value_name = "NAME", value_parser = Profile::parse)]
    pub estimate: Option<Profile>,

    /// Serve a folder as another host for both variants: HOST=DIR (requests to http://HOST/
    /// go to it), e.g. an ad network's files on its own host name. Repeatable.
    #[arg(long, value_name = "HOST=DIR", value_parser = super::serve_also)]
    pub serve_also: Vec<(String, PathBuf)>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,

    /// Budgets judged on variant B's runs (exit 1 when over).
    #[command(flatten)]
    pub budget: BudgetArgs,

    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also write the report in FORMAT to FILE (repeats): `--report-file json=cmp.json`.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = report_file)]
    pub report_file: Vec<(Format, PathBuf)>,

    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,

    /// Saved runs carry `variant=a` or `variant=b` besides the --label labels.
    #[cfg(feature = "history")]
    #[command(flatten)]
    pub save: SaveArgs,

    /// A is the page's stored runs carrying this label (repeatable: all must hold), B a
    /// fresh audit of it, e.g. `compare URL --baseline branch=main --fail-if 'bytes>+5%'`.
    #[cfg(feature = "history")]
    #[arg(long, value_name = "KEY=VALUE", conflicts_with = "b")]
    pub baseline: Vec<String>,

    /// With --baseline: the latest N stored runs.
    #[cfg(feature = "history")]
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub baseline_runs: u32,

    #[command(flatten)]
    pub net: NetArgs,
}

/// Output formats of `calibrate`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum CalibrateFormat {
    /// A table per metric.
    Table,
    /// The calibration and every run as JSON.
    Json,
    /// Markdown.
    Markdown,
}

#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// The page: URL, local file or folder.
    pub target: String,

    /// Loads of the page (at least 5; 20 or more give a spread worth trusting).
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub runs: u32,

    /// No uncounted warm-up load first.
    #[arg(long)]
    pub no_warmup: bool,

    /// The change whose runs needed are worked out: a percentage increase, e.g. 5%.
    #[arg(long, value_name = "N%", default_value = "5%", value_parser = percent)]
    pub detect: f64,

    /// The runs per variant the smallest detectable change is worked out for.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub gate_runs: u32,

    /// Significance level of the gate.
    #[arg(long, value_name = "P", default_value_t = pagecost::verdict::compare::ALPHA)]
    pub alpha: f64,

    /// The chance of catching the change (0 to 1).
    #[arg(long, value_name = "P", default_value_t = 0.8)]
    pub power: f64,

    /// Serve a folder as another host: HOST=DIR (repeatable).
    #[arg(long, value_name = "HOST=DIR", value_parser = super::serve_also)]
    pub serve_also: Vec<(String, PathBuf)>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CalibrateFormat::Table)]
    pub format: CalibrateFormat,

    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,

    /// Saved runs carry `pagecost=calibration` besides the --label labels: a baseline for
    /// `compare PAGE --baseline pagecost=calibration`.
    #[cfg(feature = "history")]
    #[command(flatten)]
    pub save: SaveArgs,

    #[command(flatten)]
    pub net: NetArgs,
}

/// `5%` (or `5`) as the fraction 0.05.
fn percent(s: &str) -> Result<f64, String> {
    let n = s.trim().trim_end_matches('%').trim();
    match n.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v / 100.0),
        _ => Err(format!("'{s}' is not a percentage, e.g. 5%")),
    }
}

/// `--runs`: a number of runs per variant, or `auto`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RunCount {
    /// This many.
    Fixed(u32),
    /// Until the gates are decided.
    Auto,
}

/// `--runs N` (1 to 1,000) or `--runs auto`.
fn run_count(s: &str) -> Result<RunCount, String> {
    if s == "auto" {
        return Ok(RunCount::Auto);
    }
    match s.parse::<u32>() {
        Ok(n) if (1..=1000).contains(&n) => Ok(RunCount::Fixed(n)),
        _ => Err(format!(
            "'{s}' is not 'auto' or a number of runs from 1 to 1000"
        )),
    }
}

/// What a gate undecided when `--runs auto` runs out does.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Undecided {
    /// Exit 0 (said on stderr).
    Pass,
    /// Exit 1, as a tripped gate.
    Fail,
}

/// Output formats of `links`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LinksFormat {
    /// One URL per line.
    Lines,
    /// An array of link records.
    Json,
    /// CSV with a header row.
    Csv,
    /// A Markdown list.
    Markdown,
}

#[derive(Args, Debug)]
pub struct LinksArgs {
    /// The page: a URL, a local .html file, a folder with an index.html, or - for HTML on stdin.
    pub target: String,

    /// Base URL for relative links (needed with - ; for local files the default is file://).
    #[arg(long, value_name = "URL")]
    pub base: Option<String>,

    /// Also the links of the page's iframes.
    #[arg(long)]
    pub all: bool,

    /// Which elements count: a, area, link, form, resource (comma-separated or repeated).
    #[arg(long, value_name = "KIND", value_delimiter = ',', default_values_t = vec!["a".to_string(), "area".to_string()])]
    pub kind: Vec<String>,

    /// Keep links whose URL matches this regular expression.
    #[arg(long = "match", value_name = "RE")]
    pub match_url: Option<String>,

    /// Keep links whose text (or image alt, or title, when there is no text) matches.
    #[arg(long, value_name = "RE")]
    pub text: Option<String>,

    /// Drop links whose URL matches.
    #[arg(long, value_name = "RE")]
    pub exclude: Option<String>,

    /// Case-insensitive regular expressions.
    #[arg(short, long)]
    pub ignore_case: bool,

    /// Only links to the page's own site (same registrable domain).
    #[arg(long, conflicts_with = "external")]
    pub internal: bool,

    /// Only links to other sites.
    #[arg(long)]
    pub external: bool,

    /// Only links with these schemes (comma-separated or repeated), e.g. https,mailto.
    #[arg(long, value_name = "SCHEME", value_delimiter = ',')]
    pub scheme: Vec<String>,

    /// Keep repeated URLs.
    #[arg(long)]
    pub keep_duplicates: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = LinksFormat::Lines)]
    pub format: LinksFormat,

    /// With --format lines: the link text after a tab.
    #[arg(long)]
    pub with_text: bool,

    /// Request each link (HEAD, then GET if refused) and report status; exit 1 if one is broken.
    #[arg(long)]
    pub check: bool,

    /// With --check: retries for connection errors and 429/500/502/503/504 [default: 2].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,

    /// With --check: base delay; the n-th retry waits BACKOFF x 2^(n-1), or Retry-After [default: 1s].
    #[arg(long, value_name = "DURATION", value_parser = units::parse_duration)]
    pub backoff: Option<Duration>,

    /// Write the output to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// No summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub net: NetArgs,
}

/// Report formats of `audit`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// Summary, totals per type and host, problems and an ASCII waterfall.
    Table,
    /// The full load model as JSON.
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
    /// JUnit XML of the budget lines (needs --budget or a --max-* limit).
    Junit,
    /// HAR 1.2, for browsers' network panels and HAR viewers (sensitive headers redacted).
    Har,
    /// One JSON line per page (many pages).
    Jsonl,
    /// One self-contained HTML report with an SVG waterfall.
    Html,
    /// OpenMetrics text for Prometheus (a Pushgateway, the textfile collector); many pages
    /// too.
    Openmetrics,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// The page: an http(s) URL, a local .html file, a folder with an index.html, or a HAR.
    /// Several targets (or --input-file) audit many pages: one result per page.
    #[arg(required_unless_present = "input_file")]
    pub targets: Vec<String>,

    /// Read more targets from FILE, one per line (# comments); - for stdin.
    #[arg(long, value_name = "FILE")]
    pub input_file: Option<PathBuf>,

    /// With many pages: how many to audit at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub jobs: usize,

    /// Audit the site's pages found by following same-site links from the target, DEPTH
    /// links deep (robots.txt honoured unless --ignore-robots).
    #[arg(long, value_name = "DEPTH")]
    pub crawl: Option<usize>,

    /// With --crawl: most pages.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_pages: usize,

    /// With --crawl: do not read robots.txt.
    #[arg(long)]
    pub ignore_robots: bool,

    /// With many pages: take the K-th of N deterministic slices of the list (1-based), for a
    /// CI matrix or an indexed job; join the outputs with `pagecost merge`.
    #[arg(long, value_name = "K/N", value_parser = units::parse_shard)]
    pub shard: Option<(usize, usize)>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,

    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also write the report in FORMAT to FILE (repeats): one load, several reports, e.g.
    /// `--format markdown --report-file json=page.json --report-file html=page.html`.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = report_file)]
    pub report_file: Vec<(Format, PathBuf)>,

    /// No progress bar and no hints on stderr (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,

    /// Load the page N times (fresh connections, no cache) and report statistics; the
    /// waterfall shown is the median run's.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub runs: u32,

    /// With --runs: no uncounted warm-up load first.
    #[arg(long)]
    pub no_warmup: bool,

    /// Also estimate the load on a network profile from the recorded one, without loading
    /// again (NAME as for --throttle).
    #[arg(long, value_name = "NAME", value_parser = Profile::parse)]
    pub estimate: Option<Profile>,

    /// Show one row per connection (origin, protocol, when opened, dns/connect/ssl, requests).
    #[arg(long)]
    pub connections: bool,

    /// Keep the values of secret headers (Cookie, Set-Cookie, Authorization, API-key and
    /// token headers, -H headers) in every output and --save; they are redacted by default.
    #[arg(long)]
    pub include_sensitive: bool,

    /// For a HAR target holding several pages: which one (1-based).
    #[arg(long, value_name = "N")]
    pub page: Option<usize>,

    /// For a HAR target: the same load's trace (a DevTools Performance or Lighthouse trace
    /// JSON, gzipped or not), so main-thread time is attributed as for a live load.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// With --engine chromium, one page and one run: write the load's trace to FILE (gzipped
    /// when it ends in .gz), for Chrome DevTools' Performance panel or Perfetto.
    #[arg(long, value_name = "FILE")]
    pub trace_out: Option<PathBuf>,

    /// Serve a folder as another host while the page loads: HOST=DIR (requests to
    /// http://HOST/ go to it), e.g. an ad network's files on its own host name. Repeatable.
    #[arg(long, value_name = "HOST=DIR", value_parser = super::serve_also)]
    pub serve_also: Vec<(String, PathBuf)>,

    #[command(flatten)]
    pub budget: BudgetArgs,

    #[cfg(feature = "history")]
    #[command(flatten)]
    pub save: SaveArgs,

    #[command(flatten)]
    pub net: NetArgs,
}

/// The history database.
#[cfg(feature = "history")]
#[derive(Args, Debug)]
pub struct DbArg {
    /// The history database: a SQLite file or a postgres://USER:PASSWORD@HOST:PORT/NAME URL
    /// [default: $XDG_DATA_HOME/pagecost/history.sqlite].
    #[arg(long, value_name = "DB", env = "PAGECOST_DB", hide_env_values = true)]
    pub db: Option<String>,
}

/// Saving loads in the history database.
#[cfg(feature = "history")]
#[derive(Args, Debug)]
pub struct SaveArgs {
    /// Save every load in the history database (see `pagecost history`); the report is
    /// written first, a database that fails exits 2.
    #[arg(long)]
    pub save: bool,

    #[command(flatten)]
    pub db: DbArg,

    /// With --save: a label for the saved runs, KEY=VALUE (repeatable), e.g.
    /// --label branch=main --label commit=$SHA.
    #[arg(long, value_name = "KEY=VALUE", requires = "save")]
    pub label: Vec<String>,
}

/// `history`: stored runs over time.
#[cfg(feature = "history")]
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,

    /// The page as it was audited (a URL, a local file or folder); none: every page.
    pub page: Option<String>,

    #[command(flatten)]
    pub db: DbArg,

    /// Only runs carrying this label, KEY=VALUE (repeatable: every one must hold).
    #[arg(long, value_name = "KEY=VALUE")]
    pub label: Vec<String>,

    /// Only runs since WHEN: an age (7d, 12h, 2w) or a UTC date (2026-11-01).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,

    /// Only the latest N runs.
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,

    /// Delete the runs that started more than AGE ago (e.g. 90d), instead of showing runs.
    #[arg(long, value_name = "AGE", value_parser = units::parse_duration,
          conflicts_with_all = ["page", "label", "since", "last"])]
    pub prune: Option<Duration>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Table)]
    pub format: HistoryFormat,

    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `history` subcommands.
#[cfg(feature = "history")]
#[derive(Subcommand, Debug)]
pub enum HistoryCommand {
    /// Save earlier outputs in the history: audit or compare JSON, batch JSON lines (audit
    /// --format jsonl, merge) and HAR files. Every file is read before anything is saved.
    Import(HistoryImportArgs),
}

/// `history import`.
#[cfg(feature = "history")]
#[derive(Args, Debug)]
pub struct HistoryImportArgs {
    /// The files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub db: DbArg,

    /// A label for the imported runs, KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub label: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Table)]
    pub format: HistoryFormat,
}

/// Report formats of `history`.
#[cfg(feature = "history")]
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// Per page: a trend line per metric and the latest runs.
    Table,
    /// Every run as JSON (an array, oldest first).
    Json,
    /// Every run as CSV, one row per run.
    Csv,
    /// One self-contained page: SVG charts of bytes, requests and timings per type and
    /// party over time (labels on hover), and the latest runs.
    Html,
}

/// Budgets: a file, or quick limits.
#[derive(Args, Debug)]
pub struct BudgetArgs {
    /// Judge the load against a budget file (Lighthouse CI's budget.json, with pagecost's
    /// extensions); exit 1 when over.
    #[arg(long, value_name = "FILE")]
    pub budget: Option<PathBuf>,

    /// Budget: most bytes transferred, e.g. 500KB.
    #[arg(long, value_name = "SIZE", value_parser = units::parse_size)]
    pub max_bytes: Option<u64>,

    /// Budget: most requests.
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,

    /// Budget: longest fully-loaded time, e.g. 3s.
    #[arg(long, value_name = "DURATION", value_parser = units::parse_duration)]
    pub max_time: Option<Duration>,

    /// Budget: no broken (4xx, 5xx, failed) or empty subresource.
    #[arg(long)]
    pub no_broken: bool,
}

/// How pages are loaded.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// No browser: fast, no JavaScript (what the HTML and CSS request).
    Static,
    /// Headless Chromium: what scripts request too.
    #[cfg(feature = "browser")]
    Chromium,
}

/// The browser engine's flags.
#[cfg(feature = "browser")]
#[derive(Args, Debug)]
pub struct BrowserArgs {
    /// With --engine chromium: the browser to run [default: $CHROME, else chromium,
    /// chromium-browser or google-chrome on PATH].
    #[arg(long, value_name = "PATH")]
    pub browser: Option<PathBuf>,
    /// With --engine chromium: the page is done this long after its load event once no
    /// request starts or ends [default: 1s].
    #[arg(long, value_name = "DURATION", value_parser = units::parse_duration)]
    pub quiet_period: Option<Duration>,
    /// With --engine chromium: the longest watch after the load event of a page that is
    /// never quiet (polling) [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = units::parse_duration)]
    pub after_load: Option<Duration>,
    /// With --engine chromium: a command-line switch for the browser, as Lighthouse's
    /// --chrome-flags (repeatable: --browser-flag=--disable-features=AsyncDns); feature
    /// lists are merged with pagecost's own, the user's word winning.
    #[arg(long, value_name = "SWITCH", allow_hyphen_values = true)]
    pub browser_flag: Vec<String>,
    /// With --engine chromium: record no trace (main-thread and blocking time, and the
    /// senders of requests made with no stack, are then unknown); a batch's pages then share
    /// one browser instead of one browser per page in flight.
    #[arg(long)]
    pub no_trace: bool,
}

#[derive(Args, Debug)]
pub struct NetArgs {
    /// The engine that loads pages: static (no browser) or chromium (headless Chromium).
    #[arg(long, value_enum, default_value_t = EngineArg::Static)]
    pub engine: EngineArg,

    #[cfg(feature = "browser")]
    #[command(flatten)]
    pub browser: BrowserArgs,

    /// Per-request timeout, e.g. 30s, 500ms [default: 30s].
    #[arg(long, value_name = "DURATION", value_parser = units::parse_duration)]
    pub timeout: Option<Duration>,

    /// Connection set-up timeout [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = units::parse_duration)]
    pub connect_timeout: Option<Duration>,

    /// Time limit for the whole audit; unfinished requests are reported as aborted [default: 5m].
    #[arg(long, value_name = "DURATION", value_parser = units::parse_duration)]
    pub audit_timeout: Option<Duration>,

    /// Most requests in flight at once [default: 64].
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,

    /// Most requests in flight at once per origin, like a browser over HTTP/1.1 [default: 6].
    #[arg(long, value_name = "N")]
    pub per_origin: Option<usize>,

    /// User-Agent header [default: a desktop Chrome with "pagecost/VERSION" appended].
    #[arg(long, value_name = "STRING")]
    pub user_agent: Option<String>,

    /// Extra request header, "Name: value" (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,

    /// Accept invalid TLS certificates (self-signed staging servers).
    #[arg(short = 'k', long)]
    pub insecure: bool,

    /// Connect to ADDR for HOST, as curl's --resolve HOST:PORT:ADDR (repeatable).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,

    /// Most redirect hops followed [default: 20].
    #[arg(long, value_name = "N")]
    pub max_redirects: Option<u32>,

    /// Deepest iframe nesting loaded [default: 3].
    #[arg(long, value_name = "N")]
    pub max_frame_depth: Option<u32>,

    /// Largest response body read, e.g. 200MB [default: 200MiB].
    #[arg(long, value_name = "SIZE", value_parser = units::parse_size)]
    pub max_body: Option<u64>,

    /// Largest body after decoding (a gzip bomb stops here) [default: 100MiB].
    #[arg(long, value_name = "SIZE", value_parser = units::parse_size)]
    pub max_decoded: Option<u64>,

    /// Most references taken from one document or stylesheet [default: 10000].
    #[arg(long, value_name = "N")]
    pub max_refs: Option<usize>,

    /// Viewport the page is laid out for, WIDTHxHEIGHT [default: 1350x940].
    #[arg(long, value_name = "WxH", value_parser = units::parse_viewport)]
    pub viewport: Option<(f64, f64)>,

    /// Device pixel ratio [default: 1].
    #[arg(long, value_name = "N")]
    pub dpr: Option<f64>,

    /// Mobile preset: 412x823 viewport at DPR 1.75, touch, no hover (Lighthouse's mobile).
    #[arg(long)]
    pub mobile: bool,

    /// Send requests for HOST:PORT to ADDR:PORT2, as curl's --connect-to (repeatable).
    #[arg(long, value_name = "HOST:PORT:ADDR:PORT2")]
    pub connect_to: Vec<String>,

    /// Hosts that count as first party besides the page's site, e.g. *.cdn.example (repeatable).
    #[arg(long, value_name = "HOST")]
    pub first_party: Vec<String>,

    /// The grid intensity of the operational energy, grams of CO2e per kWh, for the page's
    /// carbon [default: 494, the global average the Sustainable Web Design model v4 takes].
    #[arg(long, value_name = "G_PER_KWH", allow_negative_numbers = true)]
    pub grid_intensity: Option<f64>,

    /// Hosts whose data centres run on green energy, e.g. *.example.org (repeatable): their
    /// bytes' data-centre operational energy counts no carbon.
    #[arg(long, value_name = "HOST")]
    pub green_host: Vec<String>,

    /// Say what a view costs a visitor on mobile data in this country (ISO code: US, GB, IN
    /// ...), at its average price of a gigabyte in Cable.co.uk's study (its 2023 or 2022
    /// edition; an unknown code lists the countries bundled).
    #[arg(long, value_name = "CC", conflicts_with = "price_per_gb")]
    pub price_country: Option<String>,

    /// Say what a view costs a visitor on mobile data at this price, US dollars a gigabyte.
    #[arg(long, value_name = "USD", allow_negative_numbers = true)]
    pub price_per_gb: Option<f64>,

    /// Say what the page could weigh: the bytes each text resource sent uncompressed would
    /// save with gzip and brotli, and the static assets a visit a week later fetches again
    /// (short cache lifetimes). Compressing costs CPU off the load's path (docs/savings.md).
    #[arg(long)]
    pub savings: bool,

    /// With --savings: the JPEG qualities each JPEG image is re-encoded at, 1 to 100, a
    /// comma-separated list (`85,90,95,100` gives the quality, size, saving and SSIM of
    /// each, as a table).
    #[arg(long, value_name = "Q,...", value_delimiter = ',', default_value = "85",
          value_parser = clap::value_parser!(u8).range(1..=100))]
    pub quality: Vec<u8>,

    /// Apply a network profile while loading: lighthouse-mobile, slow-4g, fast-4g, 3g, lte,
    /// cable, or custom:RTT_MS,DOWN_KBPS,UP_KBPS.
    #[arg(long, value_name = "NAME", value_parser = Profile::parse)]
    pub throttle: Option<Profile>,
}

/// `--report-file FORMAT=FILE`.
fn report_file(s: &str) -> Result<(Format, PathBuf), String> {
    let (f, path) = s.split_once('=').ok_or("expected FORMAT=FILE")?;
    let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    let format = Format::parse(f)
        .ok_or_else(|| format!("{f} is not a format (one of: {})", names.join(", ")))?;
    if path.is_empty() {
        return Err("no FILE after =".into());
    }
    Ok((format, PathBuf::from(path)))
}
