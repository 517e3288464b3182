#!/usr/bin/env bash
# make demo: enrolls the bundled synthetic people into a fresh vault, scans the bundled sample
# corpus (English and Spanish; a few disguised exposures, mostly benign) and prints the alerts.
set -euo pipefail
cd "$(dirname "$0")/.."
VIGIL=${VIGIL:-build/vigil}
VAULT=build/demo-vault
rm -rf "$VAULT"
echo "== vigil init --vault $VAULT"
"$VIGIL" init --vault "$VAULT"
echo
echo "== vigil enroll --vault $VAULT data/demo/people.csv   (synthetic people; only keyed hashes are kept)"
"$VIGIL" enroll --vault "$VAULT" data/demo/people.csv
"$VIGIL" list --vault "$VAULT"
echo
n=$(find data/demo/corpus -type f | wc -l)
echo "== vigil scan --vault $VAULT --format text data/demo/corpus   ($n files, one of them JSON Lines)"
set +e
"$VIGIL" scan --vault "$VAULT" --format text data/demo/corpus
rc=$?
set -e
echo
echo "== the same alerts as JSON Lines (first two):"
ALERTS=$(mktemp)
trap 'rm -f "$ALERTS"' EXIT
"$VIGIL" scan -q --vault "$VAULT" data/demo/corpus > "$ALERTS" || true
head -n 2 "$ALERTS"
echo
echo "== what was exposed, with the matched spans shown from the first alert's document:"
head -n 1 "$ALERTS" | python3 -c '
import json, sys
a = json.loads(sys.stdin.read())
text = open(a["doc"], encoding="utf-8").read().encode()
for p in a["people"]:
    for s in p["spans"]:
        print("  %-8s %-8s bytes %4d-%-4d  %s" % (p["person"], s["kind"], s["start"], s["end"],
              text[s["start"]:s["end"]].decode("utf-8", "replace")))
'
echo
echo "scan exit status: $rc (0 = alerts reported, 1 = none, 2 = error)"
[ "$rc" -le 1 ]
