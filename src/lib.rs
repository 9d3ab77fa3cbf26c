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

pub mod batch;
#[cfg(feature = "browser")]
pub mod browser;
pub mod budget;
pub mod compare;
pub mod config;
mod dates;
pub mod error;
pub mod estimate;
pub mod events;
pub mod extract;
pub mod har;
#[cfg(feature = "history")]
pub mod history;
pub mod job;
pub mod links;
mod load;
pub mod metric;
pub mod model;
pub mod net;
pub mod party;
pub mod report;
pub mod runs;
pub mod source;
pub mod stats;
pub mod target;
#[cfg(test)]
mod testing;
mod textfile;
pub mod trace;
pub mod units;

pub use config::AuditConfig;
pub use error::{Error, Result};
pub use events::{Event, EventSink, NoEvents};
pub use extract::Viewport;
pub use model::{Entry, Load, ResourceType, Totals};
pub use runs::Runs;
pub use source::{audit, Engine, Source};
pub use target::{prepare, Target};
