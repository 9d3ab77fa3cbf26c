//! The only code that touches the network: connections (DNS, TCP, TLS, throttling), the
//! per-origin pool, one measured request, content decoding, and the loopback folder server.

pub(crate) mod client;
pub(crate) mod conn;
pub(crate) mod decode;
pub(crate) mod pool;
pub mod serve;
pub mod throttle;
