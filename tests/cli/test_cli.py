#!/usr/bin/env python3
"""Integration tests of the `vigil` binary on real files: golden output, exit codes, bad
input, the privacy guarantee, crash safety of enroll, index integrity.

usage: test_cli.py VIGIL [TEST_NAME...]     (run from anywhere; prints "N passed, N failed")
"""
import json
import os
import random
import re
import signal
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import ROOT, Tmp, eq, run  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "tests"))
import synth  # noqa: E402

UPDATE_GOLDEN = os.environ.get("VIGIL_UPDATE_GOLDEN") == "1"


def mask(jsonl):
    return re.sub(r'"fingerprint":"[0-9a-f]{32}"', '"fingerprint":"*"', jsonl)


def golden(name, actual):
    path = os.path.join(HERE, "golden", name)
    if UPDATE_GOLDEN or not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(actual)
    with open(path, encoding="utf-8") as f:
        expected = f.read()
    if expected != actual:
        import difflib
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            "expected/" + name, "actual/" + name))
        raise AssertionError("golden output differs:\n" + diff)


# ------------------------------------------------------------------ tests

def test_golden_demo_scan():
    with Tmp() as t:
        rc, _, err = run("enroll", "--vault", t.vault, "data/demo/people.csv")
        eq(rc, 0, err)
        rc, out, err = run("scan", "--vault", t.vault, "data/demo/corpus")
        eq(rc, 0, err)
        golden("demo_scan.jsonl", mask(out))
        rc, out, err = run("scan", "--vault", t.vault, "--format", "text", "-j", "1",
                           "data/demo/corpus")
        eq(rc, 0, err)
        golden("demo_scan.txt", out)
        rc, out, err = run("scan", "--vault", t.vault, "--all", "data/demo/corpus/feed.jsonl")
        golden("demo_feed_all.jsonl", mask(out))
        rc, out, _ = run("list", "--vault", t.vault)
        golden("demo_list.txt", out)


def test_exit_codes_and_options():
    with Tmp() as t:
        run("enroll", "--vault", t.vault, "data/demo/people.csv")
        rc, out, _ = run("scan", "--vault", t.vault, stdin=b"nothing to see")
        eq((rc, out), (1, ""))
        rc, out, _ = run("scan", "--vault", t.vault, "--all", "-", stdin=b"nothing to see")
        eq(rc, 1)
        eq(json.loads(out)["severity"], "info")
        eq(json.loads(out)["doc"], "-")
        rc, out, _ = run("scan", "--vault", t.vault, stdin="Tom Jackson".encode())
        eq(rc, 0)
        eq(json.loads(out)["severity"], "low")
        rc, out, _ = run("scan", "--vault", t.vault, "--min-severity", "medium",
                         stdin="Tom Jackson".encode())
        eq((rc, out), (1, ""))
        rc, _, err = run("scan", "--vault", t.vault, "--min-severity", "urgent")
        eq(rc, 2)
        assert "urgent" in err
        rc, _, err = run("scan", "--vault", t.vault, "--bogus")
        eq(rc, 2)
        rc, _, err = run("frobnicate")
        eq(rc, 2)
        assert "unknown command" in err
        rc, out, _ = run("scan", "--vault", t.vault, "--jsonl", "-",
                         stdin=b'{"id":"x","text":"Tom Jackson","url":"u"}\n{"text":"hi"}\n')
        lines = out.splitlines()
        eq(len(lines), 1)
        eq(json.loads(lines[0])["url"], "u")
        env = dict(os.environ, VIGIL_VAULT=t.vault)
        rc, out, _ = run("scan", stdin="Tom Jackson".encode(), env=env)
        eq(rc, 0)


