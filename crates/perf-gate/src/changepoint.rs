//! Change points in a benchmark's history: E-Divisive means (Matteson & James, 2014) with a
//! significance test, as Hunter and Otava use it. The split that maximises the energy
//! statistic is kept when Welch's t between the two sides is below `max_p`, then each side is
//! split again. Written here because no well-kept Rust crate implements it; the
//! t-distribution comes from statrs (through [`crate::compare::welch`]).

/// How eagerly steps are found.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Fewest points on each side of a step.
    pub min_size: usize,
    /// Largest p-value of Welch's t between the sides for a step to count (Hunter's default).
    pub max_p: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_size: 3,
            max_p: 0.001,
        }
    }
}

/// The indices at which a new segment starts, ascending (empty: one stable segment).
pub fn change_points(x: &[f64], s: &Settings) -> Vec<usize> {
    let mut out = Vec::new();
    split(x, 0, s, &mut out);
    out.sort_unstable();
    out
}

fn split(x: &[f64], offset: usize, s: &Settings, out: &mut Vec<usize>) {
    let Some(tau) = best_split(x, s.min_size.max(2)) else {
        return;
    };
    let (a, b) = x.split_at(tau);
    if !significant(a, b, s.max_p) {
        return;
    }
    out.push(offset + tau);
    split(a, offset, s, out);
    split(b, offset + tau, s, out);
}

/// The split maximising the energy statistic `Q = mk/(m+k) · Ê` with
/// `Ê = 2/(mk) Σ|a−b| − Σ|a−a'|/C(m,2) − Σ|b−b'|/C(k,2)` (distances to the power 1), from
/// prefix sums of the distance matrix: O(n²) for the whole search.
fn best_split(x: &[f64], min: usize) -> Option<usize> {
    let n = x.len();
    if n < 2 * min {
        return None;
    }
    // p[i][j] = Σ_{a<i, b<j} |x_a − x_b|, flattened.
    let w = n + 1;
    let mut p = vec![0.0f64; w * w];
    for i in 0..n {
        let mut row = 0.0;
        for j in 0..n {
            row += (x[i] - x[j]).abs();
            p[(i + 1) * w + j + 1] = p[i * w + j + 1] + row;
        }
    }
    let rect = |a0: usize, a1: usize, b0: usize, b1: usize| {
        p[a1 * w + b1] - p[a0 * w + b1] - p[a1 * w + b0] + p[a0 * w + b0]
    };
    let pairs = |m: usize| (m * (m - 1) / 2) as f64;
    let mut best: Option<(usize, f64)> = None;
    for tau in min..=n - min {
        let (m, k) = (tau as f64, (n - tau) as f64);
        let cross = rect(0, tau, tau, n);
        let within_a = rect(0, tau, 0, tau) / 2.0;
        let within_b = rect(tau, n, tau, n) / 2.0;
        let e = 2.0 * cross / (m * k) - within_a / pairs(tau) - within_b / pairs(n - tau);
        let q = m * k / (m + k) * e;
        if best.is_none_or(|(_, b)| q > b) {
            best = Some((tau, q));
        }
    }
    best.map(|(t, _)| t)
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

fn significant(a: &[f64], b: &[f64], max_p: f64) -> bool {
    let ((ma, sa), (mb, sb)) = (mean_sd(a), mean_sd(b));
    crate::compare::welch(ma, sa, a.len() as u64, mb, sb, b.len() as u64).is_some_and(|p| p < max_p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::{Rng, SeedableRng};

    /// Normal noise from a seeded generator (Box-Muller).
    fn noise(rng: &mut rand_pcg::Pcg64, n: usize, mean: f64, sd: f64) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let u1 = (rng.next_u64() as f64 + 1.0) / (u64::MAX as f64 + 2.0);
                let u2 = rng.next_u64() as f64 / u64::MAX as f64;
                mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            })
            .collect()
    }

    #[test]
    fn a_step_is_found_where_it_starts() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let mut x = noise(&mut rng, 30, 100.0, 2.0);
        x.extend(noise(&mut rng, 20, 120.0, 2.0));
        assert_eq!(change_points(&x, &Settings::default()), vec![30]);
    }

    #[test]
    fn two_steps_are_both_found() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(8);
        let mut x = noise(&mut rng, 25, 100.0, 2.0);
        x.extend(noise(&mut rng, 25, 80.0, 2.0));
        x.extend(noise(&mut rng, 25, 110.0, 2.0));
        assert_eq!(change_points(&x, &Settings::default()), vec![25, 50]);
    }

    #[test]
    fn noise_alone_has_no_step_in_most_series() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(9);
        let trials = 200;
        let found = (0..trials)
            .filter(|_| {
                !change_points(&noise(&mut rng, 40, 100.0, 5.0), &Settings::default()).is_empty()
            })
            .count();
        // The search picks the best split before testing it, so the rate is above max_p; it
        // must still be rare.
        assert!(
            found <= trials / 20,
            "{found} of {trials} noise series had a step"
        );
    }

    #[test]
    fn too_short_or_flat_series_have_none() {
        assert!(change_points(&[1.0, 2.0, 3.0, 4.0, 5.0], &Settings::default()).is_empty());
        assert!(change_points(&[5.0; 20], &Settings::default()).is_empty());
        let mut flat = vec![5.0; 10];
        flat.extend([7.0; 10]);
        assert_eq!(change_points(&flat, &Settings::default()), vec![10]);
    }
}
