//! `pagecost generate KIND [NAME]`: shell completions (clap_complete), man pages
//! (clap_mangen) and the JSON Schemas of the outputs (`report::schema`), on stdout.

use super::args::{Cli, GenerateArgs, GenerateKind};
use anyhow::{anyhow, bail};
use clap::CommandFactory;
use clap_complete::Shell;
use pagecost::report::schema::Output;
use std::io::Write;

/// Writes what `a` asks for to stdout.
pub fn run(a: GenerateArgs) -> anyhow::Result<()> {
    let mut out = Vec::new();
    let shell = match a.kind {
        GenerateKind::CompleteBash => Some(Shell::Bash),
        GenerateKind::CompleteZsh => Some(Shell::Zsh),
        GenerateKind::CompleteFish => Some(Shell::Fish),
        GenerateKind::CompletePowershell => Some(Shell::PowerShell),
        GenerateKind::CompleteElvish => Some(Shell::Elvish),
        GenerateKind::Man | GenerateKind::Schema => None,
    };
    match (shell, a.kind) {
        (Some(shell), _) => {
            if let Some(name) = &a.name {
                bail!("generate: completions take no name (got {name:?})");
            }
            clap_complete::generate(shell, &mut Cli::command(), "pagecost", &mut out);
        }
        (None, GenerateKind::Man) => man(a.name.as_deref(), &mut out)?,
        (None, _) => out.extend(schema(a.name.as_deref())?.into_bytes()),
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&out)?;
    Ok(stdout.flush()?)
}

/// The main page, or a subcommand's (`budget-init` for `budget init`) named `pagecost-NAME`.
fn man(name: Option<&str>, out: &mut Vec<u8>) -> anyhow::Result<()> {
    let root = Cli::command();
    let Some(name) = name else {
        return Ok(clap_mangen::Man::new(root).render(out)?);
    };
    let mut pages = Vec::new();
    for sub in root.get_subcommands() {
        pages.push((sub.get_name().to_string(), sub.clone()));
        for inner in sub.get_subcommands() {
            let full = format!("{}-{}", sub.get_name(), inner.get_name());
            pages.push((full, inner.clone()));
        }
    }
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    let (full, cmd) = pages.iter().find(|(n, _)| n == name).ok_or_else(|| {
        anyhow!(
            "generate man {name}: no such subcommand (one of: {})",
            names.join(", ")
        )
    })?;
    // git's convention: the page pagecost-budget-init(1), the synopsis `pagecost budget init`.
    let cmd = cmd
        .clone()
        .name(format!("pagecost-{full}"))
        .version(env!("CARGO_PKG_VERSION"))
        .bin_name(format!("pagecost {}", full.replace('-', " ")));
    Ok(clap_mangen::Man::new(cmd).render(out)?)
}

fn schema(name: Option<&str>) -> anyhow::Result<String> {
    let names: Vec<&str> = Output::ALL.iter().map(|o| o.name()).collect();
    let output = name.and_then(Output::parse).ok_or_else(|| {
        let given = name.map_or("a name".to_string(), |n| format!("{n:?}"));
        anyhow!(
            "generate schema: {given} is not an output (one of: {})",
            names.join(", ")
        )
    })?;
    Ok(pagecost::report::schema::render(output))
}
