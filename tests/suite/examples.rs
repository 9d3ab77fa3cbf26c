//! The library's examples (examples/*.rs), run as a user runs them from the repository's
//! root: `cargo test` builds them, this runs them and reads what they print.

use std::process::Command;

/// An example built beside this test (target/debug/examples/NAME), run in the crate root.
fn example(name: &str, args: &[&str]) -> (i32, String) {
    let deps = std::env::current_exe().unwrap();
    let bin = deps
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    let out = Command::new(&bin)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (cargo test builds the examples)", bin.display()));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.is_empty() || out.status.code() == Some(1),
        "{name}: {err}"
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_audit_example_prints_the_totals_per_type() {
    let (code, out) = example("audit", &["fixtures/demo/"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("fixtures/demo/: 19 requests, 224987 bytes"),
        "{out}"
    );
    assert!(out.contains("  stylesheet    6 requests"), "{out}");
}

#[test]
fn the_budget_example_fails_on_the_image_budget() {
    let (code, out) = example("budget", &["fixtures/demo/"]);
    assert_eq!(code, 1, "{out}");
    let image = out
        .lines()
        .find(|l| l.starts_with("resourceSizes.image"))
        .unwrap();
    assert!(image.ends_with("Fail"), "{out}");
    let total = out
        .lines()
        .find(|l| l.starts_with("resourceSizes.total"))
        .unwrap();
    assert!(total.ends_with("Pass"), "{out}");
}

#[test]
fn the_compare_example_finds_the_ad_network_requests() {
    let (code, out) = example("compare", &[]);
    assert_eq!(code, 0);
    let requests = out
        .lines()
        .find(|l| l.starts_with("* requests"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(requests.contains("B makes 10 fewer requests"), "{out}");
}
