pub mod config;
pub mod error;
pub mod extract;
pub mod model;
