//! What a load generator reports: wrk's result line (printed by `bench/wrk/bench.lua`) and
//! pgbench's output and per-transaction logs.

use std::collections::HashMap;

use anyhow::{Context, Result, anyhow};

/// One measured run as the load generator saw it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Outcome {
    /// Requests (pgbench: transactions) completed.
    pub(crate) requests: u64,
    /// Seconds measured.
    pub(crate) duration_s: f64,
    /// Requests per second.
    pub(crate) rps: f64,
    /// Median latency, milliseconds.
    pub(crate) p50_ms: f64,
    /// 99th percentile latency, milliseconds.
    pub(crate) p99_ms: f64,
    /// Responses that were not 2xx (pgbench: failed transactions).
    pub(crate) non2xx: u64,
    /// Connect, read, write and timeout errors.
    pub(crate) socket_errors: u64,
    /// Response bodies whose tenant column was checked.
    pub(crate) checked: u64,
    /// Checked bodies holding a row of another tenant than the caller's.
    pub(crate) foreign: u64,
}

/// The prefix of the line `bench/wrk/bench.lua` prints when wrk is done.
pub(crate) const WRK_PREFIX: &str = "MTBENCH";

/// Reads the `MTBENCH key=value ...` line out of wrk's output.
pub(crate) fn parse_wrk(output: &str) -> Result<Outcome> {
    let line = output
        .lines()
        .find_map(|l| l.trim().strip_prefix(WRK_PREFIX))
        .ok_or_else(|| anyhow!("wrk printed no `{WRK_PREFIX}` line:\n{output}"))?;
    let fields: HashMap<&str, &str> = line
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let num = |key: &str| -> Result<f64> {
        fields
            .get(key)
            .ok_or_else(|| anyhow!("wrk's result line lacks `{key}`: {line}"))?
            .parse::<f64>()
            .with_context(|| format!("`{key}` in wrk's result line: {line}"))
    };
    let count = |key: &str| -> Result<u64> { Ok(num(key)? as u64) };
    Ok(Outcome {
        requests: count("requests")?,
        duration_s: num("duration_s")?,
        rps: num("rps")?,
        p50_ms: num("p50_ms")?,
        p99_ms: num("p99_ms")?,
        non2xx: count("non2xx")?,
        socket_errors: count("socket_errors")?,
        checked: count("checked")?,
        foreign: count("foreign")?,
    })
}

/// Reads pgbench's summary (transactions, failures, tps) and takes the latency percentiles
/// from `latencies_us` (one entry per transaction, from its `-l` logs).
pub(crate) fn parse_pgbench(output: &str, latencies_us: &mut [u64]) -> Result<Outcome> {
    let after = |prefix: &str| -> Option<&str> {
        output
            .lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .map(str::trim)
    };
    let first_number = |s: &str| -> Option<f64> { s.split_whitespace().next()?.parse().ok() };
    let requests = after("number of transactions actually processed:")
        .and_then(|s| s.split('/').next()?.trim().parse::<u64>().ok())
        .ok_or_else(|| anyhow!("pgbench printed no transaction count:\n{output}"))?;
    let failed = after("number of failed transactions:")
        .and_then(first_number)
        .unwrap_or(0.0) as u64;
    let rps = after("tps =")
        .and_then(first_number)
        .ok_or_else(|| anyhow!("pgbench printed no tps:\n{output}"))?;
    let duration_s = after("duration:").and_then(first_number).unwrap_or(0.0);
    latencies_us.sort_unstable();
    Ok(Outcome {
        requests,
        duration_s,
        rps,
        p50_ms: percentile(latencies_us, 50.0) as f64 / 1000.0,
        p99_ms: percentile(latencies_us, 99.0) as f64 / 1000.0,
        non2xx: failed,
        socket_errors: 0,
        checked: 0,
        foreign: 0,
    })
}

/// The latencies (µs) in one pgbench per-transaction log (`client_id transaction_no time
/// script_no time_epoch time_us ...`); failed transactions (`failed`, `skipped` in place of
/// the time) are left out.
pub(crate) fn pgbench_log_latencies(log: &str) -> impl Iterator<Item = u64> + '_ {
    log.lines()
        .filter_map(|l| l.split_whitespace().nth(2)?.parse::<u64>().ok())
}

/// The `pct` percentile of `sorted` (nearest rank; 0 when empty).
pub(crate) fn percentile(sorted: &[u64], pct: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (pct / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrk_result_line_is_found_among_wrk_output() {
        let out = "Running 3s test @ http://127.0.0.1:8200\n  32 threads and 32 connections\n\
                   MTBENCH requests=4200 duration_s=3.012 rps=1394.4 p50_ms=21.50 p99_ms=40.25 \
                   non2xx=0 socket_errors=2 checked=4200 foreign=0\n";
        let o = parse_wrk(out).unwrap();
        assert_eq!(o.requests, 4200);
        assert_eq!(o.rps, 1394.4);
        assert_eq!(o.p50_ms, 21.5);
        assert_eq!(o.p99_ms, 40.25);
        assert_eq!(
            (o.non2xx, o.socket_errors, o.checked, o.foreign),
            (0, 2, 4200, 0)
        );
    }

    #[test]
    fn a_missing_or_incomplete_wrk_line_is_an_error() {
        assert!(parse_wrk("unable to connect\n").is_err());
        assert!(parse_wrk("MTBENCH requests=1 rps=2\n").is_err());
    }

    #[test]
    fn pgbench_output_and_logs_give_throughput_and_percentiles() {
        let out = "transaction type: multiple scripts\nscaling factor: 1\nnumber of clients: 32\n\
                   duration: 3 s\nnumber of transactions actually processed: 12000\n\
                   number of failed transactions: 0 (0.000%)\nlatency average = 7.9 ms\n\
                   initial connection time = 12.3 ms\ntps = 4012.345678 (without initial connection time)\n";
        let log = "0 1 1500 0 1700000000 1\n1 1 2500 0 1700000000 2\n2 1 failed 0 1700000000 3\n";
        let mut lat: Vec<u64> = pgbench_log_latencies(log).collect();
        assert_eq!(lat, [1500, 2500]);
        let o = parse_pgbench(out, &mut lat).unwrap();
        assert_eq!(o.requests, 12000);
        assert_eq!(o.rps, 4012.345678);
        assert_eq!(o.duration_s, 3.0);
        assert_eq!(o.p50_ms, 1.5);
        assert_eq!(o.p99_ms, 2.5);
        assert!(parse_pgbench("connection refused", &mut []).is_err());
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }
}
