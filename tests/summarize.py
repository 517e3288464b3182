#!/usr/bin/env python3
"""Sums test results from meson test logs into one closing line "N passed, N failed".

A test program that prints its own "N passed, N failed" line counts as that many cases;
any other test counts as one case. usage: summarize.py BUILD_DIR...
"""
import json
import re
import sys


def main(dirs):
    passed = failed = 0
    for d in dirs:
        with open(d + "/meson-logs/testlog.json", encoding="utf-8") as f:
            for line in f:
                t = json.loads(line)
                m = re.findall(r"^(\d+) passed, (\d+) failed$", t.get("stdout") or "", re.M)
                ok = t["result"] in ("OK", "EXPECTEDFAIL", "SKIP")
                if m and ok:
                    passed += int(m[-1][0])
                    failed += int(m[-1][1])
                elif m:
                    passed += int(m[-1][0])
                    failed += max(1, int(m[-1][1]))
                else:
                    passed += ok
                    failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
