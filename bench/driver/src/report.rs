//! The results: one row per scenario, system and connection mode, printed as a table and
//! written as JSON.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

/// One measured run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Row {
    /// `projects_list`, `project_detail`, `tasks_list`, `create_task` or `mixed`.
    pub(crate) scenario: String,
    /// `app`, `baseline`, `django` or `limit`.
    pub(crate) system: String,
    /// `keep-alive` or `close`.
    pub(crate) connection: String,
    /// Requests per second.
    pub(crate) rps: f64,
    /// Median latency, ms.
    pub(crate) p50_ms: f64,
    /// 99th percentile latency, ms.
    pub(crate) p99_ms: f64,
    /// Server plus PostgreSQL CPU per request, ms.
    pub(crate) cpu_ms_per_req: f64,
    /// The server's process tree, CPU ms per request (0 for `limit`: no server).
    pub(crate) server_cpu_ms: f64,
    /// PostgreSQL's process tree (its backends for the benchmark's databases and its shared
    /// processes), CPU ms per request.
    pub(crate) pg_cpu_ms: f64,
    /// The load generator (wrk or pgbench), CPU ms per request.
    pub(crate) client_cpu_ms: f64,
    /// Requests measured.
    pub(crate) requests: u64,
    /// Bodies checked for their tenant.
    pub(crate) checked: u64,
    /// Tenants in the data set.
    pub(crate) tenants: u64,
    /// Data scale of the data set.
    pub(crate) data_scale: u64,
    /// The server's peak resident set (process tree), MiB.
    pub(crate) rss_mib: Option<f64>,
    /// Cores busy with other work during the run (machine busy minus server, PostgreSQL and
    /// load generator).
    pub(crate) other_cores: f64,
    /// Busy cores measured just before the run started.
    pub(crate) busy_before: f64,
    /// Load averages (1, 5, 15 min) when the (last) run ended.
    pub(crate) load_avg: String,
    /// Runs this row's figures are the medians of (`--rounds`).
    pub(crate) runs: u64,
}

/// The file the rows are written to: `summary.json` for the default data set, else
/// `summary-<tenants>t-<scale>x.json`, in `dir`.
pub(crate) fn summary_path(dir: &Path, tenants: u64, scale: u64, default: bool) -> PathBuf {
    if default {
        dir.join("summary.json")
    } else {
        dir.join(format!("summary-{tenants}t-{scale}x.json"))
    }
}

/// Writes `rows` as a pretty JSON list to `path`, creating its folder.
pub(crate) fn write_json(path: &Path, rows: &[Row]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(rows)?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
}

/// One row per scenario, system and connection mode, in the order they first ran: with one run
/// each, `rows` as they are; with several (`--rounds`), each figure the median of its runs,
/// requests and checked bodies summed, the peak RSS the largest.
pub(crate) fn medians(rows: &[Row]) -> Vec<Row> {
    let mut keys: Vec<(&str, &str, &str)> = Vec::new();
    for r in rows {
        let key = (
            r.scenario.as_str(),
            r.system.as_str(),
            r.connection.as_str(),
        );
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.into_iter()
        .map(|(scenario, system, connection)| {
            let runs: Vec<&Row> = rows
                .iter()
                .filter(|r| {
                    r.scenario == scenario && r.system == system && r.connection == connection
                })
                .collect();
            let median = |field: fn(&Row) -> f64| median(runs.iter().map(|r| field(r)).collect());
            let last = runs[runs.len() - 1];
            Row {
                rps: median(|r| r.rps),
                p50_ms: median(|r| r.p50_ms),
                p99_ms: median(|r| r.p99_ms),
                cpu_ms_per_req: median(|r| r.cpu_ms_per_req),
                server_cpu_ms: median(|r| r.server_cpu_ms),
                pg_cpu_ms: median(|r| r.pg_cpu_ms),
                client_cpu_ms: median(|r| r.client_cpu_ms),
                requests: runs.iter().map(|r| r.requests).sum(),
                checked: runs.iter().map(|r| r.checked).sum(),
                rss_mib: runs.iter().filter_map(|r| r.rss_mib).reduce(f64::max),
                other_cores: median(|r| r.other_cores),
                busy_before: median(|r| r.busy_before),
                runs: runs.iter().map(|r| r.runs).sum(),
                ..last.clone()
            }
        })
        .collect()
}

/// The median of `values` (the mean of the middle two for an even count; 0 for none).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// `a / b` as a ratio cell (`-` when either side is missing).
fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "-".to_owned(),
    }
}

