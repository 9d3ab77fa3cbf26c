//! Regression gates (`--fail-if`): parsed, and judged on a comparison.
//!
//! A gate asks one question, one-sided: is B worse than A by more than the threshold? Its
//! test is a Mann-Whitney test of B's values moved back by the threshold (divided by
//! `1 + N/100` for a percentage, less N for an amount) against A's: significant when B is
//! still larger. The same test the other way shows B within the threshold (an equivalence
//! decision). Several gates of one comparison hold their family-wise false-alarm rate at
//! alpha by Holm's step-down (Holm 1979, Scandinavian Journal of Statistics 6, 65-70).
//! Sizes and counts that are the same in every run of both sides need no test. With
//! `--runs auto` the gates are looked at after every round ([`Sequential`]): each look's
//! boundary comes from alpha spending ([`crate::verdict::sequential`]), and Holm's rule
//! passes a tripped gate's share of alpha on to the others as the graphical procedure of
//! Maurer and Bretz (2013, Statistics in Biopharmaceutical Research 5, 311-320) does in
//! group-sequential designs.

use crate::model::urls;
use crate::verdict::compare::{Comparison, CpuDiff, CpuScope, MetricDiff, MetricKey, Verdict};
use crate::verdict::metric::{Metric, Unit};
use crate::verdict::sequential::{boundaries_memo, Spending};
use crate::verdict::stats::{median, one_sided, u_scores};

/// How much worse B may be before a gate trips.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// Percent of A's median.
    Percent(f64),
    /// In the metric's unit (ms, bytes, requests).
    Absolute(f64),
}

/// A regression gate: `METRIC>+N%`, `METRIC>+N` with a unit (`ms`, `s`, `KB`, `MB`, `B`), or
/// a plain count. Metrics: `bytes` (transferred), `decoded`, `requests`, `ttfb`,
/// `fully_loaded` ...; main-thread and blocking time also per party, entity or tag:
/// `main_thread[third-party]>+50ms`, `blocking[entity:Google/Doubleclick Ads]>+0ms`,
/// `main_thread[tag:*.doubleclick.net]>+10%`. It fails only when B is worse than A by more
/// than the threshold and the difference is significant.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// The gate as written.
    pub text: String,
    /// The metric it watches.
    pub metric: Metric,
    /// Whose main-thread or blocking time (the page's as a whole when `None`).
    pub scope: Option<GateScope>,
    /// How much worse is allowed.
    pub threshold: Threshold,
}

/// Whose main-thread or blocking time a gate watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateScope {
    /// `first-party` or `third-party`.
    Party(&'static str),
    /// A third-party entity, by name.
    Entity(String),
    /// The third-party tags on hosts matching a pattern (each judged; the worst counts).
    Tag(String),
}

impl GateScope {
    /// `first-party`, `third-party`, `entity:NAME` or `tag:HOST-PATTERN`.
    fn parse(s: &str) -> Option<GateScope> {
        Some(match s {
            "first-party" => GateScope::Party("first party"),
            "third-party" => GateScope::Party("third party"),
            _ => match s.split_once(':')? {
                ("entity", name) if !name.is_empty() => GateScope::Entity(name.into()),
                ("tag", host) if !host.is_empty() => GateScope::Tag(host.into()),
                _ => return None,
            },
        })
    }

    /// Whether a main-thread row is this scope's.
    fn covers(&self, d: &CpuDiff) -> bool {
        match (self, d.scope) {
            (GateScope::Party(p), CpuScope::Party) => d.name == *p,
            (GateScope::Entity(e), CpuScope::Entity) => d.name == *e,
            (GateScope::Tag(pattern), CpuScope::Tag) => {
                urls::host(&d.name).is_some_and(|h| crate::model::party::host_matches(&h, pattern))
            }
            _ => false,
        }
    }
}

