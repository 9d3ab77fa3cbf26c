//! `pagecost audit`: load one page (or N times), report it, judge budgets.

use super::args::{AuditArgs, Format};
use super::progress::Progress;
use super::{emit, Outcome};
use anyhow::Context;
use pagecost::budget::{self, Verdict};
use pagecost::report::{budget as budget_report, json, markdown, table};
use pagecost::{estimate::estimate, Load, Target};

pub fn run(a: AuditArgs) -> anyhow::Result<Outcome> {
    let mut targets = a.targets.clone();
    if let Some(f) = &a.input_file {
        let text = if f.as_os_str() == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                .context("stdin: cannot read the list")?;
            s
        } else {
            std::fs::read_to_string(f).with_context(|| format!("{}: cannot read", f.display()))?
        };
        targets.extend(pagecost::batch::read_list(&text));
    }
    if let Some(depth) = a.crawl {
        let [start] = targets.as_slice() else {
            anyhow::bail!("--crawl starts from one URL");
        };
        let target = Target::parse(start)?;
        if matches!(target, Target::Har { .. }) {
            anyhow::bail!("--crawl {start}: a HAR is a recorded load; crawl a URL or a folder");
        }
        let (cfg, _) = a.net.to_config()?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        // A folder (or a file in it) is served on a loopback port for the whole crawl and
        // batch: the server runs on this runtime's threads while the batch runs on its own.
        let prepared = rt.block_on(pagecost::target::prepare(&target))?;
        let url = prepared.url.clone();
        if let Target::File { root, .. } | Target::Dir(root) = &target {
            if !a.quiet {
                eprintln!("pagecost: serving {} at {url}", root.display());
            }
        }
        targets = rt.block_on(pagecost::batch::crawl(
            &url,
            &cfg,
            depth,
            a.max_pages,
            a.ignore_robots,
        ))?;
        if !a.quiet {
            eprintln!("pagecost: crawled {} pages from {url}", targets.len());
        }
        let outcome = super::batch::run(&a, targets);
        drop(prepared); // the folder server stops here, after the batch
        return outcome;
    }
    let mut positions: Option<Vec<usize>> = None;
    if let Some((k, n)) = a.shard {
        let at = pagecost::batch::shard(targets.len(), k, n);
        targets = at.iter().map(|i| targets[*i].clone()).collect();
        positions = Some(at);
    }
    if targets.len() != 1
        || a.input_file.is_some()
        || a.shard.is_some()
        || a.format == Format::Jsonl
    {
        return super::batch::run_at(&a, targets, positions);
    }
    let mut target = Target::parse(&targets[0])?;
    if let Target::Har { page, .. } = &mut target {
        *page = a.page;
    } else if a.page.is_some() {
        anyhow::bail!("--page: only a HAR target has pages");
    }
    let (mut cfg, vp) = a.net.to_config()?;
    let cancel = pagecost::config::Cancel::default();
    cfg.cancel = Some(cancel.clone());
    let budgets = a.budget.load()?;
    if a.format == Format::Junit && budgets.is_none() {
        anyhow::bail!("--format junit reports budgets: give --budget FILE or a --max-* limit");
    }
    let progress = Progress::new(a.quiet);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Ctrl-C stops the load; what finished is reported (marked partial) and the exit is 130.
    let on_signal = cancel.clone();
    rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
        }
    });
    let opts = table::TableOptions {
        width: None,
        connections: a.connections,
        color: a.output.is_none() && super::color_stdout(),
    };
    let (runs, load) = if a.runs > 1 {
        let r = rt.block_on(pagecost::audit_runs(
            &target,
            &cfg,
            &vp,
            a.runs as usize,
            !a.no_warmup,
            &progress,
        ));
        progress.finish();
        (Some(interrupted(r, &cancel)?), None)
    } else {
        let l = rt.block_on(pagecost::audit(&target, &cfg, &vp, &progress));
        progress.finish();
        (None, Some(interrupted(l, &cancel)?))
    };
    let shown: &Load = runs
        .as_ref()
        .map_or_else(|| load.as_ref().expect("one of them"), |r| r.median());
    let all: Vec<&Load> = match &runs {
        Some(r) => r.runs.iter().collect(),
        None => vec![shown],
    };
    let verdict: Option<(Verdict, String)> =
        budgets.map(|(b, name)| (budget::evaluate(&b, &all), name));
    let est = a.estimate.as_ref().map(|p| estimate(shown, p));
    let report = match a.format {
        Format::Table => {
            let mut s = match &runs {
                Some(r) => table::render_runs(r, opts),
                None => table::render(shown, opts),
            };
            if let Some(e) = &est {
                s.push_str(&table::render_estimate(shown, e, opts));
            }
            if let Some((v, name)) = &verdict {
                s.push_str(&budget_report::table(v, name));
            }
            s
        }
        Format::Json => {
            let plain = est.is_none() && verdict.is_none() && runs.is_none();
            if plain {
                json::render(shown)
            } else {
                let mut obj = serde_json::Map::new();
                match &runs {
                    Some(r) => obj.insert("runs".into(), serde_json::to_value(r)?),
                    None => obj.insert("load".into(), serde_json::to_value(shown)?),
                };
                if let Some(e) = &est {
                    obj.insert("estimate".into(), serde_json::to_value(e)?);
                }
                if let Some((v, _)) = &verdict {
                    obj.insert("budget".into(), serde_json::to_value(v)?);
                }
                json::render_value(&obj)
            }
        }
        Format::Markdown => {
            let mut s = markdown::load(shown);
            if let Some((v, _)) = &verdict {
                s.push('\n');
                s.push_str(&budget_report::markdown(v, &shown.url));
            }
            s
        }
        Format::Junit => {
            budget_report::junit(&verdict.as_ref().expect("checked above").0, &shown.url)
        }
        Format::Jsonl => unreachable!("many-page formats go to batch::run"),
        Format::Html => pagecost::report::html::render(shown),
        Format::Har => {
            let opts = pagecost::har::ExportOptions {
                include_sensitive: a.include_sensitive,
                extra_sensitive: cfg.headers.iter().map(|(n, _)| n.clone()).collect(),
            };
            json::render_value(&pagecost::har::export(shown, &opts))
        }
    };
    emit(&report, a.output.as_deref())?;
    if cancel.is_cancelled() {
        eprintln!("pagecost: interrupted; the report above is partial");
        return Ok(Outcome::Interrupted);
    }
    let Some((v, _)) = verdict else {
        return Ok(Outcome::Pass);
    };
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|x| x == "true") {
        for line in budget_report::github_annotations(&v) {
            eprintln!("{line}");
        }
    }
    Ok(if v.failed() {
        Outcome::Fail
    } else {
        Outcome::Pass
    })
}

/// An audit error after Ctrl-C is the interruption, not a failure of the target.
fn interrupted<T>(r: pagecost::Result<T>, cancel: &pagecost::config::Cancel) -> anyhow::Result<T> {
    match r {
        Err(e) if cancel.is_cancelled() => Err(anyhow::Error::new(e).context(super::Interrupted)),
        other => Ok(other?),
    }
}
