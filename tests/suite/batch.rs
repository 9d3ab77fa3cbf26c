//! Many pages in one run: JSON lines, shards that partition the list, merge, failures kept.

use crate::support;

use support::{pagecost, Route, TestServer};

#[test]
fn a_batch_writes_one_line_per_page_and_shards_partition_it() {
    let servers: Vec<TestServer> = (0..5)
        .map(|i| {
            TestServer::start(vec![
                ("/", Route::html(&format!("<img src=/a.png>{i}"))),
                ("/a.png", Route::ok("image/png", vec![1u8; 100 * (i + 1)])),
            ])
        })
        .collect();
    let closed = support::closed_port();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls.txt");
    let mut text = String::from("# the site's pages\n");
    for s in &servers {
        text.push_str(&format!("{}\n", s.url("/")));
    }
    text.push_str(&format!("http://{closed}/\n"));
    std::fs::write(&list, text).unwrap();
    let list = list.to_str().unwrap();

    let (code, out, err) = pagecost(&[
        "audit",
        "--input-file",
        list,
        "--format",
        "jsonl",
        "--jobs",
        "3",
    ]);
    assert_eq!(
        code, 2,
        "a page that cannot be audited makes the exit 2, after the report"
    );
    assert!(err.contains("1 of 6 pages could not be audited"), "{err}");
    assert!(
        !err.contains("pages done"),
        "no progress bar off a terminal"
    );
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    for (i, l) in lines.iter().take(5).enumerate() {
        assert_eq!(l["load"]["totals"]["requests"], 2);
        assert_eq!(l["target"], servers[i].url("/"), "in the list's order");
    }
    assert!(lines[5]["error"].as_str().unwrap().contains("connect"));

    let mut parts = vec![];
    for k in 1..=3 {
        let f = dir.path().join(format!("shard{k}.jsonl"));
        let (_, out, _) = pagecost(&[
            "audit",
            "--input-file",
            list,
            "--format",
            "jsonl",
            "--shard",
            &format!("{k}/3"),
        ]);
        std::fs::write(&f, &out).unwrap();
        parts.push(f.to_str().unwrap().to_string());
    }
    let mut args = vec!["merge", "--format", "jsonl"];
    args.extend(parts.iter().map(String::as_str));
    let (code, merged, _) = pagecost(&args);
    assert_eq!(code, 0);
    let targets: Vec<String> = merged
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["target"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let want: Vec<String> = lines
        .iter()
        .map(|l| l["target"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        targets, want,
        "the shards together are the whole list, each page once, in the list's order"
    );
    // The same shard given twice (or a file named twice) lists its pages once.
    let mut again = args.clone();
    again.push(parts[0].as_str());
    let (code, twice, _) = pagecost(&again);
    assert_eq!((code, twice.lines().count()), (0, 6), "{twice}");
    let mut table_args = vec!["merge"];
    table_args.extend(parts.iter().map(String::as_str));
    let (_, table, _) = pagecost(&table_args);
    assert!(
        table.contains("6 pages (5 audited): 10 requests"),
        "{table}"
    );
}

#[test]
fn robots_txt_redirects_are_followed_and_a_5xx_means_crawl_nothing_as_rfc_9309_says() {
    let site = |robots: Route| {
        TestServer::start(vec![
            ("/", Route::html("<a href=/a>a</a><a href=/private/p>p</a>")),
            ("/a", Route::html("a")),
            ("/private/p", Route::html("p")),
            ("/robots.txt", robots),
            (
                "/moved-robots.txt",
                Route::ok("text/plain", "User-agent: *\nDisallow: /private/\n"),
            ),
        ])
    };
    let targets = |out: &str| out.lines().count();
    let s = site(Route::redirect(301, "/moved-robots.txt"));
    let (code, out, err) = pagecost(&["audit", &s.url("/"), "--crawl", "1", "--format", "jsonl"]);
    assert_eq!(
        (code, targets(&out)),
        (0, 2),
        "the redirected robots.txt keeps /private/ out: {err}"
    );
    let s = site(Route::status(503));
    let (code, out, err) = pagecost(&["audit", &s.url("/"), "--crawl", "1", "--format", "jsonl"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("robots.txt answered 503") && err.contains("--ignore-robots"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let (code, out, _) = pagecost(&[
        "audit",
        &s.url("/"),
        "--crawl",
        "1",
        "--ignore-robots",
        "--format",
        "jsonl",
    ]);
    assert_eq!((code, targets(&out)), (0, 3));
    // A 404 means there are no rules.
    let s = site(Route::status(404));
    let (code, out, _) = pagecost(&["audit", &s.url("/"), "--crawl", "1", "--format", "jsonl"]);
    assert_eq!((code, targets(&out)), (0, 3));
}

#[test]
fn crawl_follows_same_site_links_to_the_depth_honours_robots_and_caps_pages() {
    let s = TestServer::start(vec![
        ("/", Route::html("<a href=/a>a</a><a href=/b#x>b</a><a href=https://elsewhere.test/>out</a><a href=/private/p>p</a>")),
        ("/a", Route::html("<a href=/a/deeper>deeper</a><a href=/>home</a>")),
        ("/b", Route::html("<a href=/b>self</a><img src=/i.png>")),
        ("/a/deeper", Route::html("<a href=/a/deepest>x</a>")),
        ("/private/p", Route::html("secret")),
        ("/robots.txt", Route::ok("text/plain", "User-agent: *\nDisallow: /private/\n")),
        ("/i.png", Route::ok("image/png", vec![0u8; 10])),
    ]);
    let (code, out, err) = pagecost(&["audit", &s.url("/"), "--crawl", "1", "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    let targets: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["target"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        targets,
        [s.url("/"), s.url("/a"), s.url("/b")],
        "depth 1, robots.txt honoured, other sites left out, fragments dropped"
    );
    let (_, out, _) = pagecost(&[
        "audit",
        &s.url("/"),
        "--crawl",
        "2",
        "--ignore-robots",
        "--format",
        "jsonl",
    ]);
    assert_eq!(
        out.lines().count(),
        5,
        "depth 2 without robots.txt: /, /a, /b, /private/p, /a/deeper"
    );
    let (_, out, _) = pagecost(&[
        "audit",
        &s.url("/"),
        "--crawl",
        "5",
        "--max-pages",
        "2",
        "--format",
        "jsonl",
    ]);
    assert_eq!(out.lines().count(), 2);
}

/// On a terminal, a batch draws its progress (pages done, failed, the last page, the time
/// left) on stderr, and clears it before the report. Run under a pseudo-terminal by
/// script(1) from util-linux (installed by .ci/run).
#[cfg(target_os = "linux")]
#[test]
fn a_batch_on_a_terminal_shows_its_progress() {
    let server = TestServer::start(vec![
        (
            "/",
            Route::html("<img src=/a.png>").delayed(std::time::Duration::from_millis(150)),
        ),
        ("/a.png", Route::ok("image/png", vec![1u8; 10])),
    ]);
    let closed = support::closed_port();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls.txt");
    let mut text = format!("http://{closed}/\n");
    for i in 0..6 {
        text.push_str(&format!("{}?p={i}\n", server.url("/")));
    }
    std::fs::write(&list, text).unwrap();
    let report = dir.path().join("out.jsonl");
    let bin = assert_cmd::cargo::cargo_bin("pagecost");
    let cmd = format!(
        "{} audit --input-file {} --jobs 2 --format jsonl -o {}",
        bin.display(),
        list.display(),
        report.display()
    );
    let tty = support::on_a_terminal(&cmd);
    assert!(tty.contains("pages done"), "progress drawn: {tty:?}");
    assert!(tty.contains("1 failed"), "the failed page counted: {tty:?}");
    assert!(
        tty.contains("2 in flight"),
        "pages in flight shown: {tty:?}"
    );
    assert!(tty.contains("eta"), "time left shown: {tty:?}");
    let lines = std::fs::read_to_string(&report).unwrap();
    assert_eq!(lines.lines().count(), 7, "the report is complete");
    assert!(
        !lines.contains("pages done"),
        "the bar goes to the terminal, not into the report"
    );
}

/// `--crawl` from a folder serves it for the crawl and the batch: the README's example.
#[test]
fn a_folder_is_crawled_through_its_loopback_server() {
    let site = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site");
    let (code, out, err) = pagecost(&["audit", site, "--crawl", "2", "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("crawled 4 pages"), "{err}");
    let mut pages: Vec<String> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert!(v["load"]["totals"]["requests"].as_u64().unwrap() >= 3);
            let u = url::Url::parse(v["target"].as_str().unwrap()).unwrap();
            u.path().to_string()
        })
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "/",
            "/about.html",
            "/blog/first-frost.html",
            "/blog/river-walk.html"
        ],
        "robots.txt keeps /drafts/ out, other sites are not followed"
    );
}

/// The summary tells a page answered with an error status from one that is fine.
#[test]
fn the_summary_flags_a_page_whose_document_is_an_error() {
    let s = TestServer::start(vec![
        ("/", Route::html("<p>home</p>")),
        ("/gone", Route::status(404)),
    ]);
    let (code, out, err) = pagecost(&["audit", &s.url("/"), &s.url("/gone")]);
    assert_eq!(code, 0, "both pages were audited: {err}");
    let line = |path: &str| {
        out.lines()
            .find(|l| l.contains(&format!("{} ", s.url(path))))
            .unwrap_or_else(|| panic!("{path} in {out}"))
            .to_string()
    };
    assert!(line("/gone").contains("document HTTP 404"), "{out}");
    assert!(line("/").trim_end().ends_with("ok"), "{out}");
}

/// A list saved by a Windows editor starts with a byte order mark: it is not part of the
/// first URL. A target with an invisible character is named with it escaped.
#[test]
fn a_list_with_a_byte_order_mark_reads_its_first_url() {
    let s = TestServer::start(vec![("/", Route::html("<p>hi"))]);
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls.txt");
    std::fs::write(
        &list,
        format!("\u{feff}{}\n\u{200b}missing.html\n", s.url("/")),
    )
    .unwrap();
    let (code, out, err) = pagecost(&[
        "audit",
        "--input-file",
        list.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    assert_eq!(code, 2, "the second line is bad: {err}");
    let pages: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(pages[0]["target"], s.url("/"));
    assert!(pages[0]["load"].is_object(), "{}", pages[0]);
    let e = pages[1]["error"].as_str().unwrap();
    assert!(
        e.contains("\\u{200b}"),
        "the invisible character is shown: {e}"
    );
}

#[test]
fn a_batch_starts_its_pages_in_the_lists_order() {
    let routes: Vec<(String, Route)> = (0..16)
        .map(|i| (format!("/p{i}"), Route::html(&format!("page {i}"))))
        .collect();
    let server = TestServer::start(
        routes
            .iter()
            .map(|(p, r)| (p.as_str(), r.clone()))
            .collect(),
    );
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls.txt");
    let urls: Vec<String> = routes.iter().map(|(p, _)| server.url(p)).collect();
    std::fs::write(&list, urls.join("\n")).unwrap();
    let (code, _, err) = pagecost(&[
        "audit",
        "--input-file",
        list.to_str().unwrap(),
        "--format",
        "jsonl",
        "--jobs",
        "1",
    ]);
    assert_eq!(code, 0, "{err}");
    let documents: Vec<String> = server
        .paths()
        .into_iter()
        .filter(|p| p.starts_with("/p"))
        .collect();
    let expected: Vec<String> = routes.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(
        documents, expected,
        "one page at a time, each after the one before it in the list"
    );
}

/// Lists as editors write them: lines ended by a lone CR (old Mac editors), a `# comment`
/// after a URL, UTF-16 with its byte order mark (Notepad, PowerShell's `>`): each reads as
/// its URLs, and a URL's own `#fragment` is kept.
#[test]
fn lists_with_cr_line_ends_trailing_comments_or_utf16_read_each_url() {
    let s = TestServer::start(vec![
        ("/a", Route::html("<p>a")),
        ("/b", Route::html("<p>b")),
    ]);
    let (a, b) = (s.url("/a"), format!("{}#top", s.url("/b")));
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{a}\t# the home page\r# a comment line\r{b} # with a fragment\r");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        text.replace('\r', "\r\n")
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    for (name, bytes) in [("cr.txt", text.into_bytes()), ("utf16.txt", utf16)] {
        let list = dir.path().join(name);
        std::fs::write(&list, bytes).unwrap();
        let list = list.to_str().unwrap();
        let (code, out, err) = pagecost(&["audit", "--input-file", list, "--format", "jsonl"]);
        assert_eq!(code, 0, "{name}: {err}");
        let targets: Vec<String> = (out.lines())
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["target"].to_string())
            .collect();
        assert_eq!(targets, [format!("{a:?}"), format!("{b:?}")], "{name}");
    }
}

/// A list with no page (blank lines and comments only) is an input error, exit 2, also
/// with budgets: nothing audited is not a pass.
#[test]
fn a_list_of_no_page_is_an_error_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, "# nothing yet\n\n   \n").unwrap();
    let list = list.to_str().unwrap();
    for extra in [
        &[][..],
        &["--budget", "fixtures/budgets/lighthouse-ci.json"][..],
    ] {
        let args = [&["audit", "--input-file", list][..], extra].concat();
        let (code, out, err) = pagecost(&args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert_eq!(
            err.trim(),
            format!("pagecost: {list}: lists no page (every line is blank or a # comment)")
        );
    }
}