impl Gate {
    /// Parses a gate, naming what is wrong.
    ///
    /// ```
    /// use pagecost::verdict::gate::Gate;
    /// assert!(Gate::parse("bytes>+5%").is_ok());
    /// assert!(Gate::parse("fully_loaded>+200ms").is_ok());
    /// assert!(Gate::parse("bytes<5%").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Gate, String> {
        // Spaces go, but not inside a scope (an entity's name has them).
        let mut inside = false;
        let t: String = (s.chars())
            .filter(|c| {
                inside = (inside || *c == '[') && *c != ']';
                inside || *c != ' '
            })
            .collect();
        let (name, limit) = t
            .rsplit_once(">+")
            .or_else(|| t.rsplit_once('>'))
            .ok_or_else(|| {
                format!("{s}: expected METRIC>+LIMIT, e.g. bytes>+10% or fully_loaded>+200ms")
            })?;
        let (name, scope) = match name.split_once('[') {
            Some((m, sc)) => {
                let sc = sc.strip_suffix(']').unwrap_or(sc).trim();
                let scope = GateScope::parse(sc).ok_or_else(|| {
                    format!(
                        "{s}: unknown scope '{sc}' (use first-party, third-party, entity:NAME \
                         or tag:HOST)"
                    )
                })?;
                (m, Some(scope))
            }
            None => (name, None),
        };
        let metric = Metric::parse(name).ok_or_else(|| {
            format!(
                "{s}: unknown metric '{name}' (use bytes, decoded, requests, ttfb, fully_loaded)"
            )
        })?;
        if scope.is_some() && !matches!(metric, Metric::MainThread | Metric::MainThreadBlocking) {
            return Err(format!(
                "{s}: a scope goes with main_thread or blocking, not {}",
                metric.name()
            ));
        }
        let threshold = match limit.strip_suffix('%') {
            Some(p) => Threshold::Percent(
                p.parse()
                    .map_err(|_| format!("{s}: '{limit}' is not a percentage"))?,
            ),
            None => Threshold::Absolute(absolute(s, limit, metric)?),
        };
        Ok(Gate {
            text: s.to_string(),
            metric,
            scope,
            threshold,
        })
    }
}

/// A gate judged, the worse the later.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GateState {
    /// The comparison has no such metric.
    NotMeasured,
    /// B is shown not worse by more than the threshold (a significant test the other way,
    /// or sizes the same in every run).
    ShownWithin,
    /// B is not worse by more than the threshold, but that is not shown.
    Within,
    /// Over the threshold, but not significantly: passes.
    OverNotSignificant,
    /// `--runs auto` stopped when another gate tripped, before deciding this one.
    Stopped,
    /// `--runs auto` ran out of runs before deciding.
    Undecided,
    /// Significantly worse by more than the threshold: fails.
    Tripped,
}

/// The result of one gate.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct GateCheck {
    /// The gate as written.
    pub gate: String,
    /// What it found.
    pub state: GateState,
    /// The metric's verdict (its two-sided test, as the comparison's table shows it).
    #[serde(skip)]
    pub verdict: Option<Verdict>,
    /// Whether it fails the comparison.
    pub tripped: bool,
    /// One-sided p-value of "B is worse by more than the threshold" (`None`: no test, the
    /// values were the same in every run).
    pub p: Option<f64>,
    /// The level that p was held to: alpha shared out by Holm's rule.
    pub level: Option<f64>,
    /// With `--runs auto`: the runs per variant when it was decided.
    pub decided_at: Option<usize>,
}

/// What a comparison says about one gate: its worst row.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// B's median is over A's by more than the threshold.
    over: bool,
    /// No test: the values are the same in every run of both sides (sizes and counts).
    deterministic: bool,
    /// Standardised U of B moved back by the threshold against A, `(larger, smaller)`.
    z: Option<(f64, f64)>,
    /// A's values and B's moved back, for exact p-values when the runs are fixed.
    moved: [Vec<f64>; 2],
    /// The row's verdict.
    verdict: Option<Verdict>,
    /// Runs per variant (the fewer side's).
    runs: usize,
}

impl Evidence {
    /// What A's and B's values of a metric say about a gate on it; `None` when a side has
    /// none.
    pub fn of(gate: &Gate, a: &[f64], b: &[f64]) -> Option<Evidence> {
        let (ma, mb) = (median(a)?, median(b)?);
        let diff = mb - ma;
        let over = match gate.threshold {
            // Without a division: from a median of zero, any increase is over (blocking time
            // 0 -> 300 ms).
            Threshold::Percent(p) => diff * 100.0 > p * ma,
            Threshold::Absolute(x) => diff > x,
        };
        let constant = |v: &[f64]| v.iter().all(|x| *x == v[0]);
        let moved = gate.moved_back(b);
        Some(Evidence {
            over,
            deterministic: !gate.metric.is_timing() && constant(a) && constant(b),
            z: u_scores(&moved, a),
            moved: [a.to_vec(), moved],
            verdict: None,
            runs: a.len().min(b.len()),
        })
    }

    /// One-sided p-values `(over, within)`: exact for small samples without ties; `None`
    /// without a test.
    fn p(&self) -> Option<(f64, f64)> {
        if self.deterministic {
            return None;
        }
        let t = one_sided(&self.moved[1], &self.moved[0]);
        Some(t.map_or((1.0, 1.0), |t| (t.p_greater, t.p_less)))
    }

    fn z_greater(&self) -> f64 {
        self.z.map_or(f64::NEG_INFINITY, |z| z.0)
    }

