//! Compares a blog page with its ad network blocked against the page as it is: 5
//! interleaved runs each, then every metric's verdict (a Mann-Whitney U test for timings).
//!
//!     cargo run --example compare
use pagecost::config::block::BlockRule;
use pagecost::job::{self, ComparePlan, Plan, Report};
use pagecost::verdict::compare::Verdict;
use std::path::PathBuf;

fn main() -> Result<(), pagecost::Error> {
    let mut plan = ComparePlan::new("fixtures/compare/blog/with-ads.html".into(), None);
    plan.block = vec![BlockRule::parse("category:ad")?];
    // The ad network's hosts, served from a folder on loopback (nothing leaves the machine).
    for host in [
        "securepubads.g.doubleclick.net",
        "tpc.googlesyndication.com",
    ] {
        plan.serve_also
            .push((host.into(), PathBuf::from("fixtures/compare/adnet")));
    }
    let Report::Compare(c) = job::run(Plan::Compare(Box::new(plan)), &pagecost::NoEvents)? else {
        unreachable!("a compare plan reports a comparison")
    };
    for m in &c.comparison.metrics {
        let mark = if let Verdict::Differs { .. } = m.verdict {
            "*"
        } else {
            " "
        };
        println!(
            "{mark} {:<18} A {:>10.1}  B {:>10.1}  {}",
            m.key.name(),
            m.a.median,
            m.b.median,
            m.verdict
        );
    }
    Ok(())
}
