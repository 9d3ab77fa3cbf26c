//! The only code that touches the network: the HTTP client, content decoding and the
//! loopback server for local folders.

pub(crate) mod client;
pub(crate) mod decode;
pub mod serve;
