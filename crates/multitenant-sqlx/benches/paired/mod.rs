//! The paired measurement the benches print: two sides alternate, each first every other time,
//! so load from other processes hits both alike.

use std::time::Duration;

/// Runs bare and scoped alternately, `n` pairs, and prints the medians and the median of the
/// per-pair differences (robust against load from other processes).
pub(crate) fn paired(
    rt: &tokio::runtime::Runtime,
    name: &str,
    n: usize,
    mut bare: impl FnMut() -> Duration,
    mut scoped: impl FnMut() -> Duration,
) {
    let _ = rt;
    let (mut b, mut s, mut d) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for i in 0..n {
        let (tb, ts) = if i % 2 == 0 {
            let tb = bare();
            (tb, scoped())
        } else {
            let ts = scoped();
            (bare(), ts)
        };
        b.push(tb.as_secs_f64() * 1e6);
        s.push(ts.as_secs_f64() * 1e6);
        d.push((ts.as_secs_f64() - tb.as_secs_f64()) * 1e6);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|x, y| x.partial_cmp(y).unwrap());
        v[v.len() / 2]
    };
    let (mb, ms, md) = (median(&mut b), median(&mut s), median(&mut d));
    println!(
        "paired {name}: bare median {mb:.1} µs, scoped median {ms:.1} µs, median difference {md:+.2} µs ({:+.2} %)",
        md / mb * 100.0
    );
}