def test_bad_input_is_reported_and_the_rest_goes_on():
    with Tmp() as t:
        run("enroll", "--vault", t.vault, "data/demo/people.csv")
        feed = t.path("feed.jsonl", '{"id":"a","text":"Tom Jackson"}\n'
                                    '{"id":"b","text": broken\n'
                                    '{"id":"c"}\n'
                                    '["array"]\n'
                                    '{"id":"d","text":"Tom Jackson again"}\n')
        plain = t.path("bytes.txt", b"Tom\x00 \xff\xfe Jackson \xc3")
        big = t.path("big.txt", "x" * 5000)
        rc, out, err = run("scan", "--vault", t.vault, "--max-doc", "4096", feed, plain,
                           os.path.join(t.dir, "missing.txt"), big)
        eq(rc, 2, err)
        ids = [json.loads(l)["doc"] for l in out.splitlines()]
        # NUL and invalid bytes between the words do not hide the name
        eq(ids, ["a", "d", plain])
        assert "feed.jsonl:2: invalid JSON at column" in err, err
        assert "feed.jsonl:3: a document needs a string member \"text\"" in err, err
        assert "feed.jsonl:4:" in err, err
        assert "missing.txt: No such file or directory" in err, err
        # a document over --max-doc is scanned in chunks, not refused (tests/test_ingest.py)
        assert "big.txt" not in err, err
        assert "4 failed" in err, err
        # invalid UTF-8 and NUL bytes: scanned, offsets exact
        rc, out, _ = run("scan", "--vault", t.vault, stdin=b"\xff\xfeTom  Jackson\x00")
        o = json.loads(out)
        span = o["people"][0]["spans"][0]
        eq((span["start"], span["end"]), (2, 14))


def test_enroll_reports_rows_and_exit_code():
    with Tmp() as t:
        people = t.path("p.csv", "id,name,phones,emails\n"
                                 "A,Zed Quorra,555-201-3344,\n"
                                 "B,Yul Brannock,12,\n"
                                 "C,Xi Ombudo,,not-an-email\n")
        rc, _, err = run("enroll", "--vault", t.vault, people, os.path.join(t.dir, "nope.csv"))
        eq(rc, 1, err)
        assert "p.csv:3: phone 1 has 2 digits" in err, err
        assert "p.csv:4: email 1 is not an e-mail address" in err, err
        assert "nope.csv: cannot open" in err, err
        assert "enrolled 1 person, rejected 2 rows" in err, err
        for secret in ("Yul", "Brannock", "not-an-email", "Ombudo"):
            assert secret not in err, "plaintext %r in an error message" % secret
        rc, out, _ = run("list", "--vault", t.vault, "--json")
        eq(json.loads(out)["id"], "A")
        eq(json.loads(out)["counts"]["phone"], 1)
        rc, _, err = run("forget", "--vault", t.vault, "A", "Q")
        eq(rc, 1)
        assert "removed 1 of 2" in err
        rc, out, _ = run("list", "--vault", t.vault, "--json")
        eq(out, "")


