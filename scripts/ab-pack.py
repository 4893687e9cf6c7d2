#!/usr/bin/env python3
"""A/B of two imgtool builds on the whole-process `imgtool pack` (level default, 2 threads):
both binaries run alternately in this one script, medians compared, packages compared byte for
byte. Usage: ab-pack.py BASE_BIN NEW_BIN APP.bin WORKDIR ROUNDS

Build the two binaries with `cargo build --release -p imgtool` on each commit (a git worktree
for the base). Used for issue 18 (docs/benchmarks.md, "Architecture step")."""
import os, subprocess, sys, time, statistics, filecmp
base, new, app, work, rounds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
env = dict(os.environ, RAYON_NUM_THREADS="2")
times = {"base": [], "new": []}
def run(tag, binary):
    out = os.path.join(work, f"out_{tag}")
    t = time.perf_counter()
    subprocess.run([binary, "pack", "--image", f"hcpu={app}", "-o", out],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t
for tag, b in (("base", base), ("new", new)):  # warm-up
    run(tag, b)
for i in range(rounds):
    order = [("base", base), ("new", new)] if i % 2 == 0 else [("new", new), ("base", base)]
    for tag, b in order:
        times[tag].append(run(tag, b))
same = filecmp.cmp(os.path.join(work, "out_base/offline_install.bin"),
                   os.path.join(work, "out_new/offline_install.bin"), shallow=False)
mb, mn = statistics.median(times["base"]), statistics.median(times["new"])
print(f"rounds {rounds}: base median {mb*1000:.1f} ms, new median {mn*1000:.1f} ms, "
      f"new/base {mn/mb:.3f}; packages identical: {same}")
print("base:", " ".join(f"{t*1000:.0f}" for t in times["base"]))
print("new: ", " ".join(f"{t*1000:.0f}" for t in times["new"]))
