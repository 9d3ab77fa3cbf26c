//! `--format json`: the [`Load`](crate::Load) model as it is (the JSON contract).

use crate::model::Load;

/// Pretty-printed JSON of a load, with a trailing newline.
pub fn render(load: &Load) -> String {
    let mut s = serde_json::to_string_pretty(load).expect("a Load always serializes");
    s.push('\n');
    s
}

/// Pretty-printed JSON of any value, with a trailing newline.
pub fn render_value<T: serde::Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("report values always serialize");
    s.push('\n');
    s
}
