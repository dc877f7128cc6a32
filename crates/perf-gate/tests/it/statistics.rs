//! Seeded simulations of the regression test: with head and base from the same distribution it
//! flags about `alpha` of the runs; with a 20% slowdown it finds nearly all of them.

use perf_gate::compare::{self, Settings, Verdict};
use perf_gate::model::{Kind, Metric, Unit};
use rand_core::{Rng, SeedableRng};

/// Normal samples by Box-Muller from a seeded generator.
fn normal(rng: &mut rand_pcg::Pcg64, n: usize, mean: f64, sd: f64) -> Vec<f64> {
    let u = |rng: &mut rand_pcg::Pcg64| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (0..n)
        .map(|_| {
            let (a, b) = (u(rng).max(1e-300), u(rng));
            mean + sd * (-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos()
        })
        .collect()
}

fn bench(samples: Vec<f64>) -> Metric {
    let mut m = Metric::new("b", Kind::Trend, Unit::Seconds);
    m.samples = samples;
    m.has_samples = true;
    m
}

fn run(trials: usize, shift: f64, max_regression: f64) -> (usize, usize) {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(42);
    let s = Settings {
        max_regression,
        resamples: 200,
        ..Settings::default()
    };
    let (mut significant, mut regressed) = (0, 0);
    for _ in 0..trials {
        let base = bench(normal(&mut rng, 20, 1.0, 0.05));
        let head = bench(normal(&mut rng, 20, 1.0 + shift, 0.05));
        let mut c = vec![compare::compare_one(&base, &head)];
        compare::decide(&mut c, &s);
        if c[0].p_value.unwrap() < s.alpha {
            significant += 1;
        }
        if c[0].verdict == Verdict::Regressed {
            regressed += 1;
        }
    }
    (significant, regressed)
}

#[test]
fn same_distribution_is_significant_about_alpha_of_the_time() {
    let (significant, regressed) = run(400, 0.0, 0.0);
    // alpha = 0.05 of 400 is 20; the binomial's 99.9% range is about 6 to 37.
    assert!((6..=37).contains(&significant), "{significant} of 400");
    // With the default 10% allowance no equal pair is a regression.
    assert_eq!(run(400, 0.0, 0.10).1, 0);
    assert!(regressed <= significant);
}

#[test]
fn a_twenty_percent_slowdown_is_found() {
    let (_, regressed) = run(200, 0.20, 0.10);
    assert!(regressed >= 198, "{regressed} of 200");
    // A 20% speed-up is an improvement, never a regression.
    assert_eq!(run(200, -0.20, 0.10).1, 0);
}

#[test]
fn holm_keeps_the_family_wise_rate_near_alpha() {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
    let s = Settings {
        max_regression: 0.0,
        resamples: 50,
        ..Settings::default()
    };
    let mut any = 0;
    for _ in 0..100 {
        let mut all: Vec<_> = (0..20)
            .map(|_| {
                let base = bench(normal(&mut rng, 15, 1.0, 0.05));
                let head = bench(normal(&mut rng, 15, 1.0, 0.05));
                compare::compare_one(&base, &head)
            })
            .collect();
        compare::decide(&mut all, &s);
        if all.iter().any(|c| c.verdict != Verdict::Unchanged) {
            any += 1;
        }
    }
    // Uncorrected, 20 tests at 0.05 flag some benchmark in about 64% of the runs.
    assert!(any <= 12, "{any} of 100 runs flagged a benchmark");
}

#[test]
fn the_bootstrap_is_seeded() {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
    let a = normal(&mut rng, 30, 1.0, 0.1);
    let b = normal(&mut rng, 30, 1.2, 0.1);
    let s = Settings::default();
    let ci = compare::bootstrap_ci(&a, &b, &s).unwrap();
    assert_eq!(ci, compare::bootstrap_ci(&a, &b, &s).unwrap());
    assert!(ci.0 > 0.05 && ci.1 < 0.40 && ci.0 < ci.1, "{ci:?}");
}

/// The same simulations through Welch's t, the test for reports that give only mean, deviation
/// and count (Google Benchmark's aggregates, BenchmarkDotNet's statistics).
#[test]
fn welch_on_summaries_flags_about_alpha_and_finds_a_twenty_percent_slowdown() {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
    let s = Settings {
        max_regression: 0.10,
        ..Settings::default()
    };
    let summary = |samples: Vec<f64>| {
        let mut m = Metric::new("b", Kind::Trend, Unit::Seconds);
        m.summary = perf_gate::model::Summary::of(&samples);
        m
    };
    let (mut false_alarms, mut significant, mut found) = (0, 0, 0);
    for _ in 0..400 {
        let base = summary(normal(&mut rng, 20, 1.0, 0.05));
        let same = summary(normal(&mut rng, 20, 1.0, 0.05));
        let slow = summary(normal(&mut rng, 20, 1.2, 0.05));
        let mut c = vec![compare::compare_one(&base, &same)];
        compare::decide(&mut c, &s);
        assert_eq!(c[0].method, compare::Method::Welch);
        significant += usize::from(c[0].p_value.unwrap() < s.alpha);
        false_alarms += usize::from(c[0].verdict == Verdict::Regressed);
        let mut c = vec![compare::compare_one(&base, &slow)];
        compare::decide(&mut c, &s);
        found += usize::from(c[0].verdict == Verdict::Regressed);
    }
    assert!((6..=37).contains(&significant), "{significant} of 400");
    assert_eq!(false_alarms, 0);
    assert!(found >= 398, "{found} of 400");
}

/// Many series of few repetitions (the shape of a Google Benchmark or `go test -count 5` run):
/// a real doubling of every series is never reported unchanged.
#[test]
fn many_series_of_few_repetitions_never_hide_a_doubling() {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
    let s = Settings::default();
    for series in [1usize, 3, 9, 27] {
        let mut all: Vec<_> = (0..series)
            .map(|_| {
                let base = bench(normal(&mut rng, 5, 1.0, 0.02));
                let head = bench(normal(&mut rng, 5, 2.0, 0.04));
                compare::compare_one(&base, &head)
            })
            .collect();
        compare::decide(&mut all, &s);
        assert!(
            all.iter().all(|c| c.verdict != Verdict::Unchanged),
            "{series} series: {:?}",
            all.iter().map(|c| c.verdict).collect::<Vec<_>>()
        );
    }
}
