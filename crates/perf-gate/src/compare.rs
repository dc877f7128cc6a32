//! Head against base, per benchmark, with the strongest test the data allows:
//! raw samples on both sides → Mann-Whitney U (normal approximation with tie correction) and a
//! seeded bootstrap interval of the median ratio; summaries only → Welch's t; one value each →
//! the plain ratio, flagged low confidence. A comparison whose sample sizes can never reach
//! `alpha` is inconclusive, never a pass. p-values are Holm-corrected across benchmarks.

use rand_core::SeedableRng;
use rand_distr::{Beta, Distribution, Open01};
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::model::{percentile_sorted, Direction, Metric};

/// How a comparison was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Mann-Whitney U on raw samples.
    MannWhitney,
    /// Welch's t on mean, standard deviation and count.
    Welch,
    /// One value each side: the ratio only.
    Ratio,
    /// The head's centre against the runs of the history's current segment: a t prediction
    /// interval for one new value (`(x − mean) / (sd·√(1 + 1/n))`, n − 1 degrees of freedom).
    History,
}

impl Method {
    /// Its name in tables and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Method::MannWhitney => "mann-whitney",
            Method::Welch => "welch-t",
            Method::Ratio => "ratio (low confidence)",
            Method::History => "history-t",
        }
    }
}

/// What a comparison found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Significant and worse by more than the allowed regression.
    Regressed,
    /// Significant and better by more than the allowed regression.
    Improved,
    /// Not significant, or within the allowed change.
    Unchanged,
    /// Too few samples to ever reach significance.
    Inconclusive,
}

impl Verdict {
    /// Its name in tables and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Regressed => "regressed",
            Verdict::Improved => "improved",
            Verdict::Unchanged => "unchanged",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// One benchmark compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Benchmark name.
    pub name: String,
    /// Unit of `base` and `head`.
    pub unit: String,
    /// Base centre (median with samples, else mean).
    pub base: f64,
    /// Head centre.
    pub head: f64,
    /// `head / base − 1`.
    pub change: f64,
    /// Bootstrap interval of `head/base − 1` (raw samples only).
    pub ci: Option<(f64, f64)>,
    /// p-value after Holm's correction (none for the plain ratio).
    pub p_value: Option<f64>,
    /// p-value before correction.
    pub raw_p: Option<f64>,
    /// How it was compared.
    pub method: Method,
    /// The outcome.
    pub verdict: Verdict,
    /// Which way is better.
    pub direction: Direction,
    /// Base and head sample counts.
    pub n: (usize, usize),
    /// The smallest p-value the test can give for these sample sizes (rank tests only).
    pub floor: Option<f64>,
}

/// Settings of the comparison.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Significance level.
    pub alpha: f64,
    /// Largest allowed worsening, as a fraction (0.1 = 10%).
    pub max_regression: f64,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Bootstrap seed.
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            alpha: 0.05,
            max_regression: 0.10,
            resamples: 1000,
            seed: 0x9e37_79b9_7f4a_7c15,
        }
    }
}

/// Two-sided Mann-Whitney U p-value (normal approximation, tie-corrected, continuity
/// corrected). Returns `(p, smallest p these sizes can reach)`.
pub fn mann_whitney(a: &[f64], b: &[f64]) -> (f64, f64) {
    mann_whitney_sorted(&sorted(a), &sorted(b))
}

/// [`mann_whitney`] of samples already sorted: the ranks come from merging the two, so a
/// comparison that has sorted them for its medians does not sort again.
fn mann_whitney_sorted(a: &[f64], b: &[f64]) -> (f64, f64) {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut below) = (0usize, 0usize, 0usize);
    let (mut rank_sum_a, mut tie_term) = (0.0, 0.0);
    while i < a.len() || j < b.len() {
        let v = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.min(*y),
            (Some(x), None) => *x,
            (None, Some(y)) => *y,
            (None, None) => unreachable!("loop condition"),
        };
        let ta = a[i..].iter().take_while(|x| **x == v).count();
        let tb = b[j..].iter().take_while(|y| **y == v).count();
        let t = (ta + tb) as f64;
        // The tied values share the mean of ranks below+1 ..= below+t.
        rank_sum_a += ta as f64 * (below as f64 + (t + 1.0) / 2.0);
        tie_term += t * t * t - t;
        below += ta + tb;
        (i, j) = (i + ta, j + tb);
    }
    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let nn = n1 + n2;
    let var = n1 * n2 / 12.0 * ((nn + 1.0) - tie_term / (nn * (nn - 1.0)));
    let p = if var <= 0.0 {
        1.0
    } else {
        let z = ((u - mean).abs() - 0.5).max(0.0) / var.sqrt();
        let normal = Normal::standard();
        (2.0 * (1.0 - normal.cdf(z))).min(1.0)
    };
    (p, min_p(a.len(), b.len()))
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut v = v.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    v
}

