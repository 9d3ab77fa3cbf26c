//! What the user points the tool at: a URL, a local HTML file or folder, or a HAR; and
//! [`prepare`], which makes a local one loadable (served on a loopback port).

use crate::config::AuditConfig;
use crate::error::{Error, Result};
use crate::events::EventSink;
use crate::extract::Viewport;
use crate::model::Load;
use std::path::{Path, PathBuf};
use url::Url;

/// A target as it can be shown in a message: invisible characters (a byte order mark, a
/// zero-width space, control characters) escaped, so the reader sees what is wrong.
fn visible(s: &str) -> String {
    let invisible = |c: char| c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{feff}');
    if s.chars().any(invisible) {
        s.escape_debug().to_string()
    } else {
        s.to_string()
    }
}

/// An audit target.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// An http or https URL.
    Url(Url),
    /// A local file (its folder is served on a loopback port, the file is the page).
    File {
        /// The folder served.
        root: PathBuf,
        /// The page, relative to `root`.
        page: String,
    },
    /// A local folder (its `index.html` is the page).
    Dir(PathBuf),
    /// A browser's HAR export: a load recorded elsewhere.
    Har {
        /// The file.
        path: PathBuf,
        /// Which page of the HAR (1-based); `None` for the first.
        page: Option<usize>,
        /// The same load's trace, read for its main-thread time (`--trace`).
        trace: Option<PathBuf>,
    },
}

impl Target {
    /// Reads a target as given on the command line.
    pub fn parse(s: &str) -> Result<Target> {
        let invalid = |reason: &str| Error::InvalidTarget {
            target: visible(s),
            reason: reason.to_string(),
        };
        if s.trim().is_empty() {
            return Err(invalid("empty target"));
        }
        if s.starts_with("file:") {
            // `file:///p`, `file://localhost/p`, percent-escapes decoded, as browsers read it.
            let url = Url::parse(s).map_err(|e| invalid(&format!("not a valid URL: {e}")))?;
            let path = url.to_file_path().map_err(|()| {
                invalid("a file: URL names a file on this machine (file:///path or file://localhost/path)")
            })?;
            return Target::from_path(s, &path);
        }
        if s.contains("://") {
            let url = Url::parse(s).map_err(|e| invalid(&format!("not a valid URL: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(Error::UnsupportedScheme {
                    target: s.to_string(),
                    scheme: url.scheme().to_string(),
                });
            }
            if url.host_str().is_none_or(str::is_empty) {
                return Err(invalid("URL has no host"));
            }
            return Ok(Target::Url(url));
        }
        let path = Path::new(s);
        if path.exists() {
            return Target::from_path(s, path);
        }
        let first = s.split('/').next().unwrap_or("");
        let page_like = [".html", ".htm", ".har"]
            .iter()
            .any(|ext| first.ends_with(ext));
        if !s.starts_with(['.', '/']) && first.contains('.') && !page_like {
            return Err(invalid(&format!(
                "no such file or folder; for a web page write the URL, e.g. https://{s}"
            )));
        }
        Err(invalid("no such file or folder"))
    }

    fn from_path(target: &str, path: &Path) -> Result<Target> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            let index = path.join("index.html");
            if !index.is_file() {
                return Err(Error::InvalidTarget {
                    target: target.to_string(),
                    reason: "folder has no index.html".to_string(),
                });
            }
            return Ok(Target::Dir(path.to_path_buf()));
        }
        // Readable? Fail now with the file named, not later with a 404.
        std::fs::File::open(path).map_err(io)?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("har"))
        {
            return Ok(Target::Har {
                path: path.to_path_buf(),
                page: None,
                trace: None,
            });
        }
        let root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let page = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Target::File { root, page })
    }
}

/// A target ready to load: its URL, and for local files the loopback server behind it.
pub struct Prepared {
    /// The URL to load.
    pub url: Url,
    server: Option<crate::net::serve::LocalServer>,
    /// A single local page (not a folder): a browser is served only what it references.
    single_page: bool,
    note: Option<String>,
    local: Option<crate::model::LocalSource>,
    /// Folders served as other hosts (`--serve-also`), and where requests to them go.
    also: Vec<(crate::net::serve::LocalServer, crate::config::ConnectTo)>,
    /// The key the folder servers ask for, when they do ([`Prepared::require_key`]).
    key: Option<crate::config::LocalKey>,
}

impl Prepared {
    /// Loads the page once with the static engine.
    pub async fn load(
        &self,
        cfg: &AuditConfig,
        vp: &Viewport,
        events: &dyn EventSink,
    ) -> Result<Load> {
        let mut load = crate::load::load(&self.url, &self.config(cfg), vp, events).await?;
        self.annotate(&mut load);
        Ok(load)
    }

    /// The settings with the folders served as other hosts.
    pub fn config(&self, cfg: &AuditConfig) -> AuditConfig {
        let mut cfg = cfg.clone();
        cfg.connect_to
            .extend(self.also.iter().map(|(_, c)| c.clone()));
        if let Some(key) = &self.key {
            cfg.local_key = Some(key.clone());
        }
        cfg
    }