    fn z_less(&self) -> f64 {
        self.z.map_or(f64::NEG_INFINITY, |z| z.1)
    }
}

impl Gate {
    /// The comparison's rows this gate watches: the metric's, or each row of its scope.
    fn rows<'c>(&self, c: &'c Comparison) -> Vec<&'c MetricDiff> {
        let Some(scope) = &self.scope else {
            let key = MetricKey::measured(self.metric);
            return c.metrics.iter().filter(|m| m.key == key).collect();
        };
        let blocking = self.metric == Metric::MainThreadBlocking;
        (c.main_thread.iter())
            .filter(|d| scope.covers(d))
            .filter_map(|d| match blocking {
                true => d.blocking.as_ref(),
                false => Some(&d.main_thread),
            })
            .collect()
    }

    /// B's values moved back by the threshold.
    fn moved_back(&self, b: &[f64]) -> Vec<f64> {
        match self.threshold {
            Threshold::Percent(p) => b.iter().map(|x| x / (1.0 + p / 100.0)).collect(),
            Threshold::Absolute(t) => b.iter().map(|x| x - t).collect(),
        }
    }

    /// What one row says.
    fn evidence_of(&self, m: &MetricDiff) -> Option<Evidence> {
        let [a, b] = &m.samples;
        let mut e = Evidence::of(self, a, b)?;
        e.verdict = Some(m.verdict);
        Some(e)
    }

    /// The worst row: a certain regression first, then the strongest evidence of one.
    fn evidence(&self, c: &Comparison) -> Option<Evidence> {
        let rank = |e: &Evidence| (e.deterministic && e.over, e.over, e.z_greater());
        (self.rows(c).into_iter())
            .filter_map(|m| self.evidence_of(m))
            .max_by(|x, y| {
                let (a, b) = (rank(x), rank(y));
                (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2))
            })
    }

    fn check_of(&self, state: GateState, e: Option<&Evidence>) -> GateCheck {
        GateCheck {
            gate: self.text.clone(),
            state,
            verdict: e.and_then(|e| e.verdict),
            tripped: state == GateState::Tripped,
            p: e.and_then(Evidence::p).map(|p| p.0),
            level: None,
            decided_at: None,
        }
    }
}

/// The gates of one comparison of a fixed number of runs judged together: each tested gate
/// trips when its one-sided p-value passes Holm's step-down at `alpha` (the smallest against
/// alpha/m, the next against alpha/(m-1) ...) and B's median is over; a gate that does not
/// trip is shown within when the test the other way is significant at `alpha`.
pub fn judge(gates: &[Gate], c: &Comparison, alpha: f64) -> Vec<GateCheck> {
    let evidence: Vec<Option<Evidence>> = gates.iter().map(|g| g.evidence(c)).collect();
    let p: Vec<Option<(f64, f64)>> = (evidence.iter())
        .map(|e| e.as_ref().and_then(Evidence::p))
        .collect();
    let mut tested: Vec<(usize, f64)> = (p.iter().enumerate())
        .filter_map(|(i, p)| Some((i, (*p)?.0)))
        .collect();
    tested.sort_by(|x, y| x.1.total_cmp(&y.1));
    let m = tested.len();
    let mut level = vec![None; gates.len()];
    let mut rejected = vec![false; gates.len()];
    for (rank, (i, p)) in tested.into_iter().enumerate() {
        let at = alpha / (m - rank) as f64;
        level[i] = Some(at);
        if p >= at {
            // Holm stops at the first it keeps: the rest are held to this level too.
            break;
        }
        rejected[i] = true;
    }
    let hold = (level.iter().flatten()).fold(alpha / m.max(1) as f64, |x, y| x.max(*y));
    (gates.iter().zip(&evidence).enumerate())
        .map(|(i, (g, e))| {
            let state = match e {
                None => GateState::NotMeasured,
                Some(e) if e.deterministic && e.over => GateState::Tripped,
                Some(e) if e.deterministic => GateState::ShownWithin,
                Some(e) if rejected[i] && e.over => GateState::Tripped,
                Some(_) if p[i].is_some_and(|p| p.1 < alpha) => GateState::ShownWithin,
                Some(e) if e.over => GateState::OverNotSignificant,
                Some(_) => GateState::Within,
            };
            let mut check = g.check_of(state, e.as_ref());
            check.p = p[i].map(|p| p.0);
            check.level = check.p.map(|_| level[i].unwrap_or(hold));
            check
        })
        .collect()
}

