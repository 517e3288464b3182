#!/usr/bin/env python3
"""Threat rules on HateCheck (English and Spanish), with the real `vigil` binary.

usage: eval_threats.py VIGIL [--report FILE.md] [--check]

Reports, per dataset: recall on the threat functionalities (threat_dir_h, threat_norm_h), how
often the contrast cases are flagged (counter-speech quoting or referring to hate, negations),
and how often other hateful or neutral cases are. With --check, exits 1 below the issue's bar
(recall >= 0.90, contrast cases flagged <= 10%), and above 10% of HateCheck's positive
statements about a group flagged ("I'm going to hug a woman tomorrow", the twin of a threat
template: a model without word pairs flagged 17%). Skips (exit 0, a message) when
../shared/data is absent."""
import argparse
import collections
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DATA = os.path.join(ROOT, "..", "shared", "data")
SETS = [("HateCheck English", "hatecheck_en/test_suite_cases.csv"),
        ("HateCheck Spanish", "multilingual_hatecheck_es/hatecheck_cases_final_spanish.csv")]
THREAT = {"threat_dir_h", "threat_norm_h"}
CONTRAST = {"counter_quote_nh", "counter_ref_nh", "negate_neg_nh"}
POSITIVE = {"ident_pos_nh"}  # not an issue bar: what the model must keep apart from threats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vigil")
    ap.add_argument("--report")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if not os.path.isdir(DATA):
        print("skipped: %s is absent" % DATA)
        print("0 passed, 0 failed")
        return 0
    lines, failed = [], []
    with tempfile.TemporaryDirectory() as tmp:
        vault = os.path.join(tmp, "v")
        subprocess.run([a.vigil, "init", "--vault", vault], check=True, stderr=subprocess.DEVNULL)
        for name, path in SETS:
            rows = list(csv.DictReader(open(os.path.join(DATA, path), encoding="utf-8")))
            docs = os.path.join(tmp, "docs.jsonl")
            with open(docs, "w", encoding="utf-8") as f:
                for i, r in enumerate(rows):
                    f.write(json.dumps({"id": str(i), "text": r["test_case"]}, ensure_ascii=False) + "\n")
            p = subprocess.run([a.vigil, "scan", "--vault", vault, "--all", "--jsonl", docs],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if p.returncode not in (0, 1) or b"Sanitizer" in p.stderr:
                sys.exit("scan failed: " + p.stderr.decode())
            out = {o["doc"]: o for o in map(json.loads, p.stdout.decode().splitlines())}
            flag = collections.Counter()
            total = collections.Counter()
            for i, r in enumerate(rows):
                f = r["functionality"]
                group = "threat" if f in THREAT else "contrast" if f in CONTRAST else \
                    "other hateful" if r["label_gold"] == "hateful" else "other non-hateful"
                for g in (group, f):
                    total[g] += 1
                    flag[g] += out[str(i)]["threat"]["score"] >= 0.5
            lines.append("### %s (`%s`)\n" % (name, path))
            lines.append("| cases | n | flagged as threat | rate |")
            lines.append("|---|---:|---:|---:|")
            for g in ["threat"] + sorted(THREAT) + ["contrast"] + sorted(CONTRAST) + \
                     ["other hateful", "other non-hateful"] + sorted(POSITIVE):
                if total[g]:
                    lines.append("| %s | %d | %d | %.3f |" % (g, total[g], flag[g], flag[g] / total[g]))
            lines.append("")
            rec = flag["threat"] / total["threat"]
            if rec < 0.90:
                failed.append("%s: threat recall %.3f < 0.90" % (name, rec))
            for g in sorted(CONTRAST) + sorted(POSITIVE):
                if flag[g] / total[g] > 0.10:
                    failed.append("%s: %s flagged %.3f > 0.10" % (name, g, flag[g] / total[g]))
    report = "\n".join(lines)
    print(report)
    if a.report:
        open(a.report, "w", encoding="utf-8").write(report + "\n")
    if failed:
        print("below the bar: " + "; ".join(failed))
    if a.check:
        checks = len(SETS) * (1 + len(CONTRAST) + len(POSITIVE))
        print("%d passed, %d failed" % (checks - len(failed), len(failed)))
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
