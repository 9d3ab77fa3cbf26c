//! The library's one error type. An `Err` means the audit itself could not run; a failed
//! subresource is data in the [`Load`](crate::Load), never an `Err`.
//!
//! Errors name the setting in the library's words (`block pattern`, `resolve override`);
//! a front end words them its own way (the CLI as flags: `--block`, `--resolve`).

use std::fmt;
use std::path::PathBuf;

/// A setting that can be invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Setting {
    /// An extra request header, `Name: value`.
    Header,
    /// The User-Agent.
    UserAgent,
    /// A host pinned to an address (`HOST:PORT:ADDR`).
    Resolve,
    /// Requests for one origin sent to another address (`HOST:PORT:ADDR:PORT2`).
    ConnectTo,
    /// A pattern of requests not to make.
    Block,
    /// `--block-third-parties`.
    BlockThirdParties,
    /// Most requests in flight.
    Concurrency,
    /// Most requests in flight per origin.
    PerOrigin,
    /// Per-request timeout.
    Timeout,
    /// Connection set-up timeout.
    ConnectTimeout,
    /// Most redirect hops followed.
    MaxRedirects,
    /// Deepest iframe nesting loaded.
    MaxFrameDepth,
    /// Most references taken from one document or stylesheet.
    MaxRefs,
    /// Device pixel ratio.
    Dpr,
    /// A network profile.
    Profile,
    /// `budget init`'s margin.
    Margin,
    /// Which page of a HAR.
    HarPage,
    /// A trace to read beside a HAR.
    HarTrace,
    /// The report format.
    Format,
    /// Crawling.
    Crawl,
    /// A folder served as another host.
    ServeAlso,
    /// Compare's second variant.
    VariantB,
    /// The stored runs a page is compared with.
    Baseline,
    /// A regression gate.
    Gate,
    /// The significance level.
    Alpha,
    /// The number of runs.
    Runs,
    /// The power a calibration is asked for.
    Power,
    /// The change a calibration is asked to detect.
    Detect,
    /// The pattern links' URLs must match.
    LinkUrl,
    /// The pattern links' texts must match.
    LinkText,
    /// The pattern of links' URLs to drop.
    LinkExclude,
    /// A command-line switch for the browser.
    BrowserFlag,
    /// The grid intensity of the carbon model.
    GridIntensity,
    /// The country whose mobile data price a view is counted at.
    PriceCountry,
    /// A mobile data price, US dollars a gigabyte.
    PricePerGb,
}

