//! Values as people write them: durations (`500ms`, `2m`), sizes (`500KB`, `1MiB`),
//! viewports (`1350x940`) and shards (`2/5`). Errors say what was expected, without naming
//! where the value came from (a flag, a budget file, an Action input).

use std::time::Duration;

/// `K/N` with 1 <= K <= N.
///
/// ```
/// assert_eq!(pagecost::config::units::parse_shard("2/5"), Ok((2, 5)));
/// assert!(pagecost::config::units::parse_shard("6/5").unwrap_err().contains("1 <= K <= N"));
/// ```
pub fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("'{s}' is not K/N"))?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| format!("bad K in '{s}'"))?,
        n.trim().parse().map_err(|_| format!("bad N in '{s}'"))?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(format!("'{s}': need 1 <= K <= N"));
    }
    Ok((k, n))
}

/// `30`, `30s`, `500ms`, `2m`, `1.5s`.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(pagecost::config::units::parse_duration("500ms"), Ok(Duration::from_millis(500)));
/// assert_eq!(pagecost::config::units::parse_duration("2m"), Ok(Duration::from_secs(120)));
/// assert!(pagecost::config::units::parse_duration("0s").is_err());
/// ```
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(
        s.find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len()),
    );
    let v: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (e.g. 30s, 500ms, 2m)"))?;
    let secs = match unit.trim() {
        "" | "s" => v,
        "ms" => v / 1000.0,
        "m" | "min" => v * 60.0,
        "h" => v * 3600.0,
        "d" => v * 86_400.0,
        "w" => v * 604_800.0,
        u => {
            return Err(format!(
                "unknown unit '{u}' in '{s}' (use ms, s, m, h, d or w)"
            ))
        }
    };
    if !(secs > 0.0 && secs.is_finite()) {
        return Err(format!("'{s}' must be more than zero"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A moment as a user gives it for a history filter: an age back from `now_unix_ms`
/// (`90d`, `12h`, `2w`) or a UTC date (`2026-11-01`); Unix milliseconds.
///
/// ```
/// let now = 1_796_024_400_000; // 2026-11-30 07:40 UTC
/// assert_eq!(pagecost::config::units::parse_instant("1d", now), Ok(now - 86_400_000));
/// assert_eq!(pagecost::config::units::parse_instant("2026-11-30", now), Ok(1_795_996_800_000));
/// assert!(pagecost::config::units::parse_instant("2026-13-01", now).is_err());
/// ```
pub fn parse_instant(s: &str, now_unix_ms: u64) -> Result<u64, String> {
    let t = s.trim();
    let date: Vec<&str> = t.split('-').collect();
    if let [y, m, d] = date[..] {
        let n = |x: &str, lo: i64, hi: i64| x.parse::<i64>().ok().filter(|v| (lo..=hi).contains(v));
        return match (n(y, 1970, 9999), n(m, 1, 12), n(d, 1, 31)) {
            (Some(y), Some(m), Some(d)) => {
                Ok(crate::model::dates::days_from_civil(y, m, d) as u64 * 86_400_000)
            }
            _ => Err(format!("'{t}' is not a date (YYYY-MM-DD)")),
        };
    }
    let age = parse_duration(t).map_err(|e| format!("{e}; or a date, YYYY-MM-DD"))?;
    Ok(now_unix_ms.saturating_sub(age.as_millis() as u64))
}

/// [`parse_instant`] from now.
pub fn parse_since(s: &str) -> Result<u64, String> {
    parse_instant(s, crate::model::dates::now_unix_ms())
}

/// `500000`, `500KB`, `500kB`, `2MB`, `1MiB`, `1GB`.
///
/// ```
/// assert_eq!(pagecost::config::units::parse_size("500KB"), Ok(500_000));
/// assert_eq!(pagecost::config::units::parse_size("1MiB"), Ok(1_048_576));
/// ```
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, unit) = t.split_at(
        t.find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len()),
    );
    let v: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a size (e.g. 500KB, 2MB)"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        u => {
            return Err(format!(
                "unknown unit '{u}' in '{s}' (use B, KB, MB, GB, KiB, MiB, GiB)"
            ))
        }
    };
    Ok((v * mult).round() as u64)
}

/// `1350x940`.
pub fn parse_viewport(s: &str) -> Result<(f64, f64), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("'{s}' is not WIDTHxHEIGHT"))?;
    let w: f64 = w
        .trim()
        .parse()
        .map_err(|_| format!("bad width in '{s}'"))?;
    let h: f64 = h
        .trim()
        .parse()
        .map_err(|_| format!("bad height in '{s}'"))?;
    if !(w >= 1.0 && h >= 1.0) {
        return Err(format!("'{s}': width and height must be at least 1"));
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_sizes_and_viewports_parse_with_units() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert_eq!(parse_size("500KB").unwrap(), 500_000);
        assert_eq!(parse_size("1MiB").unwrap(), 1_048_576);
        assert!(parse_size("lots").is_err());
        assert_eq!(parse_viewport("412x823").unwrap(), (412.0, 823.0));
        assert!(parse_viewport("412").is_err());
    }
}
