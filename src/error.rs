//! The library's one error type. An `Err` means the audit itself could not run; a failed
//! subresource is data in the [`Load`](crate::Load), never an `Err`.

use std::path::PathBuf;

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
    /// A setting is invalid (a bad header, a bad `--resolve` entry ...).
    #[error("{setting}: {reason}")]
    InvalidSetting {
        /// The setting, as the user would name it.
        setting: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
