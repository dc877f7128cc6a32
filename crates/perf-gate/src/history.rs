//! `--history <FILE>`: the benchmarks' past runs, kept by the user's workflow (a cache, an
//! artifact or a data branch) instead of a service. A versioned JSON file of at most `keep`
//! runs, each one value per benchmark (its centre: the median of the samples, else the mean).
//! The baseline of a run is each benchmark's current stable segment: the runs since the last
//! step change found by [`crate::changepoint`].

use std::collections::BTreeMap;
use std::path::Path;

use gates_core::InputError;
use serde::{Deserialize, Serialize};

use crate::changepoint;

/// The schema name of the history file; a new incompatible layout gets a new name.
pub const SCHEMA: &str = "gates-perf-history/v1";

/// Runs kept when neither `--history-keep` nor `history-keep` says.
pub const DEFAULT_KEEP: usize = 100;

/// The most runs a history may keep (change-point search is quadratic in the runs).
pub const MAX_KEEP: usize = 1000;

/// Fewest runs in the current segment before a benchmark is compared with its history.
pub const MIN_RUNS: usize = 5;

/// The history file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Oldest first.
    pub runs: Vec<Run>,
}

/// One run of the gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    /// The commit measured (`GITHUB_SHA`, or the pull request head).
    pub commit: String,
    /// The workflow run (`GITHUB_RUN_ID`, with `-<attempt>` after a re-run), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// When it was recorded, RFC 3339 UTC.
    pub time: String,
    /// The report format.
    pub format: String,
    /// Each compared benchmark's centre.
    pub benchmarks: BTreeMap<String, Point>,
}

/// One benchmark in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Unit of `value`.
    pub unit: String,
    /// Median of the samples, else the mean.
    pub value: f64,
}

/// A step change in one benchmark's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Benchmark name.
    pub name: String,
    /// The first run of the new level.
    pub commit: String,
    /// Its workflow run.
    pub run: Option<String>,
    /// Mean of the segment before.
    pub before: f64,
    /// Mean of the segment from `commit` on.
    pub after: f64,
}

/// One benchmark's values over the kept runs (run index, value), and where they step.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Benchmark name.
    pub name: String,
    /// Unit of the values.
    pub unit: String,
    /// (index into [`History::runs`], value), oldest first.
    pub points: Vec<(usize, f64)>,
    /// Indices into `points` where a new segment starts.
    pub changes: Vec<usize>,
}

impl Series {
    /// The values of the current stable segment (since the last step).
    pub fn segment(&self) -> Vec<f64> {
        let start = self.changes.last().copied().unwrap_or(0);
        self.points[start..].iter().map(|p| p.1).collect()
    }
}

impl Default for History {
    fn default() -> Self {
        History {
            schema: SCHEMA.into(),
            runs: Vec::new(),
        }
    }
}

impl History {
    /// Read the file; a file that does not exist yet is an empty history (the first run).
    pub fn read(path: &Path) -> Result<History, InputError> {
        let fix = "give the file an earlier `perf-gate --history` wrote, or delete it to start a new history";
        let text =
            match gates_core::input::read_regular_file(path, gates_core::input::MAX_REPORT_BYTES) {
                Ok(t) => t,
                Err(_) if !path.exists() => return Ok(History::default()),
                Err(e) => return Err(e),
            };
        let h: History = serde_json::from_slice(&text)
            .map_err(|e| InputError::json(path, "not a perf history file", &e, fix))?;
        if h.schema != SCHEMA {
            return Err(InputError::new(
                path,
                format!("history schema {:?}, this gate reads {SCHEMA:?}", h.schema),
                fix,
            ));
        }
        if let Some((i, name)) = h.runs.iter().enumerate().find_map(|(i, r)| {
            r.benchmarks
                .iter()
                .find(|(_, p)| !p.value.is_finite() || p.value < 0.0)
                .map(|(n, _)| (i, n))
        }) {
            return Err(InputError::new(
                path,
                format!(
                    "run {i} has a value for {name:?} that is not a finite, non-negative number"
                ),
                fix,
            ));
        }
        Ok(h)
    }

    /// Write the file atomically (a reader never sees half of it).
    pub fn write(&self, path: &Path) -> Result<(), InputError> {
        let text = serde_json::to_string_pretty(self).expect("a history serialises") + "\n";
        gates_core::files::write_atomic(path, |tmp| std::fs::write(tmp, &text))
            .map_err(|e| InputError::write(path, &e))
    }

    /// Add `run`, replacing a re-run of the same commit and workflow run, and keep the last
    /// `keep` runs.
    pub fn append(&mut self, run: Run, keep: usize) {
        if self
            .runs
            .last()
            .is_some_and(|l| l.commit == run.commit && l.run.is_some() && l.run == run.run)
        {
            self.runs.pop();
        }
        self.runs.push(run);
        let extra = self.runs.len().saturating_sub(keep);
        self.runs.drain(..extra);
    }