/// The smallest two-sided p-value [`mann_whitney`] can give for these sizes: its value for two
/// samples that do not overlap and have no ties (benchstat's rule for refusing to decide, for
/// the normal approximation used here, which at small sizes cannot reach the exact test's
/// `2 / C(n1+n2, n1)`: 0.0122 rather than 0.0079 for five runs each).
pub fn min_p(n1: usize, n2: usize) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 1.0;
    }
    let (a, b) = (n1 as f64, n2 as f64);
    let mean = a * b / 2.0;
    let var = a * b / 12.0 * (a + b + 1.0);
    let z = (mean - 0.5).max(0.0) / var.sqrt();
    (2.0 * (1.0 - Normal::standard().cdf(z))).min(1.0)
}

/// Welch's t two-sided p-value from summaries; `None` when a side has fewer than 2 samples.
pub fn welch(m1: f64, s1: f64, n1: u64, m2: f64, s2: f64, n2: u64) -> Option<f64> {
    if n1 < 2 || n2 < 2 {
        return None;
    }
    let (n1, n2) = (n1 as f64, n2 as f64);
    let v1 = s1 * s1 / n1;
    let v2 = s2 * s2 / n2;
    let se = (v1 + v2).sqrt();
    if se == 0.0 {
        return Some(if m1 == m2 { 1.0 } else { 0.0 });
    }
    let t = (m2 - m1) / se;
    let df = (v1 + v2).powi(2) / (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    Some((2.0 * (1.0 - dist.cdf(t.abs()))).min(1.0))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_unstable_by(f64::total_cmp);
    percentile_sorted(v, 0.5)
}

/// A seeded percentile-bootstrap interval (at `1 − alpha`) of `median(head) / median(base) − 1`.
pub fn bootstrap_ci(base: &[f64], head: &[f64], s: &Settings) -> Option<(f64, f64)> {
    if base.is_empty() || head.is_empty() {
        return None;
    }
    let mut rng = rand_pcg::Pcg64::seed_from_u64(s.seed);
    let mut base = Resampler::new(base);
    let mut head = Resampler::new(head);
    let mut ratios = Vec::with_capacity(s.resamples);
    for _ in 0..s.resamples {
        let mb = base.median(&mut rng);
        let mh = head.median(&mut rng);
        if mb > 0.0 {
            ratios.push(mh / mb - 1.0);
        }
    }
    if ratios.is_empty() {
        return None;
    }
    ratios.sort_by(f64::total_cmp);
    Some((
        percentile_sorted(&ratios, s.alpha / 2.0),
        percentile_sorted(&ratios, 1.0 - s.alpha / 2.0),
    ))
}

/// Medians of bootstrap resamples without drawing the resamples. A resample is n draws of
/// the sorted positions; its k-th smallest draw is at `floor(n·U₍ₖ₎)`, where `U₍ₖ₎`, the k-th
/// order statistic of n uniforms on (0, 1), is Beta(k, n + 1 − k), and the next one is
/// `U₍ₖ₎ + (1 − U₍ₖ₎)·Beta(1, n − k)` (the least of the n − k uniforms above it). So a
/// resample's median costs two Beta draws instead of n draws and a walk over n counts: the
/// same distribution, and what keeps intervals on hundreds of regressions fast.
struct Resampler {
    sorted: Vec<f64>,
    /// The law of the lower middle draw's order statistic (rank ⌊(n − 1)/2⌋ + 1).
    lower: Beta<f64>,
    /// n − k, the draws above the lower middle one, when n is even (the upper middle draw is
    /// the least of them).
    above: Option<f64>,
}

impl Resampler {
    fn new(values: &[f64]) -> Self {
        let sorted = sorted(values);
        let n = sorted.len();
        let k = (n - 1) / 2 + 1;
        Resampler {
            lower: Beta::new(k as f64, (n + 1 - k) as f64).expect("positive shapes"),
            above: n.is_multiple_of(2).then(|| (n - k) as f64),
            sorted,
        }
    }

    /// The median (k6's interpolation at rank (n − 1)/2) of one resample of n draws.
    fn median(&mut self, rng: &mut rand_pcg::Pcg64) -> f64 {
        let n = self.sorted.len();
        let at = |u: f64| self.sorted[((u * n as f64) as usize).min(n - 1)];
        let u = self.lower.sample(rng);
        match self.above {
            None => at(u),
            // Beta(1, m) in closed form: 1 − V^(1/m) for V uniform on (0, 1).
            Some(m) => {
                let v: f64 = Open01.sample(rng);
                (at(u) + at(u + (1.0 - u) * (1.0 - v.powf(1.0 / m)))) / 2.0
            }
        }
    }
}

/// The bootstrap interval of each significant raw-sample comparison: it says how large a
/// change that is real is. Left out where nothing was found, which keeps a run over thousands
/// of unchanged benchmarks fast (the resampling is most of a comparison's cost).
pub fn add_intervals<'a>(
    all: &mut [Comparison],
    samples: impl Fn(&str) -> Option<(&'a [f64], &'a [f64])> + Sync,
    s: &Settings,
) {
    all.par_iter_mut()
        .filter(|c| c.method == Method::MannWhitney && c.p_value.is_some_and(|p| p < s.alpha))
        .for_each(|c| {
            if let Some((base, head)) = samples(&c.name) {
                c.ci = bootstrap_ci(base, head, s);
            }
        });
}

