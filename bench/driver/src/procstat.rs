//! CPU time and memory from `/proc`: per process tree (a server and its workers, the
//! PostgreSQL postmaster and its backends), for this process's reaped children (the load
//! generator), and for the whole machine.

use std::collections::HashMap;
use std::fs;

/// The fields of `/proc/<pid>/stat` the accounting needs, in clock ticks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stat {
    pub(crate) pid: u32,
    pub(crate) ppid: u32,
    /// User time of the process itself.
    pub(crate) utime: u64,
    /// System time of the process itself.
    pub(crate) stime: u64,
    /// User time of its reaped children.
    pub(crate) cutime: u64,
    /// System time of its reaped children.
    pub(crate) cstime: u64,
}

impl Stat {
    /// Parses the text of `/proc/<pid>/stat`. The command name may hold spaces and
    /// parentheses, so fields are counted from the last `)`.
    pub(crate) fn parse(text: &str) -> Option<Stat> {
        let open = text.find('(')?;
        let close = text.rfind(')')?;
        let pid = text[..open].trim().parse().ok()?;
        // After ") ": state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
        let rest: Vec<&str> = text.get(close + 2..)?.split_whitespace().collect();
        let field = |n: usize| rest.get(n - 3).and_then(|s| s.parse::<u64>().ok());
        Some(Stat {
            pid,
            ppid: u32::try_from(field(4)?).ok()?,
            utime: field(14)?,
            stime: field(15)?,
            cutime: field(16)?,
            cstime: field(17)?,
        })
    }

    /// The process's own time plus that of its reaped children: summed over a tree, every
    /// process's CPU counts once, whether it is still running or was reaped by a member.
    pub(crate) fn ticks(&self) -> u64 {
        self.utime + self.stime + self.cutime + self.cstime
    }
}

/// One running process: its stat and its command line (arguments joined by spaces).
#[derive(Clone, Debug)]
pub(crate) struct Process {
    pub(crate) stat: Stat,
    pub(crate) cmdline: String,
}

/// Every process now running (those that exit while being read are left out).
pub(crate) fn processes() -> Vec<Process> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = Stat::parse(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?;
            let cmdline = fs::read(format!("/proc/{pid}/cmdline"))
                .map(|b| {
                    String::from_utf8_lossy(&b)
                        .replace('\0', " ")
                        .trim()
                        .to_owned()
                })
                .unwrap_or_default();
            Some(Process { stat, cmdline })
        })
        .collect()
}

/// The pids of `root` and all its descendants among `procs`.
pub(crate) fn tree(procs: &[Process], root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for p in procs {
        children.entry(p.stat.ppid).or_default().push(p.stat.pid);
    }
    let mut out = Vec::new();
    if !procs.iter().any(|p| p.stat.pid == root) {
        return out;
    }
    let mut todo = vec![root];
    while let Some(pid) = todo.pop() {
        out.push(pid);
        if let Some(c) = children.get(&pid) {
            todo.extend(c);
        }
    }
    out
}

/// CPU ticks of the tree under `root`, counting only the processes `keep` accepts.
pub(crate) fn tree_ticks(procs: &[Process], root: u32, keep: impl Fn(&Process) -> bool) -> u64 {
    let members = tree(procs, root);
    procs
        .iter()
        .filter(|p| members.contains(&p.stat.pid) && keep(p))
        .map(|p| p.stat.ticks())
        .sum()
}

/// The database a PostgreSQL client backend serves, read from its process title
/// (`postgres: <user> <database> <host>(<port>) <state>`); `None` for the postmaster and the
/// auxiliary processes (checkpointer, WAL writer, autovacuum...).
pub(crate) fn backend_database(cmdline: &str) -> Option<&str> {
    let title = cmdline.strip_prefix("postgres: ")?;
    let words: Vec<&str> = title.split_whitespace().collect();
    match words.as_slice() {
        [_, db, host, ..] if host.contains('(') || *host == "[local]" => Some(db),
        _ => None,
    }
}

/// Whether a process of the postmaster's tree counts for a benchmark on `databases`: the
/// shared processes do, client backends only when they serve one of them (other databases on
/// the same server belong to other work).
pub(crate) fn counts_for(p: &Process, databases: &[&str]) -> bool {
    backend_database(&p.cmdline).is_none_or(|db| databases.contains(&db))
}

/// This process's own stat: its `cutime`/`cstime` hold the CPU of the children it waited for
/// (the load generator).
pub(crate) fn own() -> Option<Stat> {
    Stat::parse(&fs::read_to_string("/proc/self/stat").ok()?)
}

/// Busy and total ticks of the whole machine, from the first line of `/proc/stat`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Machine {
    pub(crate) busy: u64,
    pub(crate) total: u64,
}

impl Machine {
    /// Parses the text of `/proc/stat` (idle and iowait are not busy; guest time is already in
    /// user time).
    pub(crate) fn parse(text: &str) -> Option<Machine> {
        let line = text.lines().next()?;
        let v: Vec<u64> = line
            .strip_prefix("cpu ")?
            .split_whitespace()
            .map(|s| s.parse().ok())
            .collect::<Option<_>>()?;
        let total: u64 = v.iter().take(8).sum();
        let idle = v.get(3)? + v.get(4).copied().unwrap_or(0);
        Some(Machine {
            busy: total - idle,
            total,
        })
    }

