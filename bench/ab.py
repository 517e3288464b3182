#!/usr/bin/env python3
"""A/B: two scanning engines measured in turn, run by run, on the same corpus.

    python3 bench/ab.py [--mode exposure|pii|all] [--rounds N] [--repeat R]
                        OLD[:VAULT] NEW[:VAULT] VAULT CORPUS

OLD and NEW are bench_scan binaries (build one from the old commit in a worktree); either may
name its own vault after a colon (an index written by that version), else both use VAULT.
Each round runs OLD, then NEW, each a fresh process scanning CORPUS (one document per line)
R times; the script prints each one's best and median MB/s and NEW / OLD of the medians, and
fails (exit 1) when the two found different numbers of alerts.

Why: on this project's VM, runs minutes apart differ by 20-30% (docs/performance.md), so two
runs of bench.py cannot show a change of a few per cent; runs interleaved with each other can.
"""
import argparse
import json
import statistics
import subprocess
import sys

MODES = {"exposure": ["--exposure-only"], "pii": [], "all": ["--threat"]}


def side(spec, vault):
    binary, _, own = spec.partition(":")
    return binary, own or vault


def run(binary, vault, flags, corpus, repeat):
    p = subprocess.run([binary, *flags, vault, corpus, str(repeat)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("%s: exit %d: %s" % (binary, p.returncode, p.stderr.decode(errors="replace")))
    r = json.loads(p.stdout)
    return r["mb_per_s"], r["alerts"]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=sorted(MODES), default="exposure")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=1, help="passes over the corpus per run")
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("vault")
    ap.add_argument("corpus")
    a = ap.parse_args(argv)
    if a.rounds < 1 or a.repeat < 1:
        ap.error("--rounds and --repeat must be at least 1")
    sides = {"old": side(a.old, a.vault), "new": side(a.new, a.vault)}
    speeds = {"old": [], "new": []}
    alerts = {}
    for _ in range(a.rounds):
        for name, (binary, vault) in sides.items():
            mbs, n = run(binary, vault, MODES[a.mode], a.corpus, a.repeat)
            speeds[name].append(mbs)
            alerts.setdefault(name, n)
    for name, v in speeds.items():
        print("%-3s best %7.1f  median %7.1f MB/s  alerts %d  (%s)"
              % (name, max(v), statistics.median(v), alerts[name], sides[name][0]))
    print("new/old (medians) %.3f" % (statistics.median(speeds["new"]) /
                                      statistics.median(speeds["old"])))
    if alerts["old"] != alerts["new"]:
        print("the two found different numbers of alerts: %d and %d"
              % (alerts["old"], alerts["new"]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
