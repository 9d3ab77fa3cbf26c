//! The history database end to end, on SQLite files and on a real PostgreSQL server
//! (`initdb` in a temporary folder, a loopback port): save, history, prune, import, labels,
//! migrations, refusals (a newer schema, a corrupt file, a wrong password, a server that is
//! gone), a run never half-written, and 8 processes saving at once.

#![cfg(feature = "history")]

use crate::support;

use serde_json::Value;
use support::pagecost;

const DEMO: &str = "fixtures/demo/";
const BLOG: &str = "fixtures/compare/blog/";

fn ok(args: &[&str]) -> String {
    let (code, out, err) = pagecost(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

fn runs(db: &str, filter: &[&str]) -> Vec<Value> {
    let mut args = vec!["history", "--db", db, "--format", "json"];
    args.extend(filter);
    serde_json::from_str::<Vec<Value>>(&ok(&args)).unwrap()
}

fn temp_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir
        .path()
        .join("nested/history.sqlite")
        .display()
        .to_string();
    (dir, db)
}

/// Save, filter, list and prune on one database (a SQLite path or a postgres URL).
fn save_filter_and_prune(db: &str) {
    for branch in ["main", "main", "dev"] {
        let (code, out, err) = pagecost(&[
            "audit",
            DEMO,
            "--save",
            "--db",
            db,
            "--label",
            &format!("branch={branch}"),
            "--label",
            "commit=abc'; DROP TABLE runs; --",
        ]);
        assert_eq!(code, 0, "{err}");
        let requests = |l: &str| l.split_whitespace().take(2).eq(["requests", "19"]);
        assert!(out.lines().any(requests), "the report is written: {out}");
        assert!(err.contains("1 run saved in"), "{err}");
        assert!(
            !err.contains(support::postgres::PASSWORD),
            "the password is never shown: {err}"
        );
    }
    ok(&[
        "audit",
        DEMO,
        "--runs",
        "3",
        "--no-warmup",
        "--save",
        "--db",
        db,
        "--label",
        "branch=runs",
        "-q",
    ]);

    let all = runs(db, &[]);
    assert_eq!(all.len(), 6, "three audits and three runs");
    let first = &all[0];
    assert_eq!(first["page"], "fixtures/demo/");
    assert_eq!(first["metrics"]["requests"], 19.0);
    assert_eq!(first["metrics"]["transfer_bytes"], 224_987.0);
    assert!(
        first["metrics"]["first_contentful_paint_ms"].is_null(),
        "not measured: null"
    );
    assert_eq!(first["by_type"]["font"]["requests"], 1);
    assert_eq!(first["by_party"]["first"]["requests"], 19);
    assert_eq!(
        first["labels"]["commit"], "abc'; DROP TABLE runs; --",
        "labels are values, never SQL"
    );
    let jobs: std::collections::BTreeSet<&str> =
        all.iter().map(|r| r["job"].as_str().unwrap()).collect();
    assert_eq!(jobs.len(), 4, "the three runs of one audit share their job");

    assert_eq!(runs(db, &["--label", "branch=main"]).len(), 2);
    assert_eq!(
        runs(db, &["--label", "branch=main", "--label", "commit=x"]).len(),
        0
    );
    assert_eq!(runs(db, &[DEMO]).len(), 6, "the folder as it was audited");
    assert_eq!(
        runs(db, &["fixtures/demo"]).len(),
        6,
        "without its slash too"
    );
    assert_eq!(runs(db, &["http://example.com/"]).len(), 0);
    let last = runs(db, &["--last", "2"]);
    assert_eq!(last.len(), 2);
    assert_eq!(last[1]["id"], all[5]["id"], "the latest, oldest first");
    assert_eq!(runs(db, &["--since", "1h"]).len(), 6);
    assert_eq!(runs(db, &["--since", "2999-01-01"]).len(), 0);

    let table = ok(&["history", DEMO, "--db", db]);
    assert!(table.contains("fixtures/demo/: 6 runs"), "{table}");
    for words in [
        "trend, oldest to newest",
        "transferred",
        "225.0 kB",
        "branch=dev",
        "fully loaded",
    ] {
        assert!(table.contains(words), "{words}: {table}");
    }
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("history.json");
    std::fs::write(&json, ok(&["history", "--db", db, "--format", "json"])).unwrap();
    support::validate_json("history", &[&json], false);
    let csv = ok(&["history", "--db", db, "--format", "csv"]);
    assert_eq!(csv.lines().count(), 7);
    assert!(
        csv.starts_with("id,job,page,started,started_unix_ms,engine"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with("label:branch,label:commit"),
        "{csv}"
    );

    // An imported load from 100 days ago is what --prune 90d removes, and only it.
    let mut load: Value =
        serde_json::from_str(&ok(&["audit", DEMO, "--format", "json", "-q"])).unwrap();
    let old = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
        - 100 * 86_400_000;
    load["started_unix_ms"] = old.into();
    let file = dir.path().join("old.json");
    std::fs::write(&file, load.to_string()).unwrap();
    let out = ok(&[
        "history",
        "import",
        file.to_str().unwrap(),
        "--db",
        db,
        "--label",
        "branch=old",
    ]);
    assert!(out.contains("1 run imported from 1 file"), "{out}");
    assert_eq!(runs(db, &[]).len(), 7);
    assert_eq!(runs(db, &["--since", "90d"]).len(), 6);
    let out = ok(&["history", "--prune", "90d", "--db", db]);
    assert!(out.contains("1 run that started before"), "{out}");
    let left = runs(db, &[]);
    assert_eq!(left.len(), 6);
    assert!(left.iter().all(|r| r["labels"]["branch"] != "old"));
}

#[test]
fn sqlite_saves_filters_lists_and_prunes() {
    let (_dir, db) = temp_db();
    save_filter_and_prune(&db);
}

#[test]
fn postgres_saves_filters_lists_and_prunes() {
    let Some(pg) = support::postgres::start() else {
        return;
    };
    save_filter_and_prune(&pg.url);
}

/// Every kind of earlier output imports: audit JSON with runs, batch JSON lines, a
/// comparison (both sides, labelled), a HAR; a bad file imports nothing.
fn imports(db: &str) {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let runs_json = write(
        "runs.json",
        ok(&[
            "audit",
            DEMO,
            "--runs",
            "2",
            "--no-warmup",
            "--format",
            "json",
            "-q",
        ]),
    );
    let batch = write(
        "batch.jsonl",
        ok(&["audit", DEMO, BLOG, "--format", "jsonl", "-q"]),
    );
    let (code, cmp, err) = pagecost(&[
        "compare",
        BLOG,
        BLOG,
        "--runs",
        "2",
        "--no-warmup",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(code, 0, "{err}");
    let cmp = write("compare.json", cmp);
    let bad = write("bad.jsonl", "{\"target\": \"x\"}\nnot json\n".into());

    let (code, _, err) = pagecost(&["history", "import", &runs_json, &bad, "--db", db]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.jsonl:2"),
        "names the file and line: {err}"
    );
    assert_eq!(runs(db, &[]).len(), 0, "nothing saved when one file is bad");

    let out = ok(&[
        "history",
        "import",
        &runs_json,
        &batch,
        &cmp,
        "fixtures/har/chrome.har",
        "--db",
        db,
        "--label",
        "from=import",
    ]);
    assert!(out.contains("9 runs imported from 4 files"), "{out}");
    let all = runs(db, &["--label", "from=import"]);
    assert_eq!(all.len(), 9);
    assert_eq!(runs(db, &["--label", "variant=a"]).len(), 2);
    assert_eq!(runs(db, &["--label", "variant=b"]).len(), 2);
    assert_eq!(
        runs(db, &[BLOG]).len(),
        5,
        "the blog: one batch page and four compare runs"
    );
}

#[test]
fn sqlite_imports_every_output_kind() {
    let (_dir, db) = temp_db();
    imports(&db);
}

#[test]
fn postgres_imports_every_output_kind() {
    let Some(pg) = support::postgres::start() else {
        return;
    };
    imports(&pg.url);
}

/// A comparison saves both sides.
#[test]
fn compare_saves_both_variants() {
    let (_dir, db) = temp_db();
    let (code, _, err) = pagecost(&[
        "compare",
        BLOG,
        BLOG,
        "--runs",
        "3",
        "--no-warmup",
        "--save",
        "--db",
        &db,
        "--label",
        "pr=7",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("6 runs saved"), "{err}");
    assert_eq!(
        runs(&db, &["--label", "variant=b", "--label", "pr=7"]).len(),
        3
    );
}

/// 8 processes saving 25 runs each at once: all 200 are there.
fn many_writers(db: &str) {
    let bin = assert_cmd::cargo::cargo_bin("pagecost");
    let children: Vec<_> = (0..8)
        .map(|i| {
            std::process::Command::new(&bin)
                .args([
                    "audit",
                    DEMO,
                    "--runs",
                    "25",
                    "--no-warmup",
                    "--save",
                    "--db",
                    db,
                    "--label",
                    &format!("writer={i}"),
                    "-q",
                    "--format",
                    "json",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let all = runs(db, &[]);
    assert_eq!(all.len(), 200);
    for i in 0..8 {
        assert_eq!(
            runs(db, &["--label", &format!("writer={i}")]).len(),
            25,
            "writer {i}"
        );
    }
}

#[test]
fn sqlite_takes_eight_writers_at_once() {
    let (_dir, db) = temp_db();
    many_writers(&db);
}

#[test]
fn postgres_takes_eight_writers_at_once() {
    let Some(pg) = support::postgres::start() else {
        return;
    };
    many_writers(&pg.url);
}

/// The report is written whatever happens to the database; the database error is one line
/// naming it, exit 2.
fn refused(db: &str, words: &str) {
    let (code, out, err) = pagecost(&["audit", DEMO, "--save", "--db", db]);
    assert_eq!(code, 2, "{err}");
    assert!(
        out.contains("requests"),
        "the report is still written: {out}"
    );
    let line = err
        .lines()
        .find(|l| l.contains("history database"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains(words), "{line}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn sqlite_refusals_name_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.sqlite");
    std::fs::write(&corrupt, vec![0x42u8; 8192]).unwrap();
    refused(corrupt.to_str().unwrap(), "not a database");

    let newer = dir.path().join("newer.sqlite");
    let c = rusqlite::Connection::open(&newer).unwrap();
    c.execute_batch("CREATE TABLE pagecost_schema (version INTEGER NOT NULL); INSERT INTO pagecost_schema VALUES (99);").unwrap();
    drop(c);
    refused(newer.to_str().unwrap(), "newer pagecost (schema 99");

    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    refused(
        &format!("{}/h.sqlite", file.display()),
        "cannot create its folder",
    );

    let missing = dir.path().join("missing.sqlite");
    let (code, _, err) = pagecost(&["history", "--db", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");
    assert!(!missing.exists(), "reading the history creates no database");
    let (code, _, err) = pagecost(&["history", "--db", "mysql://x/y"]);
    assert_eq!(code, 2);
    assert!(err.contains("unsupported database scheme 'mysql'"), "{err}");
    let (code, _, err) = pagecost(&["history", "--db", "x.sqlite", "--since", "yesterday"]);
    assert_eq!(code, 2);
    assert!(err.contains("--since"), "{err}");
    let (code, _, err) = pagecost(&[
        "audit",
        DEMO,
        "--save",
        "--db",
        "x.sqlite",
        "--label",
        "no-equals",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--label") && err.contains("KEY=VALUE"),
        "{err}"
    );
}

#[test]
fn postgres_refusals_name_the_database_and_mask_the_password() {
    let Some(pg) = support::postgres::start() else {
        return;
    };
    let wrong = pg.url.replace(support::postgres::PASSWORD, "wrong-pw");
    refused(&wrong, "password authentication failed");
    refused(&wrong, "pagecost:***@127.0.0.1");
    let (_, _, err) = pagecost(&["audit", DEMO, "--save", "--db", &wrong]);
    assert!(!err.contains("wrong-pw"), "{err}");

    let mut c = pg.client();
    ok(&["history", "--db", &pg.url]);
    c.execute("UPDATE pagecost_schema SET version = 42", &[])
        .unwrap();
    refused(&pg.url, "newer pagecost (schema 42");
    c.execute("UPDATE pagecost_schema SET version = 1", &[])
        .unwrap();
    drop(c);

    pg.stop();
    refused(&pg.url, "127.0.0.1");
}

/// A run that fails half-way (here the totals insert, as a full disk would) leaves nothing:
/// one transaction per run.
#[test]
fn sqlite_never_keeps_a_half_written_run() {
    let (_dir, db) = temp_db();
    let spec = pagecost::history::DbSpec::parse(&db).unwrap();
    drop(pagecost::history::History::open(&spec).unwrap()); // creates the schema
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch("CREATE TRIGGER full BEFORE INSERT ON run_totals BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;").unwrap();
    refused(&db, "database or disk is full");
    let n: i64 = c
        .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
    let n: i64 = c
        .query_row("SELECT COUNT(*) FROM run_labels", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn postgres_never_keeps_a_half_written_run() {
    let Some(pg) = support::postgres::start() else {
        return;
    };
    ok(&["history", "--db", &pg.url]);
    let mut c = pg.client();
    c.batch_execute(
        "CREATE FUNCTION full_disk() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$ LANGUAGE plpgsql;
         CREATE TRIGGER disk_full BEFORE INSERT ON run_totals FOR EACH ROW EXECUTE FUNCTION full_disk();",
    )
    .unwrap();
    refused(&pg.url, "No space left on device");
    let n: i64 = c
        .query_one("SELECT COUNT(*) FROM runs", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}

/// A database at an older schema is migrated on open, and what it held is kept.
#[test]
fn an_older_schema_is_migrated_on_open() {
    let (_dir, db) = temp_db();
    let spec = pagecost::history::DbSpec::parse(&db).unwrap();
    drop(pagecost::history::History::open_at(&spec, 0).unwrap());
    let c = rusqlite::Connection::open(&db).unwrap();
    let tables: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'runs'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0, "schema 0: only the version table");
    ok(&["audit", DEMO, "--save", "--db", &db, "-q"]);
    let v: i64 = c
        .query_row("SELECT version FROM pagecost_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, i64::from(pagecost::history::SCHEMA_VERSION));
    assert_eq!(runs(&db, &[]).len(), 1);
}

/// Without --db the default file is under XDG_DATA_HOME, or $PAGECOST_DB.
#[test]
fn the_default_database_is_under_xdg_data_home() {
    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("pagecost"))
        .env_clear()
        .env("XDG_DATA_HOME", dir.path())
        .args(["audit", DEMO, "--save", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("pagecost/history.sqlite").exists());
}

/// Saved loads come back whole: the stored Load renders again as it was.
#[test]
fn stored_loads_come_back_whole() {
    let (_dir, db) = temp_db();
    let audited: Value = serde_json::from_str(&ok(&[
        "audit", DEMO, "--format", "json", "-q", "--save", "--db", &db,
    ]))
    .unwrap();
    let spec = pagecost::history::DbSpec::parse(&db).unwrap();
    let mut h = pagecost::history::History::open(&spec).unwrap();
    let loads = h.loads(&pagecost::history::Filter::default()).unwrap();
    assert_eq!(loads.len(), 1);
    assert_eq!(serde_json::to_value(&loads[0]).unwrap(), audited);
}

/// `compare PAGE --baseline LABEL`: the page's stored runs are A, a fresh audit B; a gate
/// trips on what changed since, and the report names the new request.
fn baseline_gate(db: &str) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    support::copy_dir(std::path::Path::new(DEMO), &site);
    let site = format!("{}/", site.display());
    ok(&[
        "audit",
        &site,
        "--runs",
        "5",
        "--no-warmup",
        "--save",
        "--db",
        db,
        "--label",
        "branch=main",
        "-q",
    ]);
    ok(&[
        "audit",
        &site,
        "--save",
        "--db",
        db,
        "--label",
        "branch=dev",
        "-q",
    ]);

    let gate = [
        "--baseline",
        "branch=main",
        "--db",
        db,
        "--fail-if",
        "bytes>+5%",
        "--runs",
        "3",
        "--no-warmup",
    ];
    let mut same = vec!["compare", &site];
    same.extend(gate);
    let (code, out, err) = pagecost(&same);
    assert_eq!(code, 0, "unchanged: {err}\n{out}");
    assert!(out.contains("(branch=main) (5 runs)"), "{out}");

    std::fs::write(format!("{site}extra.bin"), vec![7u8; 60_000]).unwrap();
    let index = format!("{site}index.html");
    let html = std::fs::read_to_string(&index)
        .unwrap()
        .replace("</body>", "<img src=\"extra.bin\"></body>");
    std::fs::write(&index, html).unwrap();
    let mut json = same.clone();
    json.extend(["--format", "json"]);
    let (code, out, err) = pagecost(&json);
    assert_eq!(code, 1, "60 kB heavier: {err}");
    assert!(err.contains("--fail-if bytes>+5%: tripped"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["a"]["runs"].as_array().unwrap().len(),
        5,
        "the latest 5 of branch=main only"
    );
    assert_eq!(v["b"]["target"], site.as_str());
    let only_b = v["comparison"]["only_in_b"].as_array().unwrap();
    assert_eq!(only_b.len(), 1, "{only_b:?}");
    assert_eq!(only_b[0]["key"], "/extra.bin");

    let (code, _, err) = pagecost(&["compare", &site, "--baseline", "branch=none", "--db", db]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no stored runs of") && err.contains("branch=none"),
        "{err}"
    );
    let (code, _, err) = pagecost(&[
        "compare",
        &site,
        "--baseline",
        "branch=dev",
        "--db",
        db,
        "--fail-if",
        "fully_loaded>+10%",
    ]);
    assert_eq!(
        code, 2,
        "one stored run cannot make a timing significant: {err}"
    );
    assert!(err.contains("can never be significant"), "{err}");
    assert!(err.contains("--baseline pagecost=calibration"), "{err}");
}

#[test]
fn sqlite_baseline_gates_what_changed() {
    let (_dir, db) = temp_db();
    baseline_gate(&db);
}

#[test]
fn postgres_baseline_gates_what_changed() {
    let Some(pg) = support::postgres::start() else {
        return;
    };
    baseline_gate(&pg.url);
}

/// `history --format html`: a chart per measure with a point per run whose hover text names
/// the run and its labels (escaped); a batch's pages are saved one run each.
#[test]
fn the_trend_page_charts_every_run_and_a_batch_saves_every_page() {
    let (_dir, db) = temp_db();
    ok(&[
        "audit",
        DEMO,
        BLOG,
        "--save",
        "--db",
        &db,
        "--label",
        "note=<script>x</script>",
        "-q",
        "--format",
        "jsonl",
    ]);
    ok(&[
        "audit",
        DEMO,
        "--runs",
        "2",
        "--no-warmup",
        "--save",
        "--db",
        &db,
        "-q",
    ]);
    assert_eq!(runs(&db, &[BLOG]).len(), 1);
    let html = ok(&["history", DEMO, "--db", &db, "--format", "html"]);
    for chart in [
        "Transferred by resource type",
        "Requests by resource type",
        "Transferred by party",
        "Timings",
    ] {
        assert!(html.contains(&format!("<h3>{chart}</h3>")), "{chart}");
    }
    assert_eq!(html.matches("<svg").count(), 4);
    // 3 runs: every line has a point per run.
    assert!(
        html.contains("note=&lt;script&gt;x&lt;/script&gt;"),
        "labels are escaped"
    );
    assert!(!html.contains("<script>x</script>"));
    for chart in html.split("<svg").skip(1) {
        let (lines, points) = (
            chart.matches("<path").count(),
            chart.matches("<circle").count(),
        );
        assert!(lines >= 1, "a line per measure: {chart}");
        assert_eq!(
            points,
            3 * lines,
            "a point per run on each of {lines} lines"
        );
    }
    assert!(html.contains("· no labels ·"), "runs without labels say so");
}

/// A writer waits for another's lock (the busy timeout), and past 30 s gives up with one line
/// naming the database; the report is written either way.
#[test]
fn sqlite_waits_for_a_lock_then_gives_up() {
    let (_dir, db) = temp_db();
    let spec = pagecost::history::DbSpec::parse(&db).unwrap();
    drop(pagecost::history::History::open(&spec).unwrap());
    let hold = |secs: u64| {
        let db = db.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            let c = rusqlite::Connection::open(&db).unwrap();
            c.execute_batch("BEGIN EXCLUSIVE").unwrap();
            tx.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_secs(secs));
            c.execute_batch("COMMIT").unwrap();
        });
        rx.recv().unwrap();
        t
    };
    let t = hold(2);
    let started = std::time::Instant::now();
    ok(&["audit", DEMO, "--save", "--db", &db, "-q"]);
    assert!(
        started.elapsed().as_millis() >= 1500,
        "it waited for the lock"
    );
    t.join().unwrap();
    assert_eq!(runs(&db, &[]).len(), 1);

    let t = hold(40);
    refused(&db, "database is locked");
    t.join().unwrap();
    assert_eq!(runs(&db, &[]).len(), 1, "nothing half-written");
}

#[cfg(unix)]
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}

#[cfg(unix)]
/// `pagecost history --db DB --format json` as a user with read access only: `nobody` when
/// the test runs as root (whom permissions do not stop), else the test's own user.
fn read_as_another_user(db: &str) -> (bool, String, String) {
    let bin = assert_cmd::cargo::cargo_bin("pagecost");
    // The binary where `nobody` may run it (a checkout under /root is closed to them).
    let shelf = tempfile::tempdir().unwrap();
    let mut cmd = if is_root() {
        use std::os::unix::fs::PermissionsExt;
        let open = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(shelf.path(), open).unwrap();
        let reachable = shelf.path().join("pagecost");
        if std::fs::hard_link(&bin, &reachable).is_err() {
            std::fs::copy(&bin, &reachable).unwrap();
        }
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(reachable);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = (cmd.args(["history", "--db", db, "--format", "json"]))
        .env("HOME", "/")
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A reader needs read access only, and leaves nothing behind: another user reads a history
/// whose file and folder they cannot write, and one in a folder everyone may write, and no
/// `-wal` or `-shm` of theirs is left to block the owner's next save.
#[cfg(unix)]
#[test]
fn a_reader_needs_only_read_access_and_leaves_nothing_behind() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite").display().to_string();
    ok(&["audit", DEMO, "--save", "--db", &db, "-q"]);
    let set = |mode: u32, file: u32| {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(mode)).unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(file)).unwrap();
    };
    for (folder, what) in [
        (0o555, "a read-only folder"),
        (0o1777, "a folder anyone writes"),
    ] {
        set(folder, 0o444);
        let (success, out, err) = read_as_another_user(&db);
        assert!(success, "{what}: {err}");
        let runs: Vec<Value> = serde_json::from_str(&out).unwrap();
        assert_eq!(runs.len(), 1, "{what}");
        assert_eq!(
            files_in(dir.path()),
            ["h.sqlite"],
            "{what}: nothing left behind"
        );
    }
    set(0o755, 0o644);
    ok(&["audit", DEMO, "--save", "--db", &db, "-q"]);
    assert_eq!(runs(&db, &[]).len(), 2, "the owner saves after the reader");
}

/// A database written by a newer pagecost is refused by saves and reads alike, and left
/// byte for byte as it was, with nothing beside it.
#[test]
fn a_newer_schema_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.sqlite");
    let c = rusqlite::Connection::open(&newer).unwrap();
    c.execute_batch("CREATE TABLE pagecost_schema (version INTEGER NOT NULL); INSERT INTO pagecost_schema VALUES (99);").unwrap();
    drop(c);
    let before = std::fs::read(&newer).unwrap();
    let db = newer.to_str().unwrap();
    for args in [
        vec!["audit", DEMO, "--save", "--db", db, "-q"],
        vec!["history", "--db", db],
        vec!["history", "--db", db, "--prune", "1d"],
    ] {
        let (code, _, err) = pagecost(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("newer pagecost (schema 99"), "{args:?}: {err}");
        assert_eq!(
            std::fs::read(&newer).unwrap(),
            before,
            "{args:?} changed it"
        );
        assert_eq!(files_in(dir.path()), ["newer.sqlite"], "{args:?}");
    }
}

/// A database an earlier pagecost left in WAL mode is converted to a rollback journal by the
/// next save (so its readers need no write access), and keeps what it held.
#[test]
fn a_database_left_in_wal_mode_is_converted_by_the_next_save() {
    let (_dir, db) = temp_db();
    ok(&["audit", DEMO, "--save", "--db", &db, "-q"]);
    let c = rusqlite::Connection::open(&db).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(c);
    let header = || std::fs::read(&db).unwrap()[18..20].to_vec();
    assert_eq!(header(), [2, 2], "WAL, as an earlier pagecost left it");
    ok(&["audit", DEMO, "--save", "--db", &db, "-q"]);
    assert_eq!(header(), [1, 1], "a rollback journal");
    assert_eq!(runs(&db, &[]).len(), 2);
}

/// A label key given twice is refused (which value was meant?), and a huge label is quoted
/// in part, with its length, not echoed whole.
#[test]
fn a_label_given_twice_or_huge_is_refused_in_one_short_line() {
    let (_dir, db) = temp_db();
    let (code, _, err) = pagecost(&["history", "--db", &db, "--label", "pr=1", "--label", "pr=2"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "pagecost: --label: pr=2: the key pr is given twice (first pr=1): give it once\n"
    );
    let huge = format!("k={}", "x".repeat(120_000));
    let (code, _, err) = pagecost(&["audit", DEMO, "--save", "--db", &db, "--label", &huge, "-q"]);
    assert_eq!(code, 2);
    assert!(err.len() < 300, "{} bytes", err.len());
    assert!(
        err.contains("… (120002 characters): the value is longer than 256 characters"),
        "{err}"
    );
}

/// A trace read beside a HAR (a renderer main thread whose tasks give the ad tag 120 ms).
fn har_trace(dir: &std::path::Path) -> String {
    let ev = |name: &str, ts: f64, dur: f64, url: Option<&str>| {
        serde_json::json!({"name": name, "ph": "X", "pid": 5, "tid": 9, "ts": ts * 1000.0,
            "dur": dur * 1000.0,
            "args": {"data": url.map_or(Value::Null, |u| serde_json::json!({"url": u}))}})
    };
    let trace = serde_json::json!([
        {"name": "thread_name", "ph": "M", "pid": 5, "tid": 9, "ts": 0, "args": {"name": "CrRendererMain"}},
        ev("RunTask", 10.0, 121.0, None),
        ev("EvaluateScript", 10.5, 120.0, Some("https://ads.example/tag.js")),
    ]);
    let path = dir.join("trace.json");
    std::fs::write(&path, trace.to_string()).unwrap();
    path.display().to_string()
}

/// Main-thread time per party and entity is saved with each run and read back, and its
/// trend is shown; a run with no trace has none (not zeros).
fn main_thread_by_party(db: &str) {
    let dir = tempfile::tempdir().unwrap();
    let trace = har_trace(dir.path());
    let har = "fixtures/har/chrome.har";
    ok(&["audit", har, "--trace", &trace, "--save", "--db", db, "-q"]);
    ok(&["audit", har, "--save", "--db", db, "-q"]);
    let stored = runs(db, &[]);
    assert_eq!(stored.len(), 2);
    let traced = &stored[0]["main_thread_by_party"];
    assert_eq!(traced["third"]["main_thread_ms"], 120.0, "{traced:#}");
    // The task's 71 ms past 50, shared by time: the tag ran 120 of its 121 ms.
    let blocking = traced["third"]["blocking_ms"].as_f64().unwrap();
    assert!((blocking - 71.0 * 120.0 / 121.0).abs() < 0.01, "{traced:#}");
    assert!(traced["browser"]["blocking_ms"].is_null(), "{traced:#}");
    let entities = stored[0]["main_thread_by_entity"].as_object().unwrap();
    assert_eq!(entities.len(), 1, "{entities:#?}");
    assert_eq!(entities.values().next().unwrap()["main_thread_ms"], 120.0);
    assert!(stored[1]["main_thread_by_party"]
        .as_object()
        .unwrap()
        .is_empty());
    let table = ok(&["history", "--db", db]);
    assert!(table.contains("main thread, third party"), "{table}");
}

#[test]
fn sqlite_keeps_main_thread_time_by_party_and_entity() {
    let (_dir, db) = temp_db();
    main_thread_by_party(&db);
}

#[test]
fn postgres_keeps_main_thread_time_by_party_and_entity() {
    let Some(pg) = support::postgres::start() else {
        return;
    };
    main_thread_by_party(&pg.url);
}
