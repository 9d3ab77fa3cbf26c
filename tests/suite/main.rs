//! The command-line tool end to end, by theme: one test binary (one link step) for every
//! command on the static engine, HAR imports, budgets, comparisons, history, reports, faults,
//! stops, secrets and the generated files; each module keeps its own theme's tests.

#[path = "../support/mod.rs"]
mod support;

mod action;
mod audit;
mod batch;
mod budget;
mod calibrate;
mod carbon;
mod compare;
mod data_cost;
mod differential;
mod examples;
mod faults;
mod generate;
mod golden;
mod har;
mod history;
mod links;
mod openmetrics;
mod properties;
mod report;
mod savings;
mod scale;
mod secrets;
mod stats;
mod stop;
