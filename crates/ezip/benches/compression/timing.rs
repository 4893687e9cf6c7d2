//! Wall and CPU time of repeated runs on a pool of a given size.

use std::time::Instant;

/// One measurement: wall seconds of the least disturbed run, and CPU seconds per run (all
/// threads of the process; robust to other load on the shared machine).
#[derive(Clone, Copy)]
pub struct Timing {
    pub wall: f64,
    pub cpu: f64,
}

/// This process's user + system CPU time, from `/proc/self/stat` (clock ticks of 10 ms).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name: state is first, utime 12th, stime 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) as f64 / 100.0
}

/// Runs `f` on a pool of `threads` threads. Quick jobs are repeated (at least 3 runs and about
/// 1 CPU-second) so tick-granular CPU time is precise even for a 3 KiB corpus; jobs over 3 s
/// run once.
pub fn timed<T: Send>(threads: usize, f: impl Fn() -> T + Send + Sync) -> (T, Timing) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| {
        let mut wall = f64::INFINITY;
        let cpu0 = cpu_seconds();
        let mut runs = 0;
        loop {
            let t = Instant::now();
            let result = f();
            let secs = t.elapsed().as_secs_f64();
            wall = wall.min(secs);
            runs += 1;
            let cpu = cpu_seconds() - cpu0;
            if secs > 3.0 || (runs >= 3 && cpu >= 1.0) {
                let cpu = (cpu / runs as f64).max(1e-9);
                return (result, Timing { wall, cpu });
            }
        }
    })
}

pub fn mbps(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / 1e6 / secs
}
