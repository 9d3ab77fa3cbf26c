//! Where `--savings` spends its CPU: bodies are measured on blocking threads, at most one a
//! core at a time (so memory stays that of a few decoded images, whatever the page holds),
//! and each result is kept by the body's content hash, so that a batch of pages sharing a
//! logo, or the runs of a comparison, measure each body once per process.

use super::{Compressed, Recoded};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex};
use tokio::sync::Semaphore;

/// What a body is measured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Probe {
    /// Text sent uncompressed: compressed.
    Text,
    /// An image: re-encoded.
    Image,
}

/// A body's measure.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// Its compressed sizes.
    Text(Compressed),
    /// Its re-encodings.
    Image(Recoded),
}

/// Results kept, at most (a result is a few hundred bytes).
const CACHE_ENTRIES: usize = 16_384;

/// One permit a core.
static CORES: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let n = std::thread::available_parallelism().map_or(2, |n| n.get());
    Arc::new(Semaphore::new(n))
});

type Key = (u64, usize, Probe, Vec<u8>, Option<[u32; 2]>);

static CACHE: LazyLock<Mutex<HashMap<Key, Measure>>> = LazyLock::new(Default::default);

/// How many bodies were measured and how many were answered from the cache, in this process.
static COUNTS: Mutex<(u64, u64)> = Mutex::new((0, 0));

fn key(body: &[u8], probe: Probe, how: &How) -> Key {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    (
        h.finish(),
        body.len(),
        probe,
        how.qualities.clone(),
        how.shown,
    )
}

/// How an image is measured: the JPEG qualities asked, the size the page shows it at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct How {
    /// `--quality`.
    pub qualities: Vec<u8>,
    /// Device pixels, when known.
    pub shown: Option<[u32; 2]>,
}

/// Measures a body: from the cache when this process measured the same bytes the same way,
/// else on a blocking thread once a core is free.
pub async fn measure(probe: Probe, body: Vec<u8>, how: How) -> Option<Measure> {
    let k = key(&body, probe, &how);
    if let Some(m) = CACHE.lock().ok()?.get(&k).cloned() {
        COUNTS.lock().ok()?.1 += 1;
        return Some(m);
    }
    let _permit = Arc::clone(&CORES).acquire_owned().await.ok()?;
    let m = tokio::task::spawn_blocking(move || match probe {
        Probe::Text => Measure::Text(Compressed::of(&body)),
        Probe::Image => Measure::Image(super::recode(&body, &how.qualities, how.shown)),
    })
    .await
    .ok()?;
    let mut cache = CACHE.lock().ok()?;
    if cache.len() >= CACHE_ENTRIES {
        cache.clear();
    }
    cache.insert(k, m.clone());
    COUNTS.lock().ok()?.0 += 1;
    Some(m)
}

/// (bodies measured, bodies answered from the cache) in this process.
pub fn counts() -> (u64, u64) {
    COUNTS.lock().map_or((0, 0), |c| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_same_bytes_are_measured_once() {
        let body = b"body { color: red }\n".repeat(500);
        let (m0, c0) = counts();
        let a = measure(Probe::Text, body.clone(), How::default())
            .await
            .unwrap();
        let b = measure(Probe::Text, body, How::default()).await.unwrap();
        assert_eq!(a, b);
        let (m1, c1) = counts();
        // Other tests may measure at the same time: at least this one's pair is counted.
        assert!(m1 > m0 && c1 > c0, "{m0} {c0} -> {m1} {c1}");
    }
}