/// Compare one benchmark (before the Holm correction and the verdict).
pub fn compare_one(base: &Metric, head: &Metric) -> Comparison {
    let direction = head.direction;
    let mk = |b: f64, h: f64, ci, p, method, n| Comparison {
        name: head.name.clone(),
        unit: head.unit.name().to_string(),
        base: b,
        head: h,
        change: if b != 0.0 { h / b - 1.0 } else { 0.0 },
        ci,
        p_value: p,
        raw_p: p,
        method,
        verdict: Verdict::Unchanged,
        direction,
        n,
        floor: None,
    };
    if base.has_samples && head.has_samples && base.samples.len() > 1 && head.samples.len() > 1 {
        let (b, h) = (sorted(&base.samples), sorted(&head.samples));
        let (p, floor) = mann_whitney_sorted(&b, &h);
        let (mb, mh) = (percentile_sorted(&b, 0.5), percentile_sorted(&h, 0.5));
        let mut c = mk(
            mb,
            mh,
            None,
            Some(p),
            Method::MannWhitney,
            (base.samples.len(), head.samples.len()),
        );
        if b.first() == b.last() && h.first() == h.last() && b.first() == h.first() {
            // Every run of both sides gave the same value (a byte count, an allocation
            // count): there is no chance in it, so it is no test and stays out of Holm's
            // family, where it would only make the other benchmarks' correction stricter.
            c.raw_p = None;
            c.p_value = None;
        } else {
            c.floor = Some(floor);
        }
        return c;
    }
    if let (Some(a), Some(b)) = (base.summary, head.summary) {
        if let Some(p) = welch(a.mean, a.stddev, a.n, b.mean, b.stddev, b.n) {
            return mk(
                a.mean,
                b.mean,
                None,
                Some(p),
                Method::Welch,
                (a.n as usize, b.n as usize),
            );
        }
    }
    mk(
        centre(base),
        centre(head),
        None,
        None,
        Method::Ratio,
        (1, 1),
    )
}

/// A metric's centre: the median of its samples, else the tool's median or mean.
pub fn centre(m: &Metric) -> f64 {
    if m.has_samples {
        median(&mut m.samples.clone())
    } else {
        m.given
            .get("med")
            .or(m.given.get("avg"))
            .copied()
            .unwrap_or(f64::NAN)
    }
}

