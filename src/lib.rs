//! pagecost: what a web page costs to load.
//!
//! Point it at a page and get back a [`Load`]: every request the page makes, in order, with
//! its timings and bytes, totalled per resource type and per host. The static engine loads
//! pages as a browser would (stylesheets, scripts, the chosen `srcset` candidate, CSS
//! backgrounds of matching rules, used fonts, iframes ...) without running JavaScript.
//!
//! ```no_run
//! # async fn demo() -> Result<(), pagecost::Error> {
//! use pagecost::{audit, AuditConfig, NoEvents, Target, Viewport};
//! let target = Target::parse("https://example.org/")?;
//! let load = audit(&target, &AuditConfig::default(), &Viewport::default(), &NoEvents).await?;
//! println!("{} requests, {} bytes", load.totals.requests, load.totals.transfer_bytes);
//! # Ok(()) }
//! ```
//!
//! The library never prints and never exits: failures of subresources are data in the
//! `Load`; an [`Error`] means the audit itself could not run.

#![warn(missing_docs)]

#[cfg(feature = "browser")]
pub mod browser;
pub mod config;
pub mod error;
pub mod events;
pub mod extract;
pub mod har;
#[cfg(feature = "history")]
pub mod history;
pub mod job;
pub mod links;
mod load;
pub mod model;
pub mod net;
pub mod report;
pub mod source;
pub mod trace;
pub mod verdict;

pub use config::AuditConfig;
pub use error::{Error, Result};
pub use events::{Event, EventSink, NoEvents};
pub use extract::Viewport;
pub use model::{Entry, Load, ResourceType, Totals};
pub use source::target::{prepare, Target};
pub use source::{audit, Engine, Source};
pub use verdict::runs::Runs;