/// `rows` grouped by scenario, then connection mode, each group in the order its first row
/// came, systems in the order they ran.
fn grouped(rows: &[Row]) -> Vec<&Row> {
    let first = |f: &dyn Fn(&Row) -> bool| rows.iter().position(f).unwrap_or(0);
    let mut out: Vec<&Row> = rows.iter().collect();
    out.sort_by_key(|r| {
        (
            first(&|o: &Row| o.scenario == r.scenario),
            first(&|o: &Row| o.connection == r.connection),
        )
    });
    out
}

/// The table: rows in the order given, each app row with its throughput relative to the
/// baseline and Django in the same scenario and connection mode, and to the limit of the
/// scenario (measured on persistent connections only).
pub(crate) fn table(rows: &[Row], with_rss: bool) -> String {
    let rps_of = |row: &Row, system: &str| {
        rows.iter()
            .find(|r| {
                r.system == system && r.scenario == row.scenario && r.connection == row.connection
            })
            .map(|r| r.rps)
    };
    let limit_of = |row: &Row| {
        rows.iter()
            .find(|r| r.system == "limit" && r.scenario == row.scenario)
            .map(|r| r.rps)
    };
    let mut head = vec![
        "scenario",
        "system",
        "connection",
        "req/s",
        "p50 ms",
        "p99 ms",
        "CPU ms/req srv+pg",
        "app/baseline",
        "app/limit",
        "app/django",
    ];
    if with_rss {
        head.push("peak RSS MiB");
    }
    let mut cells: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
    for r in grouped(rows) {
        let (b, l, d) = if r.system == "app" {
            let app = Some(r.rps);
            (
                ratio(app, rps_of(r, "baseline")),
                // The limit runs on persistent connections only: both app modes against it.
                ratio(app, limit_of(r)),
                ratio(app, rps_of(r, "django")),
            )
        } else {
            ("".to_owned(), "".to_owned(), "".to_owned())
        };
        let mut line = vec![
            r.scenario.clone(),
            r.system.clone(),
            r.connection.clone(),
            format!("{:.0}", r.rps),
            format!("{:.2}", r.p50_ms),
            format!("{:.2}", r.p99_ms),
            format!(
                "{:.3}+{:.3}={:.3}",
                r.server_cpu_ms, r.pg_cpu_ms, r.cpu_ms_per_req
            ),
            b,
            l,
            d,
        ];
        if with_rss {
            line.push(r.rss_mib.map_or("-".to_owned(), |m| format!("{m:.1}")));
        }
        cells.push(line);
    }
    let widths: Vec<usize> = (0..cells[0].len())
        .map(|c| {
            cells
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, line) in cells.iter().enumerate() {
        let text: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, w))| {
                if c < 3 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", text.join("  ").trim_end());
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            let _ = writeln!(out, "{}", rule.join("  "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(system: &str, rps: f64) -> Row {
        Row {
            scenario: "projects_list".into(),
            system: system.into(),
            connection: "keep-alive".into(),
            rps,
            p50_ms: 1.5,
            p99_ms: 9.25,
            cpu_ms_per_req: 0.75,
            server_cpu_ms: 0.5,
            pg_cpu_ms: 0.25,
            tenants: 100,
            data_scale: 1,
            requests: 10,
            runs: 1,
            ..Row::default()
        }
    }

    #[test]
    fn rounds_are_reported_as_medians_in_the_order_rows_first_ran() {
        let mut rows = Vec::new();
        for (app, baseline) in [(3000.0, 4000.0), (3600.0, 3800.0), (3300.0, 5000.0)] {
            let mut a = row("app", app);
            a.server_cpu_ms = app / 10_000.0;
            a.rss_mib = Some(app / 100.0);
            rows.push(a);
            rows.push(row("baseline", baseline));
        }
        let m = medians(&rows);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].system.as_str(), m[0].rps), ("app", 3300.0));
        assert_eq!(m[0].server_cpu_ms, 0.33);
        assert_eq!(m[0].rss_mib, Some(36.0));
        assert_eq!((m[0].runs, m[0].requests), (3, 30));
        assert_eq!((m[1].system.as_str(), m[1].rps), ("baseline", 4000.0));
        assert_eq!(m[1].rss_mib, None);
        // One run each: the rows as they are.
        assert_eq!(medians(&rows[..2]), rows[..2].to_vec());
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn the_table_puts_ratios_on_the_app_rows() {
        let rows = [
            row("app", 1000.0),
            row("baseline", 1250.0),
            row("limit", 4000.0),
        ];
        let t = table(&rows, false);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[0].starts_with("scenario"));
        assert!(lines[0].contains("app/django"));
        assert!(!lines[0].contains("RSS"));
        assert!(lines[2].contains("0.80"), "{t}");
        assert!(lines[2].contains("0.25"), "{t}");
        assert!(lines[2].trim_end().ends_with('-'), "no django row: {t}");
        assert!(lines[2].contains("0.500+0.250=0.750"));
        assert!(lines[3].trim_end().ends_with("0.750"), "{t}");
        assert!(
            table(&rows, true)
                .lines()
                .next()
                .unwrap()
                .contains("peak RSS MiB")
        );
    }

    #[test]
    fn the_table_groups_rows_by_scenario_and_connection() {
        let mut close = row("app", 1.0);
        close.connection = "close".into();
        let mut mixed = row("app", 2.0);
        mixed.scenario = "mixed".into();
        let rows = [row("app", 3.0), close, mixed, row("limit", 4.0)];
        let order: Vec<f64> = grouped(&rows).iter().map(|r| r.rps).collect();
        assert_eq!(order, [3.0, 4.0, 1.0, 2.0]);
    }

    #[test]
    fn a_close_row_of_the_app_is_compared_with_the_one_limit_row() {
        let mut close = row("app", 1000.0);
        close.connection = "close".into();
        let rows = [row("app", 2000.0), close, row("limit", 4000.0)];
        let t = table(&rows, false);
        let close_line = t.lines().find(|l| l.contains("close")).unwrap();
        assert!(close_line.contains("0.25"), "{t}");
        let keep = t
            .lines()
            .find(|l| l.contains(" app ") && l.contains("keep-alive"))
            .unwrap();
        assert!(keep.contains("0.50"), "{t}");
    }

    #[test]
    fn the_json_has_the_documented_fields() {
        let v = serde_json::to_value([row("django", 400.0)]).unwrap();
        let o = &v[0];
        for key in [
            "scenario",
            "system",
            "connection",
            "rps",
            "p50_ms",
            "p99_ms",
            "cpu_ms_per_req",
        ] {
            assert!(o.get(key).is_some(), "{key}");
        }
        assert_eq!(o["system"], "django");
        assert_eq!(o["connection"], "keep-alive");
        let dir = tempfile::tempdir().unwrap();
        let path = summary_path(&dir.path().join("bench"), 100, 1, true);
        write_json(&path, &[row("app", 1.0)]).unwrap();
        let back: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(back[0]["system"], "app");
        assert!(summary_path(dir.path(), 10000, 1, false).ends_with("summary-10000t-1x.json"));
    }
}
