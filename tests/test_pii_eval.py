#!/usr/bin/env python3
"""Personal-data patterns on a generated, labeled set, with the real `vigil` binary.

usage: test_pii_eval.py VIGIL [--report FILE.md]

Positives: each kind in several written forms inside filler text (English and Spanish). Negatives:
filler text full of numbers that are not personal data (prices, dates, times, scores,
percentages, versions, counts). Holds: precision and recall >= 0.95 per kind, and at most 1
false personal-data alert (a `low` or higher document caused by personal data) per 1,000
negative documents. Prints "N passed, N failed".
"""
import argparse
import collections
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402

L = "ABCDEFGHJKLMNPRSTUVWXYZ"


def phone(r):
    a, b, c = r.randrange(201, 990), r.randrange(201, 990), r.randrange(10000)
    return r.choice(["(%d) %d-%04d", "%d-%d-%04d", "%d.%d.%04d", "+1 %d %d %04d",
                     "1-%d-%d-%04d"]) % (a, b, c) if r.random() < 0.7 else \
        r.choice(["+52 55 %04d %04d", "+52 1 33 %04d %04d", "0052 81 %04d %04d"]) % (
            r.randrange(10000), r.randrange(10000))


def email(r):
    u = r.choice(["jdoe", "maria.lopez", "k_smith77", "agente.rios", "tips"])
    d = r.choice(["example.com", "mail.example.org", "correo.example.mx"])
    if r.random() < 0.7:
        return "%s@%s" % (u, d)
    host, tld = d.rsplit(".", 1)
    return r.choice(["%s at %s dot %s", "%s [at] %s [dot] %s", "%s arroba %s punto %s"]) % (u, host, tld)


def address(r):
    if r.random() < 0.6:
        return "%d %s%s %s" % (r.randrange(1, 99999), r.choice(["", "N ", "West ", "S. "]),
                               r.choice(synth.STREET_NAMES), r.choice(["St", "Street", "Ave", "Road", "Drive", "Blvd", "Ln"]))
    return "%s %s %s%d" % (r.choice(["Calle", "Av.", "Avenida", "Privada", "Calz."]),
                           r.choice(synth.STREET_ES if r.random() < 0.7 else synth.STREET_ES_JOINED),
                           r.choice(["", "#", "No. "]), r.randrange(1, 9999))


def plate(r):
    a = "".join(r.choice(L) for _ in range(3))
    return r.choice(["%s-%04d" % (a, r.randrange(10000)), "%s %04d" % (a, r.randrange(10000)),
                     "%s-%02d-%02d" % (a, r.randrange(100), r.randrange(100)),
                     "%s-%03d-%s" % (a, r.randrange(1000), r.choice(L)),
                     "%d%s%03d" % (r.randrange(1, 10), a, r.randrange(1000))])


def coordinates(r):
    return "%.5f, %.5f" % (r.uniform(-60, 60), r.uniform(-150, 150))


def ssn(r):
    return "%03d-%02d-%04d" % (r.choice([r.randrange(1, 666), r.randrange(667, 900)]),
                               r.randrange(1, 100), r.randrange(1, 10000))


def curp(r):
    v = "AEIOUX"
    cons = "BCDFGHJKLMNPQRSTVWXYZ"
    return "%s%s%s%s%02d%02d%02d%s%s%s%s%s%s%d" % (
        r.choice(L), r.choice(v), r.choice(L), r.choice(L), r.randrange(100),
        r.randrange(1, 13), r.randrange(1, 29), r.choice("HM"),
        r.choice(["DF", "JC", "NL", "OC", "PL", "VZ", "YN"]), r.choice(cons), r.choice(cons),
        r.choice(cons), r.choice(L + "0123456789"), r.randrange(10))


def ip(r):
    return ".".join(str(r.randrange(1, 255)) for _ in range(4))


KINDS = {"phone": phone, "email": email, "address": address, "plate": plate,
         "coordinates": coordinates, "ssn": ssn, "curp": curp, "ip": ip}