/// Compare the head with the values of its history's current segment (one per run).
pub fn compare_history(segment: &[f64], head: &Metric) -> Comparison {
    let n = segment.len();
    let x = centre(head);
    let mean = segment.iter().sum::<f64>() / n as f64;
    let sd = (segment.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0)).sqrt();
    let p = if sd == 0.0 {
        Some(if x == mean { 1.0 } else { 0.0 })
    } else {
        let t = (x - mean) / (sd * (1.0 + 1.0 / n as f64).sqrt());
        StudentsT::new(0.0, 1.0, n as f64 - 1.0)
            .ok()
            .map(|d| (2.0 * (1.0 - d.cdf(t.abs()))).min(1.0))
    };
    Comparison {
        name: head.name.clone(),
        unit: head.unit.name().to_string(),
        base: mean,
        head: x,
        change: if mean != 0.0 { x / mean - 1.0 } else { 0.0 },
        ci: None,
        p_value: p,
        raw_p: p,
        method: Method::History,
        verdict: Verdict::Unchanged,
        direction: head.direction,
        n: (n, head.samples.len().max(1)),
        floor: None,
    }
}

/// Holm's step-down correction, in place, then each comparison's verdict. A rank test whose
/// strongest possible result (its [`Comparison::floor`]) would still not be significant after
/// the correction, given the other benchmarks' p-values, is inconclusive: with nine metrics
/// of five repetitions each, even a doubling cannot show, and saying "unchanged" would be a lie.
pub fn decide(all: &mut [Comparison], s: &Settings) {
    let mut order: Vec<usize> = (0..all.len()).filter(|i| all[*i].raw_p.is_some()).collect();
    order.sort_by(|a, b| all[*a].raw_p.unwrap().total_cmp(&all[*b].raw_p.unwrap()));
    let m = order.len();
    let sorted_p: Vec<f64> = order.iter().map(|&i| all[i].raw_p.unwrap()).collect();
    // before[k]: the largest adjusted p of the first k tests (Holm's running maximum).
    let mut before = Vec::with_capacity(m + 1);
    before.push(0.0f64);
    for (k, p) in sorted_p.iter().enumerate() {
        let adj = ((m - k) as f64 * p).min(1.0);
        before.push(before[k].max(adj));
    }
    for (k, &i) in order.iter().enumerate() {
        all[i].p_value = Some(before[k + 1]);
    }
    for c in all.iter_mut() {
        if let Some(floor) = c.floor {
            // Had this test given its floor, it would have stood at rank k (its own p is at
            // least the floor, so the tests ahead of it are the same).
            let k = sorted_p.partition_point(|&p| p < floor);
            let best = before[k].max(((m - k) as f64 * floor).min(1.0));
            if best >= s.alpha {
                c.verdict = Verdict::Inconclusive;
            }
        }
        if c.verdict == Verdict::Inconclusive {
            continue;
        }
        let significant = c.p_value.is_none_or(|p| p < s.alpha);
        let worse = match c.direction {
            Direction::LowerIsBetter => c.change,
            Direction::HigherIsBetter => -c.change,
        };
        c.verdict = if !significant || !c.change.is_finite() {
            Verdict::Unchanged
        } else if worse > s.max_regression {
            Verdict::Regressed
        } else if -worse > s.max_regression {
            Verdict::Improved
        } else {
            Verdict::Unchanged
        };
    }
}

