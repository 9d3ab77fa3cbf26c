//! JSON Schemas (draft 2020-12) of the JSON outputs, generated from the very types that
//! are serialized, so that a schema cannot drift from what pagecost writes. Committed under
//! `docs/schema/` (`pagecost generate schema NAME`); a test fails when they are stale.

use crate::job::batch::PageResult;
use crate::job::{BudgetFile, CompareReport};
use crate::model::Load;
use schemars::JsonSchema;

/// A JSON output that has a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// `audit --format json` of one page: the load, or an envelope with runs, an estimate
    /// or a budget verdict.
    Audit,
    /// One page of a batch: a line of `--format jsonl`, an element of `--format json`.
    BatchPage,
    /// `compare --format json`.
    Compare,
    /// `calibrate --format json`.
    Calibrate,
    /// `links --format json`.
    Links,
    /// A budget file, as `budget init` writes it and `--budget` reads it.
    Budget,
    /// `history --format json`: the stored runs, oldest first.
    #[cfg(feature = "history")]
    History,
}

impl Output {
    /// Every output, in the order the docs list them.
    pub const ALL: &'static [Output] = &[
        Output::Audit,
        Output::BatchPage,
        Output::Compare,
        Output::Calibrate,
        Output::Links,
        Output::Budget,
        #[cfg(feature = "history")]
        Output::History,
    ];

    /// The name on the command line and in the file name.
    pub fn name(self) -> &'static str {
        match self {
            Output::Audit => "audit",
            Output::BatchPage => "batch-page",
            Output::Compare => "compare",
            Output::Calibrate => "calibrate",
            Output::Links => "links",
            Output::Budget => "budget",
            #[cfg(feature = "history")]
            Output::History => "history",
        }
    }

    /// An output by its name.
    ///
    /// ```
    /// use pagecost::report::schema::{render, Output};
    /// let audit = Output::parse("audit").unwrap();
    /// let schema: serde_json::Value = serde_json::from_str(&render(audit)).unwrap();
    /// assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    /// assert!(Output::parse("yaml").is_none());
    /// ```
    pub fn parse(name: &str) -> Option<Output> {
        Output::ALL.iter().copied().find(|o| o.name() == name)
    }

    /// The committed file: `docs/schema/{name}.schema.json`.
    pub fn file_name(self) -> String {
        format!("{}.schema.json", self.name())
    }
}

/// What `audit --format json` writes: the load itself, or an envelope.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema is used
enum AuditJson<'a> {
    /// The load, when nothing else was asked for.
    Load(&'a Load),
    /// With runs, an estimate or a budget.
    Envelope(super::json::Envelope<'a>),
}

/// The schema of `output`, pretty-printed with a trailing newline.
pub fn render(output: Output) -> String {
    let schema = match output {
        Output::Audit => of::<AuditJson<'static>>(),
        Output::BatchPage => of::<PageResult>(),
        Output::Compare => of::<CompareReport>(),
        Output::Calibrate => of::<crate::job::CalibrateReport>(),
        Output::Links => of::<Vec<super::links::Row<'static>>>(),
        Output::Budget => of::<Vec<BudgetFile>>(),
        #[cfg(feature = "history")]
        Output::History => of::<Vec<crate::history::StoredRun>>(),
    };
    super::json::render_value(&schema)
}

/// The schema of what serializing a `T` writes (an optional field that is always written
/// is required), with every object closed: a key the schema does not know is an error, so
/// that a validator catches an output that drifted from its types.
fn of<T: JsonSchema>() -> schemars::Schema {
    let mut settings = schemars::generate::SchemaSettings::draft2020_12().for_serialize();
    settings
        .transforms
        .push(Box::new(schemars::transform::RecursiveTransform(closed)));
    settings.into_generator().into_root_schema_for::<T>()
}

fn closed(schema: &mut schemars::Schema) {
    if schema.get("properties").is_some() && schema.get("additionalProperties").is_none() {
        schema.insert("additionalProperties".into(), false.into());
    }
}