impl Setting {
    /// The command-line flag that sets it (`--block`), for messages in a user's words.
    pub fn flag(self) -> &'static str {
        match self {
            Setting::Header => "--header",
            Setting::UserAgent => "--user-agent",
            Setting::Resolve => "--resolve",
            Setting::ConnectTo => "--connect-to",
            Setting::Block => "--block",
            Setting::BlockThirdParties => "--block-third-parties",
            Setting::Concurrency => "--concurrency",
            Setting::PerOrigin => "--per-origin",
            Setting::Timeout => "--timeout",
            Setting::ConnectTimeout => "--connect-timeout",
            Setting::MaxRedirects => "--max-redirects",
            Setting::MaxFrameDepth => "--max-frame-depth",
            Setting::MaxRefs => "--max-refs",
            Setting::GridIntensity => "--grid-intensity",
            Setting::PriceCountry => "--price-country",
            Setting::PricePerGb => "--price-per-gb",
            Setting::Dpr => "--dpr",
            Setting::Profile => "--throttle",
            Setting::Margin => "--margin",
            Setting::HarPage => "--page",
            Setting::HarTrace => "--trace",
            Setting::Format => "--format",
            Setting::Crawl => "--crawl",
            Setting::ServeAlso => "--serve-also",
            Setting::Gate => "--fail-if",
            Setting::Baseline => "--baseline",
            Setting::Alpha => "--alpha",
            Setting::Runs => "--runs",
            Setting::Power => "--power",
            Setting::Detect => "--detect",
            Setting::LinkUrl => "--match",
            Setting::LinkText => "--text",
            Setting::LinkExclude => "--exclude",
            Setting::BrowserFlag => "--browser-flag",
            _ => "setting",
        }
    }

    /// The setting in words.
    pub fn name(self) -> &'static str {
        match self {
            Setting::Header => "request header",
            Setting::UserAgent => "user agent",
            Setting::Resolve => "resolve override",
            Setting::ConnectTo => "connect-to override",
            Setting::Block => "block pattern",
            Setting::BlockThirdParties => "third-party blocking",
            Setting::Concurrency => "concurrency",
            Setting::PerOrigin => "per-origin concurrency",
            Setting::Timeout => "timeout",
            Setting::ConnectTimeout => "connect timeout",
            Setting::MaxRedirects => "redirect limit",
            Setting::MaxFrameDepth => "frame depth limit",
            Setting::MaxRefs => "reference limit",
            Setting::GridIntensity => "grid intensity",
            Setting::PriceCountry => "country of the mobile data price",
            Setting::PricePerGb => "mobile data price",
            Setting::Dpr => "device pixel ratio",
            Setting::Profile => "network profile",
            Setting::Margin => "budget margin",
            Setting::HarPage => "HAR page",
            Setting::HarTrace => "trace beside a HAR",
            Setting::Format => "report format",
            Setting::Crawl => "crawl",
            Setting::ServeAlso => "served folder",
            Setting::VariantB => "variant B",
            Setting::Baseline => "baseline",
            Setting::Gate => "regression gate",
            Setting::Alpha => "significance level",
            Setting::Runs => "number of runs",
            Setting::Power => "power",
            Setting::Detect => "change to detect",
            Setting::BrowserFlag => "browser switch",
            Setting::LinkUrl => "URL pattern",
            Setting::LinkText => "text pattern",
            Setting::LinkExclude => "exclude pattern",
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an audit (or another library operation) could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The target is neither a URL nor an existing file or folder.
    #[error("{target}: {reason}")]
    InvalidTarget {
        /// The target as the user gave it.
        target: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A URL with a scheme the tool cannot load.
    #[error("{target}: unsupported scheme '{scheme}' (use http, https, a file or a folder)")]
    UnsupportedScheme {
        /// The target as the user gave it.
        target: String,
        /// Its scheme.
        scheme: String,
    },
    /// A local file or folder could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The page's main document could not be loaded (DNS, connection, TLS, timeout ...).
    #[error("{url}: {kind}: {message}")]
    MainDocument {
        /// The document URL.
        url: String,
        /// The class of failure.
        kind: crate::model::ErrorKind,
        /// The cause, in words.
        message: String,
    },
    /// A setting is invalid (a bad header, a bad resolve override ...).
    #[error("{setting}{}{value}: {reason}", if value.is_empty() { "" } else { " " })]
    InvalidSetting {
        /// Which setting.
        setting: Setting,
        /// Its value as given (may be empty).
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An input file (a budget, a HAR, a list) is not what it should be; `input` names the
    /// file and where in it.
    #[error("{input}: {reason}")]
    InvalidInput {
        /// The file, with a line or JSON path where known.
        input: String,
        /// What is wrong.
        reason: String,
    },
    /// Every run of a target failed or was cut short: no figure to summarise.
    #[error(
        "{target}: no run loaded the page to its end ({why}); nothing to summarise (a longer \
         audit time limit may help)"
    )]
    NoCompleteRun {
        /// The target.
        target: String,
        /// Each run left out, with why.
        why: String,
    },
    /// Interrupted (Ctrl-C) before anything could be reported.
    #[error("interrupted ({0})")]
    Interrupted(#[source] Box<Error>),
    /// The history database could not be opened, read or written.
    #[error("history database {db}: {message}")]
    History {
        /// The database: a path, or a URL with its password masked.
        db: String,
        /// What went wrong.
        message: String,
    },
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
    /// The browser could not be started, reached or driven.
    #[error("browser: {0}")]
    Browser(String),
}

impl Error {
    /// An invalid setting.
    pub fn setting(setting: Setting, value: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::InvalidSetting {
            setting,
            value: value.into(),
            reason: reason.into(),
        }
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
