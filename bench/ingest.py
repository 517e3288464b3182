#!/usr/bin/env python3
"""Ingestion benchmark: `vigil scan` end to end with -j 1 and -j 2 on
  - one large JSON Lines file,
  - a directory of many small text files,
  - a WARC file of HTML pages (gzip per record, as wget and Heritrix write them),
next to grep -F -i -f (the same identifiers in plaintext) on the same bytes, measured in the
same run. Prints a Markdown table (also bench/out/ingest.md) with MB/s, docs/s, the -j 2 / -j 1
ratio and peak RSS.

  python3 bench/ingest.py [--vigil build/vigil] [--mb 128] [--files 20000] [--people 1000]
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import bench  # noqa: E402
import synth  # noqa: E402

OUT = os.path.join(HERE, "out")


def warc_record(i, html):
    payload = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
               b"Content-Length: %d\r\n\r\n" % len(html)) + html
    head = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:bench-%d>\r\n"
            "WARC-Target-URI: http://bench.test/%d\r\nWARC-Date: 2026-11-29T00:00:00Z\r\n"
            "Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n"
            % (i, i, len(payload))).encode()
    return gzip.compress(head + payload + b"\r\n\r\n", compresslevel=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", default=os.path.join(ROOT, "build", "vigil"))
    ap.add_argument("--mb", type=int, default=128)
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--people", type=int, default=1000)
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    work = os.path.join(OUT, "ingest")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    people = synth.make_people(9, a.people)
    vault = os.path.join(work, "vault")
    subprocess.run([a.vigil, "init", "--vault", vault], check=True, capture_output=True)
    csv_path = os.path.join(work, "people.csv")
    synth.write_people_csv(people, csv_path)
    subprocess.run([a.vigil, "enroll", "--vault", vault, csv_path], check=True,
                   capture_output=True)
    pats = os.path.join(work, "patterns.txt")
    bench.grep_patterns(people, pats)
    texts, origin = bench.benign_texts()

    # one large JSON Lines file
    big = os.path.join(work, "big.jsonl")
    n = 0
    with open(big, "w") as f:
        while f.tell() < a.mb << 20:
            f.write(json.dumps({"id": "d%d" % n, "text": texts[n % len(texts)]}) + "\n")
            n += 1
    big_docs = n
    # many small files
    small = os.path.join(work, "small")
    os.makedirs(small)
    for i in range(a.files):
        sub = os.path.join(small, "%03d" % (i % 100))
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, "%06d.txt" % i), "w") as f:
            f.write("\n".join(texts[(i * 3 + k) % len(texts)] for k in range(3)))
    small_bytes = sum(os.path.getsize(os.path.join(dp, fn))
                      for dp, _, fns in os.walk(small) for fn in fns)
    # a WARC of HTML pages
    warc = os.path.join(work, "pages.warc.gz")
    pages = max(2000, a.files // 2)
    warc_bytes = 0
    with open(warc, "wb") as f:
        for i in range(pages):
            body = "".join("<p>%s</p>" % texts[(i * 5 + k) % len(texts)] for k in range(5))
            html = ("<html><head><title>p%d</title><script>var x=%d;</script></head><body>"
                    "<div>%s</div></body></html>" % (i, i, body)).encode()
            warc_bytes += len(html)
            f.write(warc_record(i, html))

    rows = []
    for label, path, nbytes, docs, grep_args in (
            ("one JSON Lines file (%d MB)" % a.mb, big, os.path.getsize(big), big_docs,
             [big]),
            ("%d small files" % a.files, small, small_bytes, a.files, ["-r", small]),
            ("WARC, %d HTML pages (gzip records)" % pages, warc, warc_bytes, pages, None)):
        res = {}
        for j in (1, 2):
            best = None
            for _ in range(2):
                secs, rc, rss = bench.run_measured([a.vigil, "scan", "-q", "--vault", vault,
                                                    "-j", str(j), path])
                if best is None or secs < best[0]:
                    best = (secs, rss)
            res[j] = best
        if grep_args:
            g, _, _ = bench.run_measured(["env", "LC_ALL=C", "grep", "-F", "-i", "-c", "-f",
                                          pats] + grep_args)
            grep_mbs = "%.1f" % (nbytes / g / 1e6)
        else:
            grep_mbs = "n/a (compressed)"
        rows.append("| %s | %.1f | %.0f | %.1f | %.0f | %.2f | %.0f | %s |" % (
            label, nbytes / res[1][0] / 1e6, docs / res[1][0], nbytes / res[2][0] / 1e6,
            docs / res[2][0], res[1][0] / res[2][0], max(res[1][1], res[2][1]), grep_mbs))
    head = ("| input | -j1 MB/s | -j1 docs/s | -j2 MB/s | -j2 docs/s | -j2 / -j1 | peak RSS MB "
            "| grep -F -i MB/s |\n|---|---|---|---|---|---|---|---|")
    table = head + "\n" + "\n".join(rows) + "\n"
    print(table)
    with open(os.path.join(OUT, "ingest.md"), "w") as f:
        f.write("%d people enrolled; text from %s; machine: %d cores\n\n"
                % (a.people, origin, os.cpu_count()) + table)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