/// Geometric mean of each comparison's cost ratio (`head/base` where lower is better,
/// `base/head` where higher is), as a change: +10% is 10% worse on average, whatever mix of
/// times and throughputs the run has (a throughput halving and its time doubling add up rather
/// than cancel).
pub fn geomean(all: &[Comparison]) -> Option<f64> {
    let logs: Vec<f64> = all
        .iter()
        .filter(|c| c.base > 0.0 && c.head > 0.0)
        .map(|c| match c.direction {
            Direction::LowerIsBetter => (c.head / c.base).ln(),
            Direction::HigherIsBetter => (c.base / c.head).ln(),
        })
        .collect();
    (!logs.is_empty()).then(|| (logs.iter().sum::<f64>() / logs.len() as f64).exp() - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::Rng;

    /// The two-Beta shortcut has the law of drawing the resample: over many seeded resamples
    /// of an odd and an even sample, the share of medians at or below each value agrees with
    /// drawing n positions and taking their median.
    #[test]
    fn resampled_medians_have_the_law_of_drawn_resamples() {
        for n in [7usize, 8] {
            let values: Vec<f64> = (0..n).map(|i| (i * i) as f64).collect();
            let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
            let mut fast = Resampler::new(&values);
            let trials = 40_000;
            let mut by_shortcut: Vec<f64> = (0..trials).map(|_| fast.median(&mut rng)).collect();
            let mut drawn: Vec<f64> = (0..trials)
                .map(|_| {
                    let mut r: Vec<f64> = (0..n)
                        .map(|_| values[(rng.next_u64() % n as u64) as usize])
                        .collect();
                    median(&mut r)
                })
                .collect();
            by_shortcut.sort_by(f64::total_cmp);
            drawn.sort_by(f64::total_cmp);
            for q in [0.1, 0.25, 0.5, 0.75, 0.9] {
                let x = percentile_sorted(&drawn, q);
                let share = |v: &[f64]| v.partition_point(|y| *y <= x) as f64 / trials as f64;
                let (a, b) = (share(&by_shortcut), share(&drawn));
                assert!((a - b).abs() < 0.015, "n {n}, at {x}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn mann_whitney_matches_scipy() {
        // U = 0, mean 12.5, variance 25·11/12: z = 12/4.787 = 2.507 (continuity corrected),
        // p = erfc(z/√2) = 0.012186.
        let (p, floor) = mann_whitney(&[1., 2., 3., 4., 5.], &[6., 7., 8., 9., 10.]);
        assert!((p - 0.012_185_78).abs() < 1e-7, "{p}");
        assert!(
            (floor - p).abs() < 1e-12,
            "no overlap, no ties: the floor itself"
        );
        let (p, _) = mann_whitney(&[1., 2., 3.], &[1., 2., 3.]);
        assert_eq!(p, 1.0);
        // Interleaved, with ties inside and across the samples, unsorted: scipy 1.17.1
        // `mannwhitneyu(a, b, use_continuity=True, method="asymptotic")` gives p = 0.218887.
        let (p, _) = mann_whitney(
            &[5., 1., 2., 8., 2., 3., 5.],
            &[9., 2., 3., 3., 4., 5., 10., 9.],
        );
        assert!((p - 0.218_886_8).abs() < 1e-6, "{p}");
    }

    #[test]
    fn three_samples_each_can_never_reach_five_percent() {
        assert!(min_p(3, 3) > 0.05);
        assert!(min_p(4, 4) < 0.05);
    }

    #[test]
    fn welch_matches_a_hand_computation() {
        // t = (12-10)/sqrt(4/10+4/10) = 2.236, df = 18, two-sided p = 0.0382
        let p = welch(10.0, 2.0, 10, 12.0, 2.0, 10).unwrap();
        assert!((p - 0.0382).abs() < 5e-4, "{p}");
        assert_eq!(welch(1.0, 1.0, 1, 2.0, 1.0, 5), None);
    }

    #[test]
    fn history_t_is_a_prediction_interval() {
        // mean 10, sd 1, n 5: t = (13 − 10)/(1·√1.2) = 2.7386, df 4, two-sided p = 0.0520.
        let mut head = Metric::new("b", crate::model::Kind::Trend, crate::model::Unit::Seconds);
        head.samples = vec![13.0];
        head.has_samples = true;
        let seg = [
            10.0 - 1.2649,
            10.0 - 0.6325,
            10.0,
            10.0 + 0.6325,
            10.0 + 1.2649,
        ];
        let c = compare_history(&seg, &head);
        assert_eq!(c.method, Method::History);
        assert!((c.p_value.unwrap() - 0.0520).abs() < 5e-4, "{c:?}");
        assert!((c.change - 0.3).abs() < 1e-3);
    }

    fn metric(name: &str, samples: &[f64]) -> Metric {
        let mut m = Metric::new(name, crate::model::Kind::Trend, crate::model::Unit::Seconds);
        m.samples = samples.to_vec();
        m.has_samples = true;
        m
    }

    #[test]
    fn a_doubling_that_holm_can_never_confirm_is_inconclusive_not_unchanged() {
        // Five repetitions each: the smallest p is 0.0122, under 5% alone and over four such
        // metrics, not over five (0.061).
        let base = [1.0, 1.01, 0.99, 1.02, 0.98];
        let head: Vec<f64> = base.iter().map(|v| v * 2.0).collect();
        let s = Settings::default();
        let one = |n: usize| {
            let mut all: Vec<Comparison> = (0..n)
                .map(|i| {
                    compare_one(
                        &metric(&i.to_string(), &base),
                        &metric(&i.to_string(), &head),
                    )
                })
                .collect();
            decide(&mut all, &s);
            all.iter().map(|c| c.verdict).collect::<Vec<_>>()
        };
        assert_eq!(one(1), [Verdict::Regressed]);
        assert_eq!(one(4), [Verdict::Regressed; 4], "4 × 0.0122 < 0.05");
        assert_eq!(one(5), [Verdict::Inconclusive; 5]);
        assert_eq!(one(9), [Verdict::Inconclusive; 9]);
        // Beside benchmarks with plenty of rounds that show nothing, the same.
        let many: Vec<f64> = (0..200).map(|i| 1.0 + f64::from(i % 7) * 0.001).collect();
        let mut all: Vec<Comparison> = (0..9)
            .map(|i| {
                compare_one(
                    &metric(&i.to_string(), &base),
                    &metric(&i.to_string(), &head),
                )
            })
            .chain((0..3).map(|i| {
                compare_one(
                    &metric(&format!("m{i}"), &many),
                    &metric(&format!("m{i}"), &many),
                )
            }))
            .collect();
        decide(&mut all, &s);
        assert_eq!(all[0].verdict, Verdict::Inconclusive);
        assert_eq!(all[10].verdict, Verdict::Unchanged);
    }

    #[test]
    fn identical_constant_runs_stay_out_of_the_holm_family() {
        let s = Settings::default();
        let base = [1.0, 1.01, 0.99, 1.02, 0.98];
        let head: Vec<f64> = base.iter().map(|v| v * 2.0).collect();
        let bytes = [4096.0; 5];
        let mut all: Vec<Comparison> = (0..4)
            .map(|i| {
                compare_one(
                    &metric(&i.to_string(), &base),
                    &metric(&i.to_string(), &head),
                )
            })
            .chain((0..6).map(|i| {
                compare_one(
                    &metric(&format!("B/op {i}"), &bytes),
                    &metric(&format!("B/op {i}"), &bytes),
                )
            }))
            .collect();
        decide(&mut all, &s);
        assert_eq!(all[0].verdict, Verdict::Regressed, "{:?}", all[0]);
        assert_eq!(all[4].verdict, Verdict::Unchanged);
        assert_eq!(all[4].p_value, None);
    }

    #[test]
    fn the_geomean_counts_a_worse_throughput_as_worse() {
        let mk = |head: f64, direction| Comparison {
            name: String::new(),
            unit: String::new(),
            base: 100.0,
            head,
            change: head / 100.0 - 1.0,
            ci: None,
            p_value: None,
            raw_p: None,
            method: Method::Ratio,
            verdict: Verdict::Unchanged,
            direction,
            n: (1, 1),
            floor: None,
        };
        // Twice the time, half the throughput: twice as costly, twice.
        let all = [
            mk(200.0, Direction::LowerIsBetter),
            mk(50.0, Direction::HigherIsBetter),
        ];
        assert!((geomean(&all).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn holm_is_step_down() {
        let mk = |p| Comparison {
            name: String::new(),
            unit: "s".into(),
            base: 1.0,
            head: 2.0,
            change: 1.0,
            ci: None,
            p_value: Some(p),
            raw_p: Some(p),
            method: Method::MannWhitney,
            verdict: Verdict::Unchanged,
            direction: Direction::LowerIsBetter,
            n: (10, 10),
            floor: None,
        };
        let mut all = vec![mk(0.01), mk(0.04), mk(0.03)];
        decide(&mut all, &Settings::default());
        assert_eq!(all[0].p_value, Some(0.03));
        assert_eq!(all[2].p_value, Some(0.06));
        assert_eq!(all[1].p_value, Some(0.06));
        assert_eq!(all[0].verdict, Verdict::Regressed);
        assert_eq!(all[1].verdict, Verdict::Unchanged);
    }
}
