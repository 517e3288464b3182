#!/usr/bin/env python3
"""Exposure detection quality on synthetic people: recall per disguise class and false
attributions per negative class, using the real `vigil` binary.

usage: test_exposure_eval.py VIGIL [--report FILE.md] [--seed N] [--people N]

Holds: recall >= 0.98 over exposures (name + strong identifier, must be reported `high` with
both kinds) and over strong-only mentions (must be reported at least `medium` with the kind),
and in every class >= 0.90; fewer than 1 false attribution per 1,000 negative documents.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402

SEV = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def run(vigil, vault, docs):
    p = subprocess.run([vigil, "scan", "--vault", vault, "--jsonl", "--all", "-j", "2", docs],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if b"Sanitizer" in p.stderr or b"runtime error:" in p.stderr or p.returncode not in (0, 1):
        sys.exit("scan failed (%d): %s" % (p.returncode, p.stderr.decode()))
    return [json.loads(l) for l in p.stdout.decode().splitlines()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vigil")
    ap.add_argument("--report")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--people", type=int, default=200)
    ap.add_argument("--negatives", type=int, default=6000)
    a = ap.parse_args()
    people, pos, neg = synth.make_world(a.seed, a.people, per_class=2, nneg=a.negatives)
    with tempfile.TemporaryDirectory() as tmp:
        vault = os.path.join(tmp, "vault")
        subprocess.run([a.vigil, "init", "--vault", vault], check=True, stderr=subprocess.DEVNULL)
        csvp = os.path.join(tmp, "people.csv")
        synth.write_people_csv(people, csvp)
        e = subprocess.run([a.vigil, "enroll", "--vault", vault, csvp], stderr=subprocess.PIPE)
        if e.returncode != 0 or e.stderr.count(b"Sanitizer"):
            sys.exit("enroll failed: " + e.stderr.decode())
        docs = pos + neg
        dp = os.path.join(tmp, "docs.jsonl")
        with open(dp, "w", encoding="utf-8") as f:
            for i, d in enumerate(docs):
                f.write(json.dumps({"id": "d%d" % i, "text": d["text"]}, ensure_ascii=False) + "\n")
        out = run(a.vigil, vault, dp)
    if len(out) != len(docs):
        sys.exit("expected %d output lines, got %d" % (len(docs), len(out)))
    byid = {o["doc"]: o for o in out}
    hits = collections.Counter()
    total = collections.Counter()
    misses = collections.defaultdict(list)
    group_hits = collections.Counter()
    group_total = collections.Counter()
    for i, d in enumerate(pos):
        o = byid["d%d" % i]
        ok = False
        for p in o["people"]:
            if p["person"] == d["person"] and SEV[o["severity"]] >= SEV[d["severity"]] and \
                    all(k in p["matched"] for k in d["kinds"]):
                ok = True
        cls = d["class"] if d["class"].startswith("exposure/") else "strong/" + d["form"]
        group = "exposure" if d["class"].startswith("exposure/") else "strong-only"
        total[cls] += 1
        group_total[group] += 1
        if ok:
            hits[cls] += 1
            group_hits[group] += 1
        elif len(misses[cls]) < 3:
            misses[cls].append((d["text"], o))
    fa = collections.Counter()
    ntotal = collections.Counter()
    fa_examples = []
    for j, d in enumerate(neg):
        o = byid["d%d" % (len(pos) + j)]
        ntotal[d["class"]] += 1
        if o["people"]:
            fa[d["class"]] += 1
            if len(fa_examples) < 5:
                fa_examples.append((d["text"], o))
    lines = ["| class | documents | found | recall |", "|---|---:|---:|---:|"]
    failed = []
    for cls in sorted(total):
        r = hits[cls] / total[cls]
        lines.append("| %s | %d | %d | %.3f |" % (cls, total[cls], hits[cls], r))
        if r < 0.90:
            failed.append("class %s recall %.3f < 0.90" % (cls, r))
    for g in sorted(group_total):
        r = group_hits[g] / group_total[g]
        lines.append("| **all %s** | %d | %d | **%.4f** |" % (g, group_total[g], group_hits[g], r))
        if r < 0.98:
            failed.append("%s recall %.4f < 0.98" % (g, r))
    lines += ["", "| negative class | documents | false attributions | per 1,000 |",
              "|---|---:|---:|---:|"]
    nall = sum(ntotal.values())
    for cls in sorted(ntotal):
        lines.append("| %s | %d | %d | %.2f |" % (cls, ntotal[cls], fa[cls], 1000.0 * fa[cls] / ntotal[cls]))
    rate = 1000.0 * sum(fa.values()) / nall
    lines.append("| **all negatives** | %d | %d | **%.2f** |" % (nall, sum(fa.values()), rate))
    if rate >= 1.0:
        failed.append("false attributions %.2f per 1,000 >= 1" % rate)
    report = "\n".join(lines)
    print(report)
    for cls, ms in sorted(misses.items()):
        for text, o in ms:
            print("MISS %s: %r -> %s" % (cls, text, json.dumps(o, ensure_ascii=False)))
    for text, o in fa_examples:
        print("FALSE %r -> %s" % (text, json.dumps(o, ensure_ascii=False)))
    if a.report:
        with open(a.report, "w", encoding="utf-8") as f:
            f.write(report + "\n")
    if failed:
        print("FAIL: " + "; ".join(failed))
        return 1
    print("ok: exposure evaluation within bounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
