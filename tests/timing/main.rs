//! Timings checked against servers that inject known delays and bandwidth limits: a binary
//! of their own, so that no other suite's work runs beside them and skews what they measure.

#[path = "../support/mod.rs"]
mod support;

mod throttle;
mod timing;