/// Gates looked at after every round of `--runs auto`, until each is decided: tripped
/// (its statistic at or over the look's boundary for its share of alpha) or shown within
/// (the test the other way over the boundary at alpha); the looks stop when every gate is
/// decided or one trips, and at `max_runs`.
#[derive(Debug)]
pub struct Sequential {
    /// How alpha is spent over the looks.
    pub spending: Spending,
    /// The family-wise false-alarm rate.
    pub alpha: f64,
    /// The most runs per variant.
    pub max_runs: usize,
    /// The information fraction of each look so far.
    looks: Vec<f64>,
    /// Each gate once decided.
    decided: Vec<Option<GateCheck>>,
    /// The information fractions of the looks planned: one after every round from
    /// [`FIRST_LOOK`] runs.
    planned: Vec<f64>,
}

/// The fewest runs per variant before `--runs auto` first looks: fewer give a rank test too
/// little to stand on.
pub const FIRST_LOOK: usize = 5;

/// The spending `--runs auto` uses: Hwang-Shih-DeCani with gamma -2, between Pocock's (early
/// stops) and O'Brien-Fleming's (power at the end); docs/compare.md says why.
pub const SPENDING: Spending = Spending::HwangShihDeCani(-2.0);

impl Sequential {
    /// Looks for `gates` gates at level `alpha`, with at most `max_runs` runs per variant.
    pub fn new(gates: usize, alpha: f64, max_runs: usize) -> Sequential {
        Sequential {
            spending: SPENDING,
            alpha,
            max_runs: max_runs.max(1),
            looks: Vec::new(),
            decided: vec![None; gates],
            planned: (FIRST_LOOK.min(max_runs)..=max_runs.max(1))
                .map(|n| n as f64 / max_runs.max(1) as f64)
                .collect(),
        }
    }

    /// Whether every gate is decided or one tripped: no more runs are needed.
    pub fn done(&self) -> bool {
        let tripped = self.decided.iter().flatten().any(|c| c.tripped);
        tripped || self.decided.iter().all(Option::is_some)
    }

    /// The number of looks made.
    pub fn looks(&self) -> usize {
        self.looks.len()
    }

    /// This look's boundary for `level`: from the planned looks' boundaries when the looks
    /// so far are the first of them, else from the looks made.
    fn boundary(&self, level: f64) -> f64 {
        let k = self.looks.len();
        let t = match self.planned.starts_with(&self.looks) {
            true => &self.planned,
            false => &self.looks,
        };
        boundaries_memo(self.spending, level, t)[k - 1]
    }

    /// Looks at the comparison so far; returns [`Self::done`].
    pub fn look(&mut self, gates: &[Gate], c: &Comparison) -> bool {
        let evidence: Vec<Option<Evidence>> = gates.iter().map(|g| g.evidence(c)).collect();
        self.look_at(gates, &evidence)
    }

    /// Looks at each gate's evidence (in the gates' order); returns [`Self::done`].
    pub fn look_at(&mut self, gates: &[Gate], evidence: &[Option<Evidence>]) -> bool {
        let runs = evidence.iter().flatten().map(|e| e.runs).min().unwrap_or(0);
        let t = (runs as f64 / self.max_runs as f64).min(1.0);
        if runs == 0 || self.looks.last().is_some_and(|l| *l >= t) {
            return self.done();
        }
        self.looks.push(t);
        self.decide_certain(gates, evidence, runs);
        self.decide_tested(gates, evidence, runs);
        self.done()
    }

    /// Sizes and counts the same in every run so far: decided without a test.
    fn decide_certain(&mut self, gates: &[Gate], evidence: &[Option<Evidence>], runs: usize) {
        for (i, e) in evidence.iter().enumerate() {
            let Some(e) = e.as_ref().filter(|e| e.deterministic) else {
                continue;
            };
            if self.decided[i].is_none() {
                let state = match e.over {
                    true => GateState::Tripped,
                    false => GateState::ShownWithin,
                };
                let mut check = gates[i].check_of(state, Some(e));
                check.decided_at = Some(runs);
                self.decided[i] = Some(check);
            }
        }
    }

    /// The tested gates: Holm's shares of alpha, a trip passing its share on, until no
    /// more trip at this look; then the tests the other way at alpha.
    fn decide_tested(&mut self, gates: &[Gate], evidence: &[Option<Evidence>], runs: usize) {
        let certain = |c: &GateCheck| c.p.is_none() && c.verdict.is_some();
        let family = gates.len() - self.decided.iter().flatten().filter(|c| certain(c)).count();
        loop {
            let tripped = (self.decided.iter().flatten())
                .filter(|c| c.tripped && !certain(c))
                .count();
            let level = self.alpha / (family - tripped).max(1) as f64;
            let bound = self.boundary(level);
            let trips: Vec<usize> = (0..gates.len())
                .filter(|i| self.decided[*i].is_none())
                .filter(|i| {
                    (evidence[*i].as_ref()).is_some_and(|e| e.over && e.z_greater() >= bound)
                })
                .collect();
            if trips.is_empty() {
                break;
            }
            for i in trips {
                let mut check = gates[i].check_of(GateState::Tripped, evidence[i].as_ref());
                (check.level, check.decided_at) = (Some(level), Some(runs));
                self.decided[i] = Some(check);
            }
        }
        let bound = self.boundary(self.alpha);
        for (i, e) in evidence.iter().enumerate() {
            let Some(e) = e.as_ref().filter(|_| self.decided[i].is_none()) else {
                continue;
            };
            if e.z_less() >= bound {
                let mut check = gates[i].check_of(GateState::ShownWithin, Some(e));
                check.decided_at = Some(runs);
                self.decided[i] = Some(check);
            }
        }
    }