    /// From now on the folder servers (the page's and `--serve-also`'s) answer only requests
    /// that carry a random key, which [`Prepared::config`] gives the static engine: another
    /// user of the machine cannot read the folder through the port while the audit runs (as
    /// root, `audit /etc/passwd` served /etc to anyone). Nothing to do for a URL.
    pub fn require_key(&mut self) -> Result<()> {
        if self.server.is_none() && self.also.is_empty() {
            return Ok(());
        }
        let key = crate::net::serve::random_key()
            .map_err(|e| Error::Client(format!("cannot make a random key: {e}")))?;
        let mut origins = Vec::new();
        if let Some(s) = &self.server {
            s.require_key(&key);
            origins.push(self.url.origin());
        }
        for (s, to) in &self.also {
            s.require_key(&key);
            if let Ok(u) = Url::parse(&format!("http://{}/", to.host)) {
                origins.push(u.origin());
            }
        }
        self.key = Some(crate::config::LocalKey { origins, key });
        Ok(())
    }

    /// Before a browser loads a single local page (a file, not a folder): narrows its
    /// server to the page and what the page references, as the static engine finds them
    /// with these settings, so that the page's scripts cannot read the other files of its
    /// folder (a browser opening the file from disk could not). Says so in a note; `None`
    /// for other targets.
    pub async fn confine_to_references(&self, cfg: &AuditConfig, vp: &Viewport) -> Option<String> {
        let server = self.server.as_ref().filter(|_| self.single_page)?;
        server.serve_only(None);
        let quick = AuditConfig {
            throttle: None,
            cancel: None,
            ..self.config(cfg)
        };
        let origin = self.url.origin();
        let found = crate::load::load(&self.url, &quick, vp, &crate::events::NoEvents).await;
        let mut paths: Vec<String> = (found.iter().flat_map(|l| &l.entries))
            .filter_map(|e| Url::parse(&e.url).ok())
            .filter(|u| u.origin() == origin)
            .map(|u| u.path().to_string())
            .collect();
        paths.push(self.url.path().to_string());
        paths.sort();
        paths.dedup();
        let n = paths.len() - 1;
        server.serve_only(Some(paths));
        Some(format!(
            "the browser was served only this page and the {n} local file{} it references; \
             other files of its folder were not: audit the folder to serve it whole",
            if n == 1 { "" } else { "s" }
        ))
    }

    /// Notes where a local page was served, and the folder behind it.
    pub fn annotate(&self, load: &mut Load) {
        if let Some(n) = &self.note {
            load.notes.insert(0, n.clone());
        }
        load.local = self.local.clone();
    }
}

/// Makes a target loadable: a local file or folder is served on a loopback port for as long
/// as the returned value lives.
pub async fn prepare(target: &Target) -> Result<Prepared> {
    let (root, page) = match target {
        Target::Url(url) => {
            return Ok(Prepared {
                url: url.clone(),
                server: None,
                single_page: false,
                note: None,
                local: None,
                also: Vec::new(),
                key: None,
            });
        }
        Target::File { root, page } => (root, page.as_str()),
        Target::Dir(root) => (root, ""),
        Target::Har { path, .. } => {
            return Err(Error::InvalidTarget {
                target: path.display().to_string(),
                reason: "a HAR is a recorded load; it cannot be loaded again".into(),
            })
        }
    };
    let server = crate::net::serve::serve_dir(root).await?;
    let mut url = Url::parse(&format!("http://{}/", server.addr())).expect("loopback URL is valid");
    url.path_segments_mut()
        .expect("http URL has a path")
        .pop_if_empty()
        .push(page);
    let note = Some(format!(
        "served from {} at {} (dotfiles are never served)",
        root.display(),
        url
    ));
    let local = Some(crate::model::LocalSource {
        origin: format!("http://{}", server.addr()),
        root: root.display().to_string(),
    });
    Ok(Prepared {
        url,
        server: Some(server),
        single_page: matches!(target, Target::File { .. }),
        note,
        local,
        also: Vec::new(),
        key: None,
    })
}

/// Serves more folders as other hosts for a prepared target: requests to `http://HOST/` go
/// to a loopback server of DIR (`--serve-also HOST=DIR`), e.g. a page's ads on the ad
/// network's own host name, all on this machine.
pub async fn serve_also(p: &mut Prepared, also: &[(String, PathBuf)]) -> Result<()> {
    for (host, dir) in also {
        let server = crate::net::serve::serve_dir(dir).await?;
        server.answer_as(host);
        let to = crate::config::ConnectTo {
            host: host.to_ascii_lowercase(),
            port: 80,
            to: server.addr(),
        };
        let before = p.note.clone().map(|n| format!("{n}; ")).unwrap_or_default();
        p.note = Some(format!(
            "{before}{} served as http://{host}/",
            dir.display()
        ));
        p.also.push((server, to));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths_are_told_apart_with_clear_errors() {
        assert!(matches!(
            Target::parse("https://example.org/"),
            Ok(Target::Url(_))
        ));
        let e = Target::parse("ftp://example.org/").unwrap_err().to_string();
        assert!(e.contains("unsupported scheme 'ftp'"), "{e}");
        let e = Target::parse("http://exa mple.org/")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a valid URL"), "{e}");
        let e = Target::parse("example.org").unwrap_err().to_string();
        assert!(e.contains("https://example.org"), "{e}");
        let e = Target::parse("no/such/page.html").unwrap_err().to_string();
        assert!(e.contains("no such file"), "{e}");
    }

    #[test]
    fn a_folder_needs_an_index() {
        let d = tempfile::tempdir().unwrap();
        let e = Target::parse(d.path().to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no index.html"), "{e}");
        std::fs::write(d.path().join("index.html"), "<p>hi").unwrap();
        assert!(matches!(
            Target::parse(d.path().to_str().unwrap()),
            Ok(Target::Dir(_))
        ));
        let f = d.path().join("index.html");
        assert!(matches!(
            Target::parse(f.to_str().unwrap()),
            Ok(Target::File { .. })
        ));
    }
}