def test_key_permissions_and_corrupt_index():
    with Tmp() as t:
        run("enroll", "--vault", t.vault, "data/demo/people.csv")
        key = os.path.join(t.vault, "key")
        os.chmod(key, 0o640)
        rc, _, err = run("scan", "--vault", t.vault, stdin=b"x")
        eq(rc, 2)
        assert "permissions 0640 are too open" in err, err
        os.chmod(key, 0o600)
        idx = os.path.join(t.vault, "index")
        data = bytearray(open(idx, "rb").read())
        data[len(data) // 2] ^= 0xFF
        open(idx, "wb").write(data)
        rc, _, err = run("scan", "--vault", t.vault, stdin=b"x")
        eq(rc, 2)
        assert "index body checksum mismatch" in err, err
        open(idx, "wb").write(data[:100])
        rc, _, err = run("list", "--vault", t.vault)
        eq(rc, 2)
        assert "truncated" in err, err
        rc, _, err = run("init", "--vault", t.vault, "--reset-index")
        eq(rc, 0, err)
        assert os.path.exists(os.path.join(t.vault, "index.bad"))
        rc, _, err = run("enroll", "--vault", t.vault, "data/demo/people.csv")
        eq(rc, 0, err)
        rc, out, _ = run("list", "--vault", t.vault)
        eq(len(out.splitlines()), 11)
        rc, _, err = run("scan", "--vault", os.path.join(t.dir, "novault"), stdin=b"x")
        eq(rc, 2)
        assert "vigil init" in err, err
        rc, _, err = run("init", "--vault", t.vault)
        eq(rc, 2)
        assert "already exists" in err


def all_files(d):
    for root, _, files in os.walk(d):
        for f in files:
            yield os.path.join(root, f)


def canonical_forms(s, words=False):
    """The string and what the tokenizer would make of it (lower case, no accents, i = l);
    with words=True also each word of it."""
    low = synth._strip(s).lower()
    forms = {s, s.lower(), low, low.replace("i", "l"), re.sub(r"[^a-z0-9]", "", low),
             re.sub(r"[^a-z0-9]", "", low).replace("i", "l")}
    if words:
        for w in re.split(r"[^a-z0-9]+", low):
            forms.add(w)
            forms.add(w.replace("i", "l"))
    return {f for f in forms if len(f) >= 5}


def secrets_of(people):
    out = set()
    for p in people:
        for k, v in p.row().items():
            if k not in ("id", "country"):
                out |= canonical_forms(v, words=k in ("name", "relatives"))
        out |= canonical_forms(p.street, words=True)
        out |= canonical_forms(p.email.split("@")[0]) | canonical_forms(p.handle[1:])
    return out


def test_no_plaintext_identifier_is_written():
    people, pos, neg = synth.make_world(seed=11, npeople=60, per_class=1, nneg=200)
    with Tmp() as t:
        csvp = os.path.join(t.dir, "people.csv")
        synth.write_people_csv(people, csvp)
        # also a bad row carrying identifiers: its error must not quote them
        with open(csvp, "a", encoding="utf-8") as f:
            f.write('P-bad,Quentin Zarathustra,"Nowhere Lane",ph 99-88,zz@zz,,,,US\n')
        docs = os.path.join(t.dir, "docs.jsonl")
        with open(docs, "w", encoding="utf-8") as f:
            for i, d in enumerate(pos[:300] + neg):
                f.write(json.dumps({"id": "d%d" % i, "text": d["text"]}, ensure_ascii=False) + "\n")
        rc, _, err1 = run("enroll", "--vault", t.vault, csvp)
        eq(rc, 1, err1)
        rc, out, err2 = run("scan", "--vault", t.vault, "--jsonl", docs)
        eq(rc, 0, err2)
        rc, out2, err3 = run("list", "--vault", t.vault)
        # remove the inputs we wrote ourselves; what is left was written by vigil
        os.remove(csvp)
        os.remove(docs)
        secrets = secrets_of(people)
        secrets |= canonical_forms("Quentin Zarathustra", True) | {"ph 99-88", "zz@zz", "Nowhere Lane"}
        # fingerprints are random hex under each run's key: a short digit string could occur in
        # one by chance, so they are masked before the search
        out = re.sub(r'"fingerprint":"[0-9a-f]{32}"', '"fingerprint":"*"', out)
        blobs = [("stderr", (err1 + err2 + err3).encode()), ("scan output", out.encode()),
                 ("list output", out2.encode())]
        files = list(all_files(t.dir))
        assert any(f.endswith("index") for f in files)
        for f in files:
            blobs.append((f, open(f, "rb").read()))
        checked = 0
        for name, blob in blobs:
            low = blob.lower()
            for s in secrets:
                enc = s.encode("utf-8")
                if enc.lower() in low:
                    raise AssertionError("plaintext %r found in %s" % (s, name))
                checked += 1
        assert checked > 1000


def test_killed_enroll_leaves_the_old_index():
    people = synth.make_people(3, 4000)
    with Tmp() as t:
        run("enroll", "--vault", t.vault, "data/demo/people.csv")
        big = os.path.join(t.dir, "big.csv")
        synth.write_people_csv(people, big)
        rng = random.Random(1)
        outcomes = set()
        for i in range(6):
            p = subprocess.Popen([harness.VIGIL, "enroll", "--vault", t.vault, big],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.02, 0.5))
            p.send_signal(signal.SIGKILL)
            p.wait()
            rc, out, err = run("list", "--vault", t.vault, "--json")
            eq(rc, 0, err)
            n = len(out.splitlines())
            assert n in (10, 4010), n
            outcomes.add(n)
            if n == 4010:
                run("forget", "--vault", t.vault, *[p.id for p in people])
        # a later enroll cleans the temporary files a killed one left behind
        rc, _, err = run("enroll", "--vault", t.vault, "data/demo/people.csv")
        eq(rc, 0, err)
        left = [f for f in os.listdir(t.vault) if f.startswith("index.tmp")]
        eq(left, [])
        assert 10 in outcomes