    /// Each gate as decided; one not decided is undecided, or stopped when another tripped
    /// (or not measured), judged on the last comparison.
    pub fn checks(&self, gates: &[Gate], c: &Comparison) -> Vec<GateCheck> {
        (gates.iter().zip(&self.decided))
            .map(|(g, d)| match d {
                Some(check) => check.clone(),
                None => {
                    let e = g.evidence(c);
                    let tripped = self.decided.iter().flatten().any(|c| c.tripped);
                    let state = match e {
                        Some(_) if tripped => GateState::Stopped,
                        Some(_) => GateState::Undecided,
                        None => GateState::NotMeasured,
                    };
                    g.check_of(state, e.as_ref())
                }
            })
            .collect()
    }
}

/// An absolute threshold in the metric's unit.
fn absolute(gate: &str, limit: &str, metric: Metric) -> Result<f64, String> {
    let split = limit
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(limit.len());
    let (num, unit) = limit.split_at(split);
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{gate}: '{limit}' is not a number"))?;
    let scale = match (metric.unit(), unit.to_ascii_lowercase().as_str()) {
        (Unit::Ms, "ms" | "") => 1.0,
        (Unit::Ms, "s") => 1000.0,
        (Unit::Bytes, "" | "b") => 1.0,
        (Unit::Bytes, "kb") => 1e3,
        (Unit::Bytes, "mb") => 1e6,
        (Unit::Bytes, "kib") => 1024.0,
        (Unit::Count, "") => 1.0,
        (_, u) => return Err(format!("{gate}: unit '{u}' does not fit {metric}")),
    };
    Ok(v * scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Load;
    use crate::verdict::compare::compare;
    use crate::verdict::compare::tests::{runs_of, traced};
    use crate::verdict::compare::ALPHA;
    use crate::verdict::runs::Runs;

    fn check(g: &str, c: &Comparison) -> GateCheck {
        judge(&[Gate::parse(g).unwrap()], c, ALPHA).remove(0)
    }

    #[test]
    fn gates_parse_percentages_and_units_and_refuse_nonsense() {
        assert!(Gate::parse("bytes>+10%").is_ok());
        assert!(Gate::parse("fully_loaded>+200ms").is_ok());
        assert_eq!(
            Gate::parse("fully_loaded>+2s").unwrap().threshold,
            Threshold::Absolute(2000.0)
        );
        assert_eq!(
            Gate::parse("bytes>+50KB").unwrap().threshold,
            Threshold::Absolute(50_000.0)
        );
        assert!(Gate::parse("speed>+1")
            .unwrap_err()
            .contains("unknown metric"));
        assert!(Gate::parse("requests>+5ms").unwrap_err().contains("unit"));
        assert!(Gate::parse("bytes").is_err());
    }

    /// A gate on an entity's or party's main-thread time judges that row: B adding an
    /// entity's 300 ms trips it, the first party (the same) does not; a scope on a metric
    /// with no rows per party is refused.
    #[test]
    fn scoped_gates_judge_their_party_entity_or_tag() {
        let runs = |loads: Vec<Load>| Runs::new("t".into(), false, loads, Vec::new()).unwrap();
        let a = runs((0..5).map(|i| traced(100.0 + i as f64, 0.0)).collect());
        let b = runs(
            (0..5)
                .map(|i| traced(100.0 + i as f64, 300.0 + i as f64))
                .collect(),
        );
        let c = compare(&a, &b, ALPHA);
        let state = |g: &str| check(g, &c).state;
        assert_eq!(state("main_thread[entity:Ads]>+50ms"), GateState::Tripped);
        assert_eq!(
            state("main_thread [third-party] > +50ms"),
            GateState::Tripped
        );
        assert_eq!(state("blocking[entity:Ads]>+10ms"), GateState::Tripped);
        // B's 300 ms is shown to be within 400 ms more; the first party's, the same on both
        // sides, is within 1 ms more but that is not shown.
        assert_eq!(
            state("main_thread[entity:Ads]>+400ms"),
            GateState::ShownWithin
        );
        assert_eq!(state("main_thread[first-party]>+1ms"), GateState::Within);
        assert_eq!(
            state("main_thread[entity:Nobody]>+1ms"),
            GateState::NotMeasured
        );
        assert!(Gate::parse("bytes[third-party]>+1%")
            .unwrap_err()
            .contains("a scope goes with"));
        assert!(Gate::parse("cpu[fourth-party]>+1%")
            .unwrap_err()
            .contains("unknown scope"));
    }

    /// A percentage gate is over when the median grows by more than its share of A's median
    /// (exactly that share is within), and from zero by anything at all.
    #[test]
    fn percentage_gates_are_over_past_their_share_and_from_zero() {
        let gate = Gate::parse("requests>+10%").unwrap();
        let state = |b: usize| {
            judge(
                std::slice::from_ref(&gate),
                &compare(&runs_of(&[100; 3]), &runs_of(&[b; 3]), ALPHA),
                ALPHA,
            )[0]
            .state
        };
        // The same in every run: certain, no test needed.
        assert_eq!(state(105), GateState::ShownWithin);
        assert_eq!(state(110), GateState::ShownWithin);
        assert_eq!(state(111), GateState::Tripped);
        let blocking = |ms: [f64; 5]| {
            let loads = ms
                .iter()
                .map(|t| {
                    let mut l = crate::har::testing::load_of(1, 10.0);
                    l.page_metrics.total_blocking_time_ms = Some(*t);
                    l
                })
                .collect();
            Runs::new("t".into(), false, loads, Vec::new()).unwrap()
        };
        let zero = blocking([0.0; 5]);
        let busy = blocking([300.0, 310.0, 320.0, 330.0, 340.0]);
        let state = |a: &Runs, b: &Runs| check("tbt>+10%", &compare(a, b, ALPHA)).state;
        assert_eq!(state(&zero, &busy), GateState::Tripped);
        assert_eq!(state(&zero, &zero), GateState::Within);
    }

    /// Runs whose fully-loaded time, TBT and FCP are the given values, one load each.
    fn timed(fully: &[f64], tbt: &[f64], fcp: &[f64]) -> Runs {
        let loads = (0..fully.len())
            .map(|i| {
                let mut l = crate::har::testing::load_of(1, 10.0);
                l.fully_loaded_ms = fully[i];
                l.page_metrics.total_blocking_time_ms = Some(tbt[i]);
                l.page_metrics.first_contentful_paint_ms = Some(fcp[i]);
                l
            })
            .collect();
        Runs::new("t".into(), false, loads, Vec::new()).unwrap()
    }

    /// Holm's step-down: a gate whose one-sided p is 7/252 = 0.028 trips alone (below
    /// 0.05); beside two gates that do not trip it is held to 0.05/3 and passes, over but
    /// not significant; beside one that trips (p = 1/252), that one's share passes on and
    /// it is held to 0.05 again: both trip.
    #[test]
    fn holm_shares_alpha_among_gates_and_passes_a_tripped_gates_share_on() {
        let a = [10.0, 11.0, 12.0, 13.0, 14.0];
        // U = 3 + 4 + 5 + 5 + 5 = 22 of 25: P(U >= 22) = (1 + 1 + 2 + 3) / 252.
        let b = [12.5, 13.5, 15.0, 16.0, 17.0];
        let far = [20.0, 21.0, 22.0, 23.0, 24.0];
        let c = compare(&timed(&a, &a, &a), &timed(&b, &a, &far), ALPHA);
        let gates = |g: &[&str]| -> Vec<GateCheck> {
            let gates: Vec<Gate> = g.iter().map(|g| Gate::parse(g).unwrap()).collect();
            judge(&gates, &c, ALPHA)
        };
        let alone = gates(&["fully_loaded>+0ms"]);
        assert_eq!(alone[0].state, GateState::Tripped);
        assert!((alone[0].p.unwrap() - 7.0 / 252.0).abs() < 1e-12);
        assert_eq!(alone[0].level, Some(0.05));
        let three = gates(&["fully_loaded>+0ms", "tbt>+0ms", "tbt>+10%"]);
        assert_eq!(three[0].state, GateState::OverNotSignificant);
        assert!(
            (three[0].level.unwrap() - 0.05 / 3.0).abs() < 1e-12,
            "{three:?}"
        );
        assert!(three.iter().all(|g| !g.tripped));
        let two = gates(&["fully_loaded>+0ms", "fcp>+0ms"]);
        assert!(two.iter().all(|g| g.tripped), "{two:?}");
        assert!((two[1].p.unwrap() - 1.0 / 252.0).abs() < 1e-12);
        assert_eq!((two[1].level, two[0].level), (Some(0.025), Some(0.05)));
        let words = crate::report::words::gate_verdict(&three[0]);
        assert!(words.contains("one-sided p=0.028 >= 0.017"), "{words}");
    }

    /// B 15 % slower than A in every run: a gate allowing 5 % trips; one allowing 40 % is
    /// shown within.
    #[test]
    fn a_gate_tests_b_moved_back_by_its_threshold() {
        let a = [100.0, 104.0, 108.0, 112.0, 116.0, 101.0, 105.0, 109.0];
        let b: Vec<f64> = a.iter().map(|x| x * 1.15).collect();
        let c = compare(&timed(&a, &a, &a), &timed(&b, &a, &a), ALPHA);
        let state = |g: &str| check(g, &c).state;
        assert_eq!(state("fully_loaded>+5%"), GateState::Tripped);
        assert_eq!(state("fully_loaded>+40%"), GateState::ShownWithin);
        assert_eq!(state("fully_loaded>+20%"), GateState::Within);
        assert_eq!(state("fully_loaded>+10ms"), GateState::Tripped);
        // The same runs as A: within 5 % is shown, within nothing cannot be.
        assert_eq!(state("tbt>+5%"), GateState::ShownWithin);
        assert_eq!(state("tbt>+0ms"), GateState::Within);
    }

    /// `--runs auto`: a certain trip (one request more in every run) decides at the first
    /// look and ends the looks; the timing gate beside it is said stopped, not out of runs.
    /// Runs that do not grow (a failed run) make no new look.
    #[test]
    fn a_trip_ends_the_looks_and_the_other_gates_are_stopped_not_undecided() {
        let runs = |n: usize, ms: &[f64]| {
            let loads = (ms.iter())
                .map(|t| {
                    let mut l = crate::har::testing::load_of(n, 10.0);
                    l.fully_loaded_ms = *t;
                    l
                })
                .collect();
            Runs::new("t".into(), false, loads, Vec::new()).unwrap()
        };
        let c = compare(
            &runs(1, &[10.0, 12.0, 14.0, 16.0, 18.0]),
            &runs(2, &[11.0, 13.0, 15.0, 17.0, 19.0]),
            ALPHA,
        );
        let gates = [
            Gate::parse("fully_loaded>+0%").unwrap(),
            Gate::parse("requests>+0").unwrap(),
        ];
        let mut seq = Sequential::new(2, ALPHA, 30);
        assert!(seq.look(&gates, &c), "decided");
        assert_eq!(seq.looks(), 1);
        assert!(seq.look(&gates, &c), "the same runs: no new look");
        assert_eq!(seq.looks(), 1);
        let checks = seq.checks(&gates, &c);
        assert_eq!(
            (checks[0].state, checks[1].state),
            (GateState::Stopped, GateState::Tripped)
        );
        assert_eq!((checks[1].decided_at, checks[1].p), (Some(5), None));
        let words = crate::report::words::gate_verdict(&checks[0]);
        assert!(
            words.contains("not decided: the runs stopped at another gate's trip"),
            "{words}"
        );
    }

    /// Recorded runs: each a row of the metrics the fixture names.
    fn recorded() -> (Vec<String>, Vec<Vec<f64>>) {
        let text = include_str!("../../fixtures/runs/recorded.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let names = serde_json::from_value(v["metrics"].clone()).unwrap();
        (names, serde_json::from_value(v["runs"].clone()).unwrap())
    }

    /// `sequences` comparisons of A and B drawn with replacement from the recorded runs (a
    /// whole run at a time, so the metrics keep their correlation), B's timings times
    /// `factor`, under `--runs auto` with a gate per metric: the share that tripped and the
    /// mean runs per variant used.
    fn simulate(gates: &[Gate], factor: f64, sequences: usize, max: usize) -> (f64, f64) {
        simulate_with(gates, factor, sequences, max, SPENDING)
    }

    fn simulate_with(
        gates: &[Gate],
        factor: f64,
        sequences: usize,
        max: usize,
        spending: Spending,
    ) -> (f64, f64) {
        let (_, pool) = recorded();
        let mut rng = crate::verdict::stats::SplitMix(0x5EC0_17E5);
        let (mut tripped, mut runs) = (0usize, 0usize);
        for _ in 0..sequences {
            let mut seq = Sequential::new(gates.len(), ALPHA, max);
            seq.spending = spending;
            let (mut a, mut b): (Vec<&[f64]>, Vec<Vec<f64>>) = (Vec::new(), Vec::new());
            let mut used = max;
            for n in 1..=max {
                a.push(&pool[rng.below(pool.len())]);
                b.push(
                    pool[rng.below(pool.len())]
                        .iter()
                        .map(|x| x * factor)
                        .collect(),
                );
                if n < FIRST_LOOK {
                    continue;
                }
                if seq.look_at(gates, &evidence_of_rows(gates, &a, &b)) {
                    used = n;
                    break;
                }
            }
            runs += used;
            let checks = seq.decided.iter().flatten();
            tripped += usize::from(checks.clone().any(|c| c.tripped));
        }
        (
            tripped as f64 / sequences as f64,
            runs as f64 / sequences as f64,
        )
    }

    /// Each gate's evidence from runs as rows (gate `i` judges column `i`).
    fn evidence_of_rows<A: AsRef<[f64]>, B: AsRef<[f64]>>(
        gates: &[Gate],
        a: &[A],
        b: &[B],
    ) -> Vec<Option<Evidence>> {
        let column = |rows: &[&[f64]], i: usize| rows.iter().map(|r| r[i]).collect::<Vec<f64>>();
        let (a, b): (Vec<&[f64]>, Vec<&[f64]>) = (
            a.iter().map(AsRef::as_ref).collect(),
            b.iter().map(AsRef::as_ref).collect(),
        );
        (gates.iter().enumerate())
            .map(|(i, g)| Evidence::of(g, &column(&a, i), &column(&b, i)))
            .collect()
    }

    fn gates_on_every_metric(threshold: &str) -> Vec<Gate> {
        let (names, _) = recorded();
        (names.iter())
            .map(|m| Gate::parse(&format!("{m}>+{threshold}")).unwrap())
            .collect()
    }

    /// The done-when of `--runs auto`: over 10,000 A/A sequences of three gated timings
    /// drawn from recorded browser runs (skewed, with outliers), the gates trip at most
    /// alpha of the time (family-wise, plus three standard errors of the estimate: 0.0565),
    /// at a threshold of 0 where no difference is the worst case; the same gates catch B 15 %
    /// slower in at least 90 % of sequences within 30 runs, and gates allowing 5 % catch it
    /// within 50.
    #[test]
    fn sequential_gates_hold_alpha_over_ten_thousand_aa_sequences_and_catch_a_15_percent_regression(
    ) {
        let zero = gates_on_every_metric("0%");
        let (false_alarms, runs) = simulate(&zero, 1.0, 10_000, 30);
        assert!(
            false_alarms <= 0.0565,
            "A/A tripped {false_alarms} (mean runs {runs})"
        );
        let (caught, runs) = simulate(&zero, 1.15, 10_000, 30);
        assert!(
            caught >= 0.90,
            "15 % slower caught {caught} (mean runs {runs})"
        );
        eprintln!("0 % gates: {false_alarms} A/A trips; 15 % caught {caught} in {runs:.1} runs");
        let five = gates_on_every_metric("5%");
        let (caught, runs) = simulate(&five, 1.15, 10_000, 50);
        assert!(
            caught >= 0.90,
            "5 % gates: 15 % slower caught {caught} (mean runs {runs})"
        );
        eprintln!("5 % gates: 15 % caught {caught} in {runs:.1} runs");
    }

    /// The fixed number of runs whose one look catches B 15 % slower as often as
    /// `--runs auto` does (for docs/compare.md): printed, not asserted.
    #[test]
    #[ignore]
    fn fixed_runs_for_the_same_power() {
        let zero = gates_on_every_metric("0%");
        let (auto, runs) = simulate(&zero, 1.15, 10_000, 30);
        for n in (10..=30).step_by(2) {
            let fixed = simulate_fixed(&zero, 1.15, 10_000, n);
            eprintln!("auto {auto} in {runs:.1} runs; fixed {n}: {fixed}");
        }
    }

    /// The share of comparisons of `n` runs each, judged once (Holm at alpha), that trip.
    fn simulate_fixed(gates: &[Gate], factor: f64, sequences: usize, n: usize) -> f64 {
        let (_, pool) = recorded();
        let mut rng = crate::verdict::stats::SplitMix(0x00F1_DED0);
        let mut tripped = 0;
        for _ in 0..sequences {
            let a: Vec<&[f64]> = (0..n).map(|_| &pool[rng.below(pool.len())][..]).collect();
            let b: Vec<Vec<f64>> = (0..n)
                .map(|_| {
                    pool[rng.below(pool.len())]
                        .iter()
                        .map(|x| x * factor)
                        .collect()
                })
                .collect();
            let mut seq = Sequential::new(gates.len(), ALPHA, n);
            seq.planned = vec![1.0];
            seq.look_at(gates, &evidence_of_rows(gates, &a, &b));
            tripped += usize::from(seq.decided.iter().flatten().any(|c| c.tripped));
        }
        tripped as f64 / sequences as f64
    }
}
