//! `pagecost compare`: two variants, interleaved runs, statistics, a regression gate.

use super::args::{CompareArgs, CompareFormat};
use super::progress::Progress;
use super::{emit, Outcome};
use anyhow::{bail, Context};
use pagecost::compare::{compare, Gate};
use pagecost::party::BlockRule;
use pagecost::report::{compare as render, json};
use pagecost::runs::Runs;
use pagecost::Target;
use std::path::PathBuf;

pub fn run(a: CompareArgs) -> anyhow::Result<Outcome> {
    let gates: Vec<Gate> = a
        .fail_if
        .iter()
        .map(|g| Gate::parse(g).map_err(|e| anyhow::anyhow!("--fail-if {e}")))
        .collect::<Result<_, _>>()?;
    let (cfg, vp) = a.net.to_config()?;
    let budgets = a.budget.load()?;
    let mut cfg_b = cfg.clone();
    for p in &a.block {
        cfg_b.block.push(BlockRule::parse(p)?);
    }
    cfg_b.block_third_parties = a.block_third_parties;
    let ta = Target::parse(&a.a)?;
    let tb = match &a.b {
        Some(b) => Target::parse(b)?,
        None if cfg_b.block.is_empty() && !cfg_b.block_third_parties => {
            bail!(
                "compare needs a variant B, or --block / --block-third-parties to make one from A"
            )
        }
        None => ta.clone(),
    };
    if a.b.is_some() && (!a.block.is_empty() || a.block_third_parties) {
        eprintln!("pagecost: the --block patterns apply to B only");
    }
    let also: Vec<(String, PathBuf)> = a
        .serve_also
        .iter()
        .map(|s| {
            let (h, d) = s
                .split_once('=')
                .with_context(|| format!("--serve-also {s}: expected HOST=DIR"))?;
            if !std::path::Path::new(d).is_dir() {
                bail!("--serve-also {s}: {d} is not a folder");
            }
            Ok((h.trim().to_string(), PathBuf::from(d)))
        })
        .collect::<anyhow::Result<_>>()?;
    let progress = Progress::new(a.quiet);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let runs = rt.block_on(pagecost::target::compare_runs(
        (&ta, &cfg),
        (&tb, &cfg_b),
        &also,
        &vp,
        a.runs as usize,
        !a.no_warmup,
        &progress,
    ));
    progress.finish();
    let (ra, rb) = runs?;
    let mut cmp = compare(&ra, &rb);
    if let Some(profile) = &a.estimate {
        let est = |r: &Runs| {
            let loads = r
                .runs
                .iter()
                .map(|l| pagecost::estimate::estimate(l, profile))
                .collect();
            Runs::new(r.target.clone(), r.warmup, loads, Vec::new()).expect("as many as measured")
        };
        let e = compare(&est(&ra), &est(&rb));
        for mut m in e.metrics.into_iter().filter(|m| m.unit == "ms") {
            m.name = format!("estimated_{}_on_{}", m.name, profile.name);
            cmp.metrics.push(m);
        }
    }
    let verdict = budgets
        .as_ref()
        .map(|(b, _)| pagecost::budget::evaluate(b, &rb.runs.iter().collect::<Vec<_>>()));
    let mut report = match a.format {
        CompareFormat::Table => render::render(&cmp),
        CompareFormat::Markdown => render::markdown(&cmp),
        CompareFormat::Html => {
            pagecost::report::html::render_compare(&cmp, ra.median(), rb.median())
        }
        CompareFormat::Json => json::render_value(
            &serde_json::json!({ "comparison": cmp, "a": ra, "b": rb, "budget_b": verdict }),
        ),
    };
    if let (Some(v), Some((_, name))) = (&verdict, &budgets) {
        match a.format {
            CompareFormat::Table => report.push_str(&pagecost::report::budget::table(
                v,
                &format!("{name} (variant B)"),
            )),
            CompareFormat::Markdown => {
                report.push('\n');
                report.push_str(&pagecost::report::budget::markdown(v, &rb.target));
            }
            CompareFormat::Json | CompareFormat::Html => {}
        }
    }
    emit(&report, a.output.as_deref())?;
    let mut tripped = false;
    for g in &gates {
        let (t, why) = g.check(&cmp);
        tripped |= t;
        if !a.quiet || t {
            eprintln!("pagecost: --fail-if {why}");
        }
    }
    if let Some(v) = &verdict {
        tripped |= v.failed();
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|x| x == "true") {
            for line in pagecost::report::budget::github_annotations(v) {
                eprintln!("{line}");
            }
        }
    }
    Ok(if tripped {
        Outcome::Fail
    } else {
        Outcome::Pass
    })
}
