//! The `budget init` job: a starting budget.json from one load, today's figures plus a
//! margin.

use crate::config::AuditConfig;
use crate::error::{Error, Result, Setting};
use crate::events::NoEvents;
use crate::extract::Viewport;
use crate::model::{Bucket, Load, ResourceType};
use crate::source::target::Target;
use crate::source::{Engine, Source};
use crate::verdict::budget::BudgetType;
use serde::Serialize;

/// A budget to write, as asked for.
#[derive(Debug)]
pub struct BudgetInitPlan {
    /// The page.
    pub target: String,
    /// Headroom over today's figures, in percent.
    pub margin: f64,
    /// Engine.
    pub engine: Engine,
    /// Settings.
    pub cfg: AuditConfig,
    /// Viewport.
    pub viewport: Viewport,
}

/// A budget.json (Lighthouse CI's format, with pagecost's extensions): the file is an array
/// of these, one here.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BudgetFile {
    /// pagecost's extensions.
    pub pagecost: Extensions,
    /// Pages it applies to.
    pub path: String,
    /// Most requests per type.
    #[serde(rename = "resourceCounts")]
    pub resource_counts: Vec<TypeBudget>,
    /// Most KiB per type.
    #[serde(rename = "resourceSizes")]
    pub resource_sizes: Vec<TypeBudget>,
    /// Timing limits.
    pub timings: Vec<TimingBudget>,
}

/// `pagecost.*` of a budget.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Extensions {
    /// Most broken or empty subresources.
    pub broken: u64,
}

/// One `resourceSizes` or `resourceCounts` line.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TypeBudget {
    /// KiB or requests.
    pub budget: u64,
    /// Which requests.
    #[serde(rename = "resourceType")]
    pub resource_type: BudgetType,
}

/// One `timings` line.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TimingBudget {
    /// Milliseconds.
    pub budget: u64,
    /// Lighthouse's metric name.
    pub metric: String,
}

impl BudgetFile {
    /// Broken or empty subresources allowed today (a reader should fix them).
    pub fn broken(&self) -> u64 {
        self.pagecost.broken
    }
}

/// Loads the page once and writes its budget.
pub async fn run(plan: BudgetInitPlan) -> Result<BudgetFile> {
    if plan.margin.is_nan() || plan.margin < 0.0 {
        return Err(Error::InvalidSetting {
            setting: Setting::Margin,
            value: plan.margin.to_string(),
            reason: "must be a percentage >= 0".into(),
        });
    }
    let target = Target::parse(&plan.target)?;
    let source = Source::open(&target, &plan.engine, &[]).await?;
    let load = source.load(&plan.cfg, &plan.viewport, &NoEvents).await?;
    Ok(budget_of(&load, 1.0 + plan.margin / 100.0))
}

/// The budget for a load: every type present, third parties and the total, each times
/// `factor` and rounded up.
pub fn budget_of(load: &Load, factor: f64) -> BudgetFile {
    let t = &load.totals;
    let of = |rt: ResourceType| t.by_type.get(&rt).copied().unwrap_or_default();
    let mut document = of(ResourceType::Document);
    document += of(ResourceType::Iframe);
    let mut other = of(ResourceType::Other);
    other += of(ResourceType::WebSocket);
    let total = Bucket {
        requests: t.requests,
        transfer_bytes: t.transfer_bytes,
        decoded_bytes: t.decoded_bytes,
    };
    let mut buckets = vec![(BudgetType::Resource(ResourceType::Document), document)];
    for rt in [
        ResourceType::Script,
        ResourceType::Stylesheet,
        ResourceType::Image,
        ResourceType::Font,
        ResourceType::Media,
    ] {
        buckets.push((BudgetType::Resource(rt), of(rt)));
    }
    buckets.push((BudgetType::Resource(ResourceType::Other), other));
    buckets.retain(|(_, b)| b.requests > 0);
    buckets.push((BudgetType::ThirdParty, t.third_party));
    buckets.push((BudgetType::Total, total));
    let kib = |b: u64| ((b as f64 / 1024.0) * factor).ceil() as u64;
    let count = |n: u64| ((n as f64) * factor).ceil() as u64;
    let line = |rt: BudgetType, budget| TypeBudget {
        budget,
        resource_type: rt,
    };
    BudgetFile {
        pagecost: Extensions {
            broken: t.failed + t.empty,
        },
        path: "/*".into(),
        resource_counts: buckets
            .iter()
            .map(|(rt, b)| line(*rt, count(b.requests)))
            .collect(),
        resource_sizes: buckets
            .iter()
            .map(|(rt, b)| line(*rt, kib(b.transfer_bytes)))
            .collect(),
        // Timings are noisy: the margin, rounded up to the next 100 ms, and at least 100 ms.
        timings: vec![TimingBudget {
            budget: timing_budget(load.fully_loaded_ms, factor),
            metric: "fully-loaded".into(),
        }],
    }
}

/// A starting timing budget: the measured time plus the margin, rounded up to the next
/// 100 ms and at least 100 ms above the measurement.
fn timing_budget(ms: f64, factor: f64) -> u64 {
    let with_margin = (ms * factor).max(ms + 100.0);
    ((with_margin / 100.0).ceil() * 100.0) as u64
}