    /// Every benchmark's series with its step changes, in name order.
    pub fn series(&self, s: &changepoint::Settings) -> Vec<Series> {
        let mut by_name: BTreeMap<&str, Series> = BTreeMap::new();
        for (i, r) in self.runs.iter().enumerate() {
            for (name, p) in &r.benchmarks {
                let e = by_name.entry(name).or_insert_with(|| Series {
                    name: name.clone(),
                    unit: p.unit.clone(),
                    points: Vec::new(),
                    changes: Vec::new(),
                });
                e.points.push((i, p.value));
            }
        }
        by_name
            .into_values()
            .map(|mut e| {
                let values: Vec<f64> = e.points.iter().map(|p| p.1).collect();
                e.changes = changepoint::change_points(&values, s);
                e
            })
            .collect()
    }

    /// The step changes of every series, oldest first.
    pub fn steps(&self, series: &[Series]) -> Vec<Step> {
        let mut out = Vec::new();
        for s in series {
            let mut bounds = vec![0];
            bounds.extend(&s.changes);
            bounds.push(s.points.len());
            let mean = |a: usize, b: usize| {
                s.points[a..b].iter().map(|p| p.1).sum::<f64>() / (b - a) as f64
            };
            for w in bounds.windows(3) {
                let run = &self.runs[s.points[w[1]].0];
                out.push(Step {
                    name: s.name.clone(),
                    commit: run.commit.clone(),
                    run: run.run.clone(),
                    before: mean(w[0], w[1]),
                    after: mean(w[1], w[2]),
                });
            }
        }
        out.sort_by_key(|st| {
            self.runs
                .iter()
                .position(|r| r.commit == st.commit && r.run == st.run)
        });
        out
    }
}

/// This moment, RFC 3339 UTC to the second.
pub fn now() -> String {
    let t = jiff::Timestamp::now();
    t.round(jiff::Unit::Second).unwrap_or(t).to_string()
}

/// This run's name in the history from the runner's variables: `GITHUB_RUN_ID`, with
/// `-<attempt>` after a re-run.
pub fn run_id(env: &gates_core::ActionsEnv) -> Option<String> {
    env.get("GITHUB_RUN_ID")
        .map(|id| match env.get("GITHUB_RUN_ATTEMPT") {
            Some(a) if a != "1" => format!("{id}-{a}"),
            _ => id.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(commit: &str, v: f64) -> Run {
        Run {
            commit: commit.into(),
            run: Some(commit.into()),
            time: "2026-12-03T00:00:00Z".into(),
            format: "hyperfine".into(),
            benchmarks: [(
                "b".to_string(),
                Point {
                    unit: "s".into(),
                    value: v,
                },
            )]
            .into(),
        }
    }

    #[test]
    fn append_is_bounded_and_replaces_a_rerun() {
        let mut h = History::default();
        for i in 0..5 {
            h.append(run(&format!("c{i}"), i as f64), 3);
        }
        assert_eq!(
            h.runs.iter().map(|r| r.commit.as_str()).collect::<Vec<_>>(),
            ["c2", "c3", "c4"]
        );
        h.append(run("c4", 9.0), 3);
        assert_eq!(h.runs.len(), 3);
        assert_eq!(h.runs[2].benchmarks["b"].value, 9.0);
    }

    #[test]
    fn a_step_is_reported_at_the_commit_it_starts() {
        let mut h = History::default();
        for i in 0..20 {
            let v = if i < 12 { 1.0 } else { 1.5 } + (i % 3) as f64 * 0.01;
            h.append(run(&format!("c{i}"), v), 100);
        }
        let series = h.series(&changepoint::Settings::default());
        let steps = h.steps(&series);
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert_eq!(steps[0].commit, "c12");
        assert!((steps[0].after / steps[0].before - 1.5).abs() < 0.02);
        assert_eq!(series[0].segment().len(), 8);
    }

    #[test]
    fn a_missing_file_is_an_empty_history_and_a_bad_one_an_error() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(
            History::read(&d.path().join("none.json")).unwrap(),
            History::default()
        );
        let p = d.path().join("h.json");
        std::fs::write(&p, "{\"schema\": \"gates-perf-history/v0\", \"runs\": []}").unwrap();
        assert!(History::read(&p).unwrap_err().to_string().contains("v0"));
        std::fs::write(&p, "{\"schema\": ").unwrap();
        let e = History::read(&p).unwrap_err().to_string();
        assert!(e.contains("h.json:1:") && e.contains("ends early"), "{e}");
        let mut h = History::default();
        h.append(run("c", 1.0), 10);
        h.write(&p).unwrap();
        assert_eq!(History::read(&p).unwrap(), h);
    }
}