def test_directory_walk_is_sorted_and_skips_links():
    with Tmp() as t:
        run("enroll", "--vault", t.vault, "data/demo/people.csv")
        d = os.path.join(t.dir, "tree")
        os.makedirs(os.path.join(d, "b", "c"))
        t.path("tree/b/c/z.txt", "Tom Jackson")
        t.path("tree/a.txt", "Tom Jackson")
        os.symlink(d, os.path.join(d, "b", "loop"))
        rc, out, err = run("scan", "--vault", t.vault, d)
        eq(rc, 0, err)
        ids = [json.loads(l)["doc"] for l in out.splitlines()]
        eq(ids, [os.path.join(d, "a.txt"), os.path.join(d, "b", "c", "z.txt")])


def test_train_and_eval():
    pos = ["i will kill you tonight", "we are going to shoot him", "someone should stab that judge",
           "te voy a matar", "we will burn your house down", "you will die soon"]
    neg = ["the weather is nice today", "we are going to the beach", "someone should fix the road",
           "vamos a la playa", "the council approved the budget", "you will love the bakery"]
    with Tmp() as t:
        rows = "".join("%s;0.9\n" % p for p in pos) + "".join("%s;0.1\n" % n for n in neg) + \
               "broken line\n"
        csvp = t.path("train.csv", "comment;violence\n" + rows * 3)
        jl = t.path("more.jsonl", "".join(json.dumps({"text": x, "label": "threat", "split": "a"}) + "\n"
                                          for x in pos) +
                    "".join(json.dumps({"text": x, "label": "none", "split": "b"}) + "\n" for x in neg))
        model = os.path.join(t.dir, "m.model")
        rc, _, err = run("train", "--out", model, "--data", csvp, "--text-column", "comment",
                         "--label-column", "violence", "--threshold", "0.5",
                         "--data", jl, "--label-column", "label", "--positive", "threat")
        eq(rc, 1, err)  # the broken rows were reported and skipped
        assert "train.csv:14: 1 fields, the header has 2; row skipped" in err, err
        assert "trained on 48 examples (24 positive)" in err, err
        rc, out, err = run("eval", "--model", model, "--no-rules", "--data", jl,
                           "--label-column", "label", "--positive", "threat")
        eq(rc, 0, err)
        last = out.splitlines()[-1].split()
        eq(last[-6:-4], ["12", "6"])
        assert float(last[-1]) >= 0.9, out
        rc, out, err = run("eval", "--model", model, "--data", jl, "--label-column", "label",
                           "--positive", "threat", "--where", "split=b")
        eq(out.splitlines()[-1].split()[-6:-4], ["6", "0"])
        rc, out, _ = run("scan", "--vault", t.vault, "--model", model, "--all",
                         stdin=b"we are going to shoot him")
        assert json.loads(out)["threat"]["score"] >= 0.5, out
        rc, _, err = run("scan", "--vault", t.vault, "--model", csvp, stdin=b"x")
        eq(rc, 2)
        assert "not a vigil model" in err, err
        rc, _, err = run("train", "--out", model, "--data", jl, "--label-column", "label",
                         "--positive", "nothing")
        eq(rc, 2)
        assert "both classes are needed" in err, err