def benign(r):
    parts = [synth.filler(r, r.random() < 0.3, 1),
             r.choice(["Tickets cost $%d.%02d." % (r.randrange(5, 500), r.randrange(100)),
                       "The game ended %d-%d." % (r.randrange(10), r.randrange(10)),
                       "Meeting at %d:%02d pm on %d/%d/%d." % (r.randrange(1, 12), r.randrange(60), r.randrange(1, 13), r.randrange(1, 29), r.randrange(2000, 2030)),
                       "Prices rose %.1f%% in %d." % (r.uniform(0, 20), r.randrange(1990, 2030)),
                       "Version %d.%d.%d is out." % (r.randrange(10), r.randrange(30), r.randrange(100)),
                       "Room %d, floor %d, page %d." % (r.randrange(100, 999), r.randrange(1, 40), r.randrange(1, 500)),
                       "Population grew to %d,%03d,%03d." % (r.randrange(1, 40), r.randrange(1000), r.randrange(1000)),
                       "Call 311 for road closures.", "The score was 98.6 at 3.14 pm.",
                       "El boleto cuesta %d pesos y la función es a las %d:%02d." % (r.randrange(50, 900), r.randrange(1, 12), r.randrange(60)),
                       "Order #%d shipped in %d days." % (r.randrange(10000, 99999), r.randrange(1, 30))]),
             synth.filler(r, r.random() < 0.3, 1)]
    return " ".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vigil")
    ap.add_argument("--report")
    a = ap.parse_args()
    r = random.Random(17)
    docs, expect = [], []
    for kind, gen in KINDS.items():
        for _ in range(150):
            value = gen(r)
            pre = synth.filler(r, r.random() < 0.3, 1) + " " + r.choice(["Here:", "Info:", "Contacto:", "See"]) + " "
            text = pre + value + ". " + synth.filler(r, r.random() < 0.3, 1)
            docs.append(text)
            s = len(pre.encode())
            expect.append((kind, s, s + len(value.encode())))
    nneg = 3000
    for _ in range(nneg):
        docs.append(benign(r))
        expect.append(None)
    with tempfile.TemporaryDirectory() as tmp:
        vault = os.path.join(tmp, "v")
        subprocess.run([a.vigil, "init", "--vault", vault], check=True, stderr=subprocess.DEVNULL)
        path = os.path.join(tmp, "d.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for i, d in enumerate(docs):
                f.write(json.dumps({"id": str(i), "text": d}, ensure_ascii=False) + "\n")
        p = subprocess.run([a.vigil, "scan", "--vault", vault, "--all", "--jsonl", "--no-model", path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode not in (0, 1) or b"Sanitizer" in p.stderr:
            sys.exit("scan failed: " + p.stderr.decode())
    out = {o["doc"]: o for o in map(json.loads, p.stdout.decode().splitlines())}
    tp, fn, fp = collections.Counter(), collections.Counter(), collections.Counter()
    alerts = 0
    examples = []
    for i, e in enumerate(expect):
        found = out[str(i)]["pii"]
        if e is None and out[str(i)]["severity"] != "info":
            alerts += 1
        hit = False
        for m in found:
            if e and m["kind"] == e[0] and m["start"] < e[2] and e[1] < m["end"]:
                hit = True
            else:
                fp[m["kind"]] += 1
                if len(examples) < 8:
                    examples.append(("extra " + m["kind"], docs[i].encode()[m["start"]:m["end"]].decode()))
        if e:
            if hit:
                tp[e[0]] += 1
            else:
                fn[e[0]] += 1
                if len(examples) < 8:
                    examples.append(("missed " + e[0], docs[i].encode()[e[1]:e[2]].decode()))
    lines = ["| kind | expected | found | extra | precision | recall |", "|---|---:|---:|---:|---:|---:|"]
    passed = failed = 0
    for k in KINDS:
        prec = tp[k] / max(1, tp[k] + fp[k])
        rec = tp[k] / max(1, tp[k] + fn[k])
        lines.append("| %s | %d | %d | %d | %.3f | %.3f |" % (k, tp[k] + fn[k], tp[k], fp[k], prec, rec))
        ok = prec >= 0.95 and rec >= 0.95
        passed += ok
        failed += not ok
    rate = 1000.0 * alerts / nneg
    extra_benign = sum(1 for i, e in enumerate(expect) if e is None and out[str(i)]["pii"])
    lines.append("")
    lines.append("Negative documents: %d; with any personal-data match: %d; alerts caused: %d "
                 "(%.2f per 1,000)." % (nneg, extra_benign, alerts, rate))
    ok = rate <= 1.0
    passed += ok
    failed += not ok
    report = "\n".join(lines)
    print(report)
    for kind, text in examples:
        print("%s: %r" % (kind, text))
    if a.report:
        open(a.report, "w", encoding="utf-8").write(report + "\n")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
