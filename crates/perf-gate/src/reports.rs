//! The reports of one side (head or baseline) read into one [`Report`]: directories walked,
//! formats checked to agree, and a benchmark that appears in several reports (interleaved A/B
//! rounds, repeated runs) pooled into one.

use std::path::{Path, PathBuf};

use gates_core::InputError;

use crate::formats;
use crate::model::{Format, Metric, Report, Summary};

/// Read the reports (files or directories of them) into one.
pub fn read_all(paths: &[PathBuf], forced: Option<Format>) -> Result<Report, InputError> {
    let mut out: Option<Report> = None;
    for p in files(paths)? {
        let r = formats::read(&p, forced)?;
        match &mut out {
            None => out = Some(r),
            Some(o) => merge(o, r, &p)?,
        }
    }
    out.ok_or_else(|| {
        InputError::new(
            gates_core::error::Origin::command_line(),
            "no report given",
            "name a report",
        )
    })
}

/// Files as given; a directory contributes its regular, non-hidden files in name order.
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let mut inside = gates_core::input::walk(p, 0, &mut |f| f.is_file())?;
        if inside.is_empty() {
            return Err(InputError::new(
                p,
                "the directory holds no report",
                "check that the benchmark step wrote its report there",
            ));
        }
        formats::choose_in_directory(&mut inside);
        out.extend(inside);
    }
    Ok(out)
}

fn merge(o: &mut Report, r: Report, path: &Path) -> Result<(), InputError> {
    if o.format != r.format {
        return Err(InputError::new(
            path,
            format!(
                "a {} report among {} reports",
                r.format.name(),
                o.format.name()
            ),
            "give the reports of one tool per run of the gate",
        ));
    }
    let shift = o.tag_sets.len() as u32;
    o.tag_sets.extend(r.tag_sets);
    let mut index = o.index_by_name();
    for mut m in r.metrics {
        for t in &mut m.sample_tags {
            *t += shift;
        }
        match index.get(&m.name) {
            None => {
                index.insert(m.name.clone(), o.metrics.len());
                o.metrics.push(m);
            }
            Some(&i) => pool(&mut o.metrics[i], m, path)?,
        }
    }
    Ok(())
}

/// One benchmark from two runs: raw samples concatenated; summaries combined (the pooled mean
/// and the variance within and between the runs). The tool's own percentiles cannot be
/// combined, so only the pooled statistics remain.
fn pool(into: &mut Metric, m: Metric, path: &Path) -> Result<(), InputError> {
    if into.kind != m.kind || into.unit != m.unit {
        return Err(InputError::new(
            path,
            format!(
                "{:?} is a {} in {} here and a {} in {} in an earlier report",
                m.name,
                m.kind.name(),
                m.unit.name(),
                into.kind.name(),
                into.unit.name()
            ),
            "give reports of the same benchmarks measured the same way",
        ));
    }
    if into.has_samples && m.has_samples {
        into.samples.extend(m.samples);
        into.sample_tags.extend(m.sample_tags);
        return Ok(());
    }
    let (Some(a), Some(b)) = (into.summary, m.summary) else {
        return Err(InputError::new(
            path,
            format!("{:?} is in more than one report, and one of them has neither its samples nor its mean, deviation and count", m.name),
            "give each benchmark once, or reports that keep their samples",
        ));
    };
    let n = a.n + b.n;
    let mean = (a.mean * a.n as f64 + b.mean * b.n as f64) / n as f64;
    let ss = |s: Summary| {
        (s.n.saturating_sub(1)) as f64 * s.stddev * s.stddev + s.n as f64 * (s.mean - mean).powi(2)
    };
    let stddev = ((ss(a) + ss(b)) / (n.saturating_sub(1)).max(1) as f64).sqrt();
    into.summary = Some(Summary { mean, stddev, n });
    into.has_samples = false;
    into.samples.clear();
    into.sample_tags.clear();
    into.given.clear();
    into.given.insert("avg".into(), mean);
    into.given.insert("count".into(), n as f64);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Unit};

    #[test]
    fn pooled_summaries_equal_the_summary_of_all_values() {
        // [1, 2, 3] and [5, 7]: all five have mean 3.6 and sample sd 2.408.
        let mk = |mean, sd, n| {
            let mut m = Metric::new("b", Kind::Trend, Unit::Seconds);
            m.summary = Some(Summary {
                mean,
                stddev: sd,
                n,
            });
            m
        };
        let mut a = mk(2.0, 1.0, 3);
        pool(&mut a, mk(6.0, 2f64.sqrt(), 2), Path::new("x")).unwrap();
        let s = a.summary.unwrap();
        assert_eq!(s.n, 5);
        assert!((s.mean - 3.6).abs() < 1e-12);
        assert!((s.stddev - 2.408_318).abs() < 1e-6, "{}", s.stddev);
    }
}