def _demo_corpus_lines(directory):
    """The demo corpus as bench_scan reads it, one document per line; returns the file's path."""
    corpus = os.path.join(directory, "corpus.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        for name in sorted(os.listdir(os.path.join(ROOT, "data/demo/corpus"))):
            with open(os.path.join(ROOT, "data/demo/corpus", name), encoding="utf-8") as d:
                f.write(" ".join(d.read().split()) + "\n")
    return corpus


def test_bench_scan_compare():
    """bench_scan --compare: three configurations interleaved in one process, each with the
    alerts of a plain run of that configuration."""
    bench = os.path.join(os.path.dirname(harness.VIGIL), "bench", "bench_scan")
    with Tmp() as t:
        rc, _, err = run("enroll", "--vault", t.vault, "data/demo/people.csv")
        eq(rc, 0, err)
        corpus = _demo_corpus_lines(t.dir)

        def bench_run(*args):
            p = subprocess.run([bench, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            eq(p.returncode, 0, p.stderr)
            return json.loads(p.stdout)
        c = bench_run("--compare", "3", t.vault, corpus)
        eq(c["rounds"], 3)
        for conf, flags in (("exposure", ["--exposure-only"]), ("pii", []),
                            ("all", ["--threat"])):
            assert c[conf]["mb_per_s"] > 0, c
            eq(c[conf]["alerts"], bench_run(*flags, t.vault, corpus)["alerts"], conf)
        assert c["all"]["alerts"] >= c["exposure"]["alerts"] > 0, c
        assert 0 < c["all_over_exposure_median"] < 2, c
        p = subprocess.run([bench, "--compare", "0", t.vault, corpus], stderr=subprocess.PIPE)
        eq(p.returncode, 2)


def _index_checksum(data):
    """src/vault/index.c's checksum (one part), to reseal an edited index header."""
    m, p1, p2 = (1 << 64) - 1, 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F
    n, whole = len(data), len(data) // 32 * 32
    lanes = [0, 0, 0, 0]
    for k, i in enumerate(range(0, whole, 32)):
        w = struct.unpack_from("<4Q", data, i)
        for j in range(4):
            lanes[j] = (lanes[j] + (w[j] ^ (4 * k + j)) * (p1 if j % 2 == 0 else p2)) & m
    a, b, c, d = (p1 + lanes[0]) & m, (p2 + lanes[1]) & m, lanes[2], lanes[3]

    def rotl(x, r):
        return ((x << r) | (x >> (64 - r))) & m
    h = (rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18)) & m
    for byte in data[whole:]:
        h = ((h ^ byte) * p1) & m
    x = (h ^ n) ^ 0xD6E8FEB86659FD93
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & m
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & m
    x ^= x >> 33
    return x or 1


def test_index_from_before_the_second_token_filter():
    """An index written before the second-token filter (header flags 0) scans to the same
    alerts; `vigil list` and `vigil enroll` say it is outdated until everyone is enrolled
    again."""
    note = "written before the second-token filter"
    with Tmp() as t:
        rc, _, err = run("enroll", "--vault", t.vault, "data/demo/people.csv")
        eq(rc, 0, err)
        assert note not in err, err
        rc, before, err = run("scan", "--vault", t.vault, "--all", "data/demo/corpus")
        eq(rc, 0, err)
        path = os.path.join(t.vault, "index")
        with open(path, "rb") as f:
            data = bytearray(f.read())
        eq(_index_checksum(bytes(data[:144])), struct.unpack_from("<Q", data, 144)[0])
        struct.pack_into("<I", data, 28, 0)  # flags
        struct.pack_into("<Q", data, 144, _index_checksum(bytes(data[:144])))
        with open(path, "wb") as f:
            f.write(data)
        rc, after, err = run("scan", "--vault", t.vault, "--all", "data/demo/corpus")
        eq(rc, 0, err)
        eq(after, before)
        rc, out, err = run("list", "--vault", t.vault)
        eq(rc, 0, err)
        assert note in err, err
        rc, _, err = run("enroll", "--vault", t.vault, "data/demo/people.csv")
        eq(rc, 0, err)
        assert note not in err, err
        rc, out, err = run("list", "--vault", t.vault)
        assert note not in err, err


def test_bench_ab():
    """bench/ab.py: two engines interleaved; the same one twice finds the same alerts, an engine
    given another vault (no one enrolled) is reported as finding different ones."""
    bench = os.path.join(os.path.dirname(harness.VIGIL), "bench", "bench_scan")
    ab = os.path.join(ROOT, "bench", "ab.py")
    with Tmp() as t:
        rc, _, err = run("enroll", "--vault", t.vault, "data/demo/people.csv")
        eq(rc, 0, err)
        empty = os.path.join(t.dir, "empty")
        rc, _, err = run("init", "--vault", empty)
        eq(rc, 0, err)
        corpus = _demo_corpus_lines(t.dir)

        def ab_run(*args):
            return subprocess.run([sys.executable, ab, *args], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, universal_newlines=True)
        p = ab_run("--rounds", "2", "--mode", "all", bench, bench, t.vault, corpus)
        eq(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        eq(len(lines), 3, p.stdout)
        assert lines[0].startswith("old best") and lines[1].startswith("new best"), p.stdout
        assert lines[2].startswith("new/old (medians) "), p.stdout
        assert float(lines[2].split()[-1]) > 0, p.stdout
        p = ab_run("--rounds", "1", bench, bench + ":" + empty, t.vault, corpus)
        eq(p.returncode, 1, p.stdout)
        assert "different numbers of alerts" in p.stderr, p.stderr
        eq(ab_run("--rounds", "0", bench, bench, t.vault, corpus).returncode, 2)


if __name__ == "__main__":
    sys.exit(harness.main(sys.argv, sys.modules[__name__]))