    /// The machine now.
    pub(crate) fn now() -> Machine {
        fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|t| Machine::parse(&t))
            .unwrap_or_default()
    }

    /// Busy cores on average between `before` and `self` (ticks are summed over all CPUs).
    pub(crate) fn busy_cores_since(&self, before: &Machine, cpus: usize) -> f64 {
        let total = self.total.saturating_sub(before.total);
        if total == 0 {
            return 0.0;
        }
        (self.busy.saturating_sub(before.busy)) as f64 / total as f64 * cpus as f64
    }
}

/// Clock ticks per second (`getconf CLK_TCK`; 100, Linux's value, when that fails).
pub(crate) fn ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100)
}

/// The peak resident set (`VmHWM`) of a process, in KiB, from the text of `/proc/<pid>/status`.
pub(crate) fn parse_vm_hwm_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The summed peak resident set of the tree under `root`, in KiB.
pub(crate) fn tree_peak_rss_kib(root: u32) -> u64 {
    let procs = processes();
    tree(&procs, root)
        .into_iter()
        .filter_map(|pid| {
            parse_vm_hwm_kib(&fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
        })
        .sum()
}

/// The first line of `/proc/loadavg` (the 1, 5 and 15 minute load averages).
pub(crate) fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "4242 (tokio-rt (w) 1) S 17 4242 17 0 -1 4194560 2103 0 0 0 \
                        350 120 9 4 20 0 3 0 1234 567890 1234 18446744073709551615";

    fn proc(pid: u32, ppid: u32, ticks: u64, cmdline: &str) -> Process {
        Process {
            stat: Stat {
                pid,
                ppid,
                utime: ticks,
                stime: 0,
                cutime: 0,
                cstime: 0,
            },
            cmdline: cmdline.to_owned(),
        }
    }

    #[test]
    fn a_stat_line_is_read_past_a_name_with_spaces_and_parentheses() {
        let s = Stat::parse(STAT).unwrap();
        assert_eq!(s.pid, 4242);
        assert_eq!(s.ppid, 17);
        assert_eq!((s.utime, s.stime, s.cutime, s.cstime), (350, 120, 9, 4));
        assert_eq!(s.ticks(), 483);
        assert_eq!(Stat::parse("garbage"), None);
    }

    #[test]
    fn a_tree_counts_the_root_its_descendants_and_nothing_else() {
        let procs = vec![
            proc(1, 0, 1000, "init"),
            proc(10, 1, 5, "server"),
            proc(11, 10, 7, "worker"),
            proc(12, 11, 11, "grandchild"),
            proc(20, 1, 100, "other"),
        ];
        assert_eq!(tree_ticks(&procs, 10, |_| true), 23);
        assert_eq!(tree_ticks(&procs, 11, |_| true), 18);
        assert_eq!(tree_ticks(&procs, 99, |_| true), 0);
    }

    #[test]
    fn backends_of_other_databases_are_left_out() {
        assert_eq!(
            backend_database("postgres: postgres mt_bench 127.0.0.1(5432) idle"),
            Some("mt_bench")
        );
        assert_eq!(backend_database("postgres: checkpointer"), None);
        assert_eq!(backend_database("postgres: autovacuum launcher"), None);
        assert_eq!(
            backend_database("/usr/lib/postgresql/15/bin/postgres -D /x"),
            None
        );
        let procs = vec![
            proc(5, 1, 10, "/usr/lib/postgresql/15/bin/postgres -D /x"),
            proc(6, 5, 20, "postgres: walwriter"),
            proc(
                7,
                5,
                40,
                "postgres: postgres mt_bench 127.0.0.1(40000) idle",
            ),
            proc(8, 5, 80, "postgres: postgres other 127.0.0.1(40002) SELECT"),
        ];
        assert_eq!(tree_ticks(&procs, 5, |p| counts_for(p, &["mt_bench"])), 70);
    }

    #[test]
    fn machine_busy_cores_come_from_tick_differences() {
        let a = Machine::parse("cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3\n").unwrap();
        assert_eq!(
            a,
            Machine {
                busy: 200,
                total: 1000
            }
        );
        let b = Machine::parse("cpu  250 0 150 900 100 0 0 0 0 0\n").unwrap();
        // 200 of 400 ticks busy on 2 CPUs: one core.
        assert!((b.busy_cores_since(&a, 2) - 1.0).abs() < 1e-9);
        assert_eq!(b.busy_cores_since(&b, 2), 0.0);
    }

    #[test]
    fn peak_rss_is_read_from_vm_hwm() {
        let status = "Name:\tprojects\nVmPeak:\t  900 kB\nVmHWM:\t   51234 kB\nVmRSS:\t 40000 kB\n";
        assert_eq!(parse_vm_hwm_kib(status), Some(51234));
        assert_eq!(parse_vm_hwm_kib("Name: x\n"), None);
    }
}
