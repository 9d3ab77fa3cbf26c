//! The verdicts on loads: the metrics a load is judged by, repeated runs and their
//! statistics, comparisons of two variants, budgets, and timings estimated on a network
//! profile.

pub mod budget;
pub mod calibration;
pub mod compare;
pub mod estimate;
pub mod gate;
pub mod metric;
pub mod runs;
pub mod sequential;
pub mod stats;
