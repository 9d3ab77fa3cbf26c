//! A real PostgreSQL server for one test: `initdb` in a temporary folder (as the
//! `postgres` user when the tests run as root, which initdb refuses), listening on a free
//! loopback port, with a password for TCP logins; stopped (immediately) when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running server.
pub struct Server {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// `postgres://pagecost:secret@127.0.0.1:PORT/postgres`.
    pub url: String,
    /// The port it listens on.
    pub port: u16,
}

/// The password of the `pagecost` user.
pub const PASSWORD: &str = "s3cret-pw";

/// Where Debian keeps the server's programs (not on PATH): `/usr/lib/postgresql/N/bin`,
/// the newest; else PATH.
fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, p): &(u32, PathBuf)| p.join("initdb").exists())
        .collect();
    versions.sort();
    if let Some((_, p)) = versions.pop() {
        return Some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs a server program, as `postgres` when we are root.
fn run(bin: &Path, program: &str, args: &[&str]) -> std::process::Output {
    let exe = bin.join(program);
    let mut c = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    c.args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Starts a server, or says it is missing (a failure under CI).
pub fn start() -> Option<Server> {
    let Some(bin) = bin_dir() else {
        super::missing("PostgreSQL (initdb, pg_ctl: Debian's postgresql)");
        return None;
    };
    let dir = tempfile::Builder::new()
        .prefix("pagecost-pg")
        .tempdir()
        .unwrap();
    let data = dir.path().join("data");
    let pwfile = dir.path().join("pw");
    std::fs::write(&pwfile, PASSWORD).unwrap();
    if is_root() {
        let ids = Command::new("id")
            .args(["-u", "postgres"])
            .output()
            .unwrap();
        let gids = Command::new("id")
            .args(["-g", "postgres"])
            .output()
            .unwrap();
        let num = |o: &std::process::Output| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<u32>()
                .ok()
        };
        let (uid, gid) = (num(&ids), num(&gids));
        assert!(
            uid.is_some(),
            "running as root, the tests need the 'postgres' user"
        );
        for p in [dir.path(), pwfile.as_path()] {
            std::os::unix::fs::chown(p, uid, gid).unwrap();
        }
    }
    let d = data.to_str().unwrap();
    let out = run(
        &bin,
        "initdb",
        &[
            "-D",
            d,
            "-U",
            "pagecost",
            "--pwfile",
            pwfile.to_str().unwrap(),
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "--no-sync",
            "-E",
            "UTF8",
        ],
    );
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    let opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50",
        dir.path().display()
    );
    let log = dir.path().join("log");
    let out = run(
        &bin,
        "pg_ctl",
        &[
            "-D",
            d,
            "-l",
            log.to_str().unwrap(),
            "-o",
            &opts,
            "-w",
            "-t",
            "60",
            "start",
        ],
    );
    assert!(
        out.status.success(),
        "pg_ctl start: {} {}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    Some(Server {
        url: format!("postgres://pagecost:{PASSWORD}@127.0.0.1:{port}/postgres"),
        port,
        dir,
        bin,
    })
}

impl Server {
    /// Stops the server now (fast shutdown: clients are disconnected).
    pub fn stop(&self) {
        let d = self.dir.path().join("data");
        let _ = run(
            &self.bin,
            "pg_ctl",
            &["-D", d.to_str().unwrap(), "-m", "immediate", "-w", "stop"],
        );
    }

    /// A client for set-up and checks.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
