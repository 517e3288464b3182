#!/usr/bin/env python3
"""Integration tests of ingestion: every input format, made in the test the way real tools make
it (WARC files written by wget fetching pages from a server started here on 127.0.0.1, mbox and
.eml files written by Python's mailbox and email modules, gzip and zstd by their tools), plus
hand-built broken files; chunking, bounded memory, parallel order, error accounting, --rejects
and `vigil watch`.

The identities are the synthetic ones of data/demo/people.csv.

usage: test_ingest.py VIGIL [TEST_NAME...]     (prints "N passed, N failed")
"""
import base64
import email.message
import email.policy
import gzip
import http.server
import json
import mailbox
import os
import resource
import signal
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import ROOT, TOM, TOM_ADDR, VIC, VIC_ADDR, eq, run  # noqa: E402




def alerts(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def people(o):
    return sorted(p["person"] for p in o["people"])


def asan():
    with open(harness.VIGIL, "rb") as f:
        return b"__asan_init" in f.read()


class Tmp(harness.Tmp):
    prefix = "vigil-ingest-"
    enroll_demo = True

    def scan(self, *args, **kw):
        return run("scan", "--vault", self.vault, *args, **kw)


DOX_HTML = ("<!doctype html><html><head><title>Wanted</title><style>td{color:red}</style>"
            "</head><body><table><tr><td>%s</td></tr><tr><td>%s</td></tr></table>"
            "<script>var x = 1;</script></body></html>")


class Site(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send_body(self, body, ctype, extra=()):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        if not any(k == "Transfer-Encoding" for k, _ in extra):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/dox.html":
            first, last = TOM.split()
            html = DOX_HTML % ("<b>" + first + "</b> " + last, TOM_ADDR)
            self.send_body(html.encode(), "text/html; charset=utf-8")
        elif self.path == "/gzip.html":
            body = gzip.compress((DOX_HTML % (VIC, VIC_ADDR)).encode())
            self.send_body(body, "text/html", [("Content-Encoding", "gzip")])
        elif self.path == "/chunked.txt":
            text = ("post: %s lives at %s\n" % (TOM, TOM_ADDR)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(text), 7):
                part = text[i:i + 7]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/latin1.txt":
            self.send_body(("Señor %s, %s" % (VIC, VIC_ADDR)).encode("latin-1"),
                           "text/plain; charset=iso-8859-1")
        elif self.path == "/image.png":
            self.send_body(b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "image/png")
        elif self.path == "/news.html":
            self.send_body(b"<html><body><p>The council met on Tuesday.</p></body></html>",
                           "text/html")
        else:
            self.send_error(404)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def serve():
    srv = Server(("127.0.0.1", 0), Site)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


PAGES = ["dox.html", "gzip.html", "chunked.txt", "latin1.txt", "image.png", "news.html"]


def wget_warc(t, name, compress):
    srv = serve()
    try:
        base = "http://127.0.0.1:%d/" % srv.server_address[1]
        args = ["wget", "-q", "--warc-file=" + os.path.join(t.dir, name), "-O", os.devnull]
        if not compress:
            args.append("--no-warc-compression")
        subprocess.run(args + [base + p for p in PAGES], check=True, timeout=120)
    finally:
        srv.shutdown()
    return base, os.path.join(t.dir, name + (".warc.gz" if compress else ".warc"))


def test_warc_written_by_wget():
    with Tmp() as t:
        for compress in (True, False):
            base, warc = wget_warc(t, "site%d" % compress, compress)
            rc, out, err = t.scan(warc)
            eq(rc, 0, err)
            got = {o["url"]: o for o in alerts(out)}
            eq(sorted(got), sorted(base + p for p in ["dox.html", "gzip.html", "chunked.txt",
                                                        "latin1.txt"]), err)
            eq(people(got[base + "dox.html"]), ["P-00001"])
            eq(people(got[base + "gzip.html"]), ["P-00002"])
            eq(people(got[base + "chunked.txt"]), ["P-00001"])
            eq(people(got[base + "latin1.txt"]), ["P-00002"])
            for o in got.values():
                assert o["doc"].startswith("<urn:uuid:"), o["doc"]
                assert o["time"][:4].isdigit(), o
                assert "address" in o["people"][0]["matched"], o
            # the image is skipped and counted; request and warcinfo records are not documents
            # (wget's own log is a resource record too, and is scanned)
            assert "1 skipped" in err and "0 failed" in err, err


def test_wet_and_hand_built_warc_records():
    """Common Crawl WET (conversion records), WARC/1.1 as Browsertrix writes it, a revisit
    record and a response with a deflate body, following the WARC 1.1 specification."""
    import zlib
    with Tmp() as t:
        def rec(version, typ, rid, ctype, body, uri="http://site.test/p"):
            return (("%s\r\nWARC-Type: %s\r\nWARC-Record-ID: <urn:uuid:%s>\r\n"
                     "WARC-Target-URI: %s\r\nWARC-Date: 2026-11-29T08:00:00.123456Z\r\n"
                     "Content-Type: %s\r\nContent-Length: %d\r\n\r\n"
                     % (version, typ, rid, uri, ctype, len(body))).encode() + body + b"\r\n\r\n")
        dox = ("%s, %s" % (TOM, TOM_ADDR)).encode()
        deflated = zlib.compress(("<p>%s</p><p>%s</p>" % (VIC, VIC_ADDR)).encode())
        http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: deflate\r\n"
                b"Content-Length: %d\r\n\r\n" % len(deflated)) + deflated
        data = (rec("WARC/1.0", "warcinfo", "0", "application/warc-fields", b"isPartOf: CC\r\n")
                + rec("WARC/1.0", "conversion", "1", "text/plain", dox)
                + rec("WARC/1.1", "response", "2", "application/http;msgtype=response", http)
                + rec("WARC/1.1", "revisit", "3", "application/http;msgtype=response",
                      b"HTTP/1.1 200 OK\r\n\r\n")
                + rec("WARC/1.1", "request", "4", "application/http;msgtype=request",
                      b"GET /p HTTP/1.1\r\nHost: site.test\r\n\r\n"))
        wet = t.path("crawl.warc.wet.gz", b"".join(gzip.compress(r) for r in [data]))
        rc, out, err = t.scan(wet)
        eq(rc, 0, err)
        got = {o["doc"]: o for o in alerts(out)}
        eq(sorted(got), ["<urn:uuid:1>", "<urn:uuid:2>"], err)
        eq(people(got["<urn:uuid:1>"]), ["P-00001"])
        eq(people(got["<urn:uuid:2>"]), ["P-00002"])
        eq(got["<urn:uuid:2>"]["url"], "http://site.test/p")
        eq(got["<urn:uuid:2>"]["time"], "2026-11-29T08:00:00.123456Z")
        assert "2 documents scanned" in err and "0 failed" in err, err


def test_html_title_links_and_encoded_subject():
    with Tmp() as t:
        # the name only in the title, the address only in a link's text
        page = ("<html><head><title>%s</title><script>var s = '%s';</script></head><body>"
                "<p>see <a href='/x'>%s</a></p></body></html>" % (TOM, VIC, TOM_ADDR))
        rc, out, err = t.scan("--format", "html", stdin=page.encode())
        eq(rc, 0, err)
        o = alerts(out)[0]
        eq(people(o), ["P-00001"])  # not P-00002: script text is not visible text
        eq(sorted(o["people"][0]["matched"]), ["address", "name"])
        # a message whose only mention is its RFC 2047 encoded subject
        subject = "=?utf-8?q?" + "".join("=%02X" % b for b in ("%s, %s" % (VIC, VIC_ADDR)).encode()) + "?="
        msg = ("Message-ID: <s@x>\nSubject: %s\nMIME-Version: 1.0\nContent-Type: text/plain\n\n"
               "nothing in the body\n" % subject)
        rc, out, err = t.scan("--format", "eml", stdin=msg.encode())
        eq(rc, 0, err)
        o = alerts(out)[0]
        eq((o["doc"], people(o)), ("<s@x>", ["P-00002"]))
        # zstd on standard input
        z = subprocess.run(["zstd", "-q", "-c"], input=page.encode(), stdout=subprocess.PIPE,
                           check=True).stdout
        rc, out, err = t.scan("--format", "html", stdin=z)
        eq((rc, people(alerts(out)[0])), (0, ["P-00001"]), err)


def test_mbox_and_eml_written_by_python():
    with Tmp() as t:
        box = mailbox.mbox(t.path("mail.mbox"))
        m1 = email.message.EmailMessage()
        m1["Subject"] = "address of %s" % TOM  # non-ASCII-free, but encoded below
        m1["Message-ID"] = "<m1@example.test>"
        m1["From"] = "a@example.test"
        m1.set_content("Señor %s vive en %s\n" % (TOM, TOM_ADDR), charset="utf-8",
                       cte="quoted-printable")
        m2 = email.message.EmailMessage()
        m2["Subject"] = "=?utf-8?b?%s?=" % base64.b64encode(("¿%s?" % VIC).encode()).decode()
        m2["Message-ID"] = "<m2@example.test>"
        m2.set_content("plain part: nothing here")
        m2.add_alternative("<p>%s</p><div>%s</div>" % (VIC, VIC_ADDR), subtype="html",
                           cte="base64")
        m3 = email.message.EmailMessage()
        m3["Subject"] = "lunch"
        m3["Message-ID"] = "<m3@example.test>"
        m3.set_content("From the kitchen: lunch is at noon.\n")
        for m in (m1, m2, m3):
            box.add(m)
        box.flush()
        box.close()
        eml = email.message.EmailMessage(policy=email.policy.SMTP)
        eml["Subject"] = "re: %s" % VIC
        eml["Message-ID"] = "<e1@example.test>"
        eml["Date"] = "Sun, 29 Nov 2026 10:00:00 +0000"
        eml.set_content("Her car is parked at %s." % VIC_ADDR, charset="latin-1",
                        cte="base64")
        with open(t.path("one.eml"), "wb") as f:
            f.write(eml.as_bytes())
        rc, out, err = t.scan(t.path("mail.mbox"), t.path("one.eml"))
        eq(rc, 0, err)
        got = {o["doc"]: o for o in alerts(out)}
        eq(sorted(got), ["<e1@example.test>", "<m1@example.test>", "<m2@example.test>"], err)
        eq(people(got["<m1@example.test>"]), ["P-00001"])
        eq(people(got["<m2@example.test>"]), ["P-00002"])
        eq(people(got["<e1@example.test>"]), ["P-00002"])
        assert "address" in got["<m2@example.test>"]["people"][0]["matched"]
        eq(got["<e1@example.test>"]["time"], "Sun, 29 Nov 2026 10:00:00 +0000")
        assert "4 documents scanned" in err, err


def test_compressed_input_and_truncated_gzip():
    with Tmp() as t:
        text = "%s, %s\n" % (TOM, TOM_ADDR)
        with gzip.open(t.path("a.txt.gz"), "wt") as f:
            f.write(text)
        jl = "".join(json.dumps({"id": "j%d" % i, "text": text if i == 7 else "hello"}) + "\n"
                     for i in range(2000))
        with gzip.open(t.path("feed.jsonl.gz"), "wt") as f:
            f.write(jl)
        t.path("feed2.jsonl", jl)
        subprocess.run(["zstd", "-q", "-f", t.path("feed2.jsonl"), "-o",
                        t.path("feed2.jsonl.zst")], check=True)
        os.unlink(t.path("feed2.jsonl"))
        t.path("noext", gzip.compress(text.encode()))  # found by its magic bytes
        rc, out, err = t.scan(t.path("a.txt.gz"), t.path("feed.jsonl.gz"),
                              t.path("feed2.jsonl.zst"), t.path("noext"))
        eq(rc, 0, err)
        eq([o["doc"] for o in alerts(out)], [t.path("a.txt.gz"), "j7", "j7", t.path("noext")])
        # standard input, compressed
        rc, out, err = t.scan("--jsonl", stdin=gzip.compress(jl.encode()))
        eq([o["doc"] for o in alerts(out)], ["j7"], err)
        # a truncated gzip file: what came before the cut is scanned, the cut is an error
        whole = gzip.compress(jl.encode())
        t.path("cut.jsonl.gz", whole[:len(whole) * 2 // 3])
        rc, out, err = t.scan(t.path("cut.jsonl.gz"))
        eq(rc, 2, err)
        eq([o["doc"] for o in alerts(out)], ["j7"])
        assert "cut.jsonl.gz" in err and "truncated gzip stream" in err, err
        assert "compressed byte" in err, err


def test_encoded_content_is_decoded():
    with Tmp() as t:
        b64 = base64.b64encode(("%s lives at %s" % (VIC, VIC_ADDR)).encode()).decode()
        pct = urllib.parse.quote("%s %s" % (TOM, TOM_ADDR))
        ent = "".join("&#%d;" % ord(c) for c in VIC)
        doc = "blob: %s\nurl: https://x.test/?q=%s\nhtml: %s\n" % (b64, pct, ent)
        rc, out, err = t.scan(stdin=doc.encode())
        eq(rc, 0, err)
        o = alerts(out)[0]
        spans = {(p["person"], s["encoding"]): (s["start"], s["end"])
                 for p in o["people"] for s in p["spans"] if "encoding" in s}
        start = doc.index(b64)
        eq(spans[("P-00002", "base64")], (start, start + len(b64)))
        assert ("P-00001", "percent") in spans, spans
        assert ("P-00002", "entities") in spans, spans
        # nested: base64 of percent-encoding
        inner = base64.b64encode(urllib.parse.quote("%s %s" % (TOM, TOM_ADDR)).encode())
        rc, out, err = t.scan(stdin=b"x " + inner + b" y")
        o = alerts(out)[0]
        encs = {s.get("encoding") for p in o["people"] for s in p["spans"]}
        assert "base64+percent" in encs, out
        # a base64 image is not text: nothing appended, nothing reported
        rc, out, err = t.scan(stdin=b"img " + base64.b64encode(os.urandom(3000)))
        eq(rc, 1, out + err)
        # the decoder skips 64-byte blocks of plain words: an encoded run found at every offset
        # after prose, across block boundaries, and with a '%' or '&' nearby
        docs, where = [], {}
        for off in range(0, 150):
            prose = ("a few short words " * 10)[:off]
            text = "%s %s and more words after it" % (prose, b64)
            if off % 3 == 0:
                text = "&c " + text
            docs.append(json.dumps({"id": str(off), "text": text}))
            where[str(off)] = text.index(b64)
        rc, out, err = t.scan("--jsonl", stdin=("\n".join(docs) + "\n").encode())
        eq(rc, 0, err)
        found = {}
        for o in alerts(out):
            for p in o["people"]:
                for s in p["spans"]:
                    if s.get("encoding") == "base64" and p["person"] == "P-00002":
                        found[o["doc"]] = s["start"]
        eq(found, where)


def test_large_document_is_chunked_with_overlap():
    with Tmp() as t:
        filler = ("lorem ipsum dolor sit amet " * 200).encode()
        dox = ("%s %s" % (TOM, TOM_ADDR)).encode()
        # the identifiers straddle the first cut (about 4096 bytes in)
        data = filler[:4070] + b" " + dox + b" " + filler * 10
        p = t.path("big.txt", data)
        rc, out, err = t.scan("--max-doc", "4096", p)
        eq(rc, 0, err)
        got = alerts(out)
        assert got and all("chunk" in o for o in got), out
        # the chunk that holds both (the next one starts before the cut, by the overlap)
        both = [o for o in got if "address" in o["people"][0]["matched"]]
        assert both, out
        o = both[0]
        eq(people(o), ["P-00001"])
        span = o["people"][0]["spans"][0]
        eq(o["chunk"]["offset"] + span["start"], data.index(b"Thomas"))
        assert "chunks)" in err and "0 failed" in err, err
        # a dox wholly inside the overlap of two chunks is reported once, not by both
        data = filler[:3500] + b" " + dox + b" " + filler * 10
        rc, out, err = t.scan("--max-doc", "4096", t.path("once.txt", data))
        got = alerts(out)
        eq(len(got), 1, out)
        eq(got[0]["chunk"]["index"], 1)
        # a JSON line over the limit: its text is streamed out of the JSON and chunked too,
        # escapes decoded; the lines after it are read as usual
        text = "caf\u00e9 \"q\" " * 3000 + dox.decode() + " end"
        lines = [json.dumps({"id": "huge", "url": "u", "text": text, "n": [1, {"a": 2}]}),
                 json.dumps({"id": "next", "text": dox.decode()}),
                 '{"id": "broken", "text": "' + "y " * 5000,  # no closing quote
                 json.dumps({"id": "last", "text": dox.decode()})]
        rc, out, err = t.scan("--max-doc", "4096", "--jsonl",
                              stdin=("\n".join(lines) + "\n").encode())
        eq(rc, 2, err)
        got = alerts(out)
        eq([o["doc"] for o in got if "address" in o["people"][0]["matched"]][-3:],
           ["huge", "next", "last"], out)
        huge = [o for o in got if o["doc"] == "huge"]
        assert all(o["chunk"]["index"] >= 1 and o["url"] == "u" for o in huge), huge
        assert "-:3: unterminated string" in err or "-:3: control character" in err, err
        assert "the text before it was scanned" in err, err
        # a lone low surrogate is refused in a long line as jansson refuses it in a short one
        for line in ('{"id": "s", "text": "abc \\udc00 def"}',
                     '{"id": "b", "text": "' + "word " * 3000 + '\\udc00 end"}'):
            rc, out, err = t.scan("--max-doc", "4096", "--jsonl", "--all",
                                  stdin=(line + "\n").encode())
            eq(rc, 2, err)
            assert "1 failed" in err and ("surrogate" in err or "Unicode" in err), err


def test_large_html_is_parsed_in_pieces_without_leaking_scripts():
    """Pages over 1 MiB are parsed in pieces; a cut never falls inside a script, whose text
    would otherwise come out as visible text."""
    with Tmp() as t:
        head = b"<html><body>" + b"<div><p>plain paragraph text here</p></div>\n" * 23800
        # scripts often carry markup in strings: a naive cut lands on one of these "<div"
        script = (b"<script>" + b"document.write('<div>row</div>'); " * 2000 +
                  ("var v = '%s %s';</script>" % (VIC, VIC_ADDR)).encode())
        tail = ("<p>%s, %s</p></body></html>" % (TOM, TOM_ADDR)).encode()
        page = head + script + tail
        assert len(head) < (1 << 20) < len(head) + len(script), len(head)
        rc, out, err = t.scan("--format", "html", stdin=page)
        eq(rc, 0, err)
        eq([people(o) for o in alerts(out)], [["P-00001"]])


def test_single_huge_line_in_bounded_memory():
    if asan():
        print("     (skipped under AddressSanitizer: its shadow memory inflates RSS)")
        return
    with Tmp() as t:
        size = 200 << 20
        tail = (" %s, %s\n" % (TOM, TOM_ADDR)).encode()
        proc = subprocess.Popen([harness.VIGIL, "scan", "--vault", t.vault, "-j", "2"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        block = b"abcdefgh " * (1 << 16)
        def feed():
            sent = 0
            while sent < size:
                proc.stdin.write(block)
                sent += len(block)
            proc.stdin.write(tail)
            proc.stdin.close()
        th = threading.Thread(target=feed)
        th.start()
        out = proc.stdout.read().decode()
        err = proc.stderr.read().decode()
        proc.wait()
        th.join()
        eq(proc.returncode, 0, err)
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        got = alerts(out)
        eq([people(o) for o in got], [["P-00001"]])
        assert got[0]["chunk"]["index"] >= 25, got[0]["chunk"]
        assert rss_mb < 256, "max RSS %.0f MB for a 200 MB line" % rss_mb
        # a WARC response of 48 MB of HTML, the dox at its end
        row = b"<div class=c><p>Post by <a href=/u>someone</a></p><span>text &amp; more</span></div>\n"
        html = b"<html><body>" + row * ((48 << 20) // len(row)) + \
            ("<p>%s</p><p>%s</p></body></html>" % (TOM, TOM_ADDR)).encode()
        payload = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + html
        warc = t.path("big.warc", b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:x:big>\r\n"
                      b"Content-Type: application/http; msgtype=response\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(payload) + payload + b"\r\n\r\n")
        del html, payload
        rc, out, err = run("scan", "--vault", t.vault, "-j", "2", warc)
        eq(rc, 0, err)
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        got = alerts(out)
        assert any("address" in o["people"][0]["matched"] for o in got), out
        assert rss_mb < 256, "max RSS %.0f MB for a 48 MB HTML record" % rss_mb


def test_mixed_directory_with_corrupt_files():
    with Tmp() as t:
        d = os.path.join(t.dir, "in")
        dox = "%s, %s" % (TOM, TOM_ADDR)
        t.path("in/good.txt", dox)
        t.path("in/page.html", DOX_HTML % (VIC, VIC_ADDR))
        t.path("in/feed.jsonl", json.dumps({"id": "ok1", "text": dox}) + "\n" +
               '{"id": "bad", "text": "unterminated\n' +
               json.dumps({"id": "ok2", "text": "nothing"}) + "\n")
        whole = gzip.compress((dox + "\n" + "filler text " * 5000).encode())
        t.path("in/trunc.txt.gz", whole[:len(whole) // 2])
        rec = lambda rid, body: (("WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:x:%s>\r\n"
                                  "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                                  % (rid, len(body))).encode() + body + b"\r\n\r\n")
        liar = rec("liar", b"some text here").replace(b"Length: 14", b"Length: 9")
        t.path("in/bad.warc", liar + rec("after", dox.encode()))
        t.path("in/open.eml", "Message-ID: <open@x>\nSubject: hi\nMIME-Version: 1.0\n"
               "Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\n"
               + dox + "\n")
        t.path("in/pic.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
        t.path("in/sub/bytes.txt", b"\xff\xfe" + dox.encode() + b"\x00")
        t.path("in/skip/me.txt", dox)
        os.symlink("..", os.path.join(d, "sub", "loop"))
        os.symlink("/proc/self/mem", os.path.join(d, "unreadable.txt"))
        rej = t.path("rejects.jsonl")
        rc, out, err = t.scan("--exclude", "skip", "--rejects", rej, "-j", "2", d)
        eq(rc, 2, err)
        ids = [o["doc"] for o in alerts(out)]
        eq(ids, ["<urn:x:after>", "ok1", t.path("in/good.txt"), "<open@x>",
                 t.path("in/page.html"), t.path("in/sub/bytes.txt"), t.path("in/trunc.txt.gz")],
           err)
        lines = err.splitlines()
        def line_with(*words):
            hits = [l for l in lines if all(w in l for w in words)]
            assert hits, "no error line with %r in:\n%s" % (words, err)
        line_with("bad.warc", "record 1", "<urn:x:liar>", "at byte 0", "Content-Length 9",
                  "resynchronized")
        line_with("feed.jsonl:2", "invalid JSON", "byte")
        line_with("trunc.txt.gz", "truncated gzip stream")
        line_with("open.eml", "warning", "no closing boundary")
        line_with("bytes.txt", "warning", "replaced", "first at byte 0")
        line_with("loop", "symbolic link loop")
        line_with("unreadable.txt", "byte 0")
        line_with("1 skipped", "4 failed", "2 repaired")
        # --rejects keeps what could not be processed, as documents that can be fed again
        with open(rej) as f:
            rejected = [json.loads(l) for l in f]
        bad = [r for r in rejected if "feed.jsonl" in r["source"]]
        eq(len(bad), 1, rejected)
        eq(bad[0]["text"], '{"id": "bad", "text": "unterminated')
        eq(len(rejected), 4, rejected)
        rc, out, err = t.scan(rej)
        assert rc in (0, 1), err


def test_parallel_scan_keeps_input_order():
    with Tmp() as t:
        for i in range(300):
            body = ("%s, %s" % (TOM, TOM_ADDR)) if i % 7 == 0 else "nothing %d" % i
            t.path("many/%03d.txt" % i, body)
        d = os.path.join(t.dir, "many")
        _, out1, _ = t.scan("-j", "1", "--all", d)
        _, out2, _ = t.scan("-j", "2", "--all", d)
        eq(out1, out2)
        eq(len(out1.splitlines()), 300)
        _, out3, _ = t.scan("-j", "2", "--all", "--unordered", d)
        eq(sorted(out3.splitlines()), sorted(out1.splitlines()))
        rc, out, err = t.scan("--include", "00*.txt", d)
        eq([os.path.basename(o["doc"]) for o in alerts(out)], ["000.txt", "007.txt"], err)
        # the progress line: only when asked for (standard error is not a terminal here)
        assert "MB/s" not in err, err
        rc, out, err = t.scan("--progress", d)
        assert "\r\033[K" in err and "MB/s" in err and " docs " in err and " alerts" in err, err


def test_watch_scans_new_files_and_resumes():
    with Tmp() as t:
        d = os.path.join(t.dir, "crawl")
        os.makedirs(d)
        state = t.path("watch.state")
        t.path("crawl/before.txt", "%s, %s" % (TOM, TOM_ADDR))

        def start():
            return subprocess.Popen([harness.VIGIL, "watch", "--vault", t.vault, "--state", state, d],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        def read_alerts(proc, n, timeout=30):
            got = []
            deadline = time.time() + timeout
            os.set_blocking(proc.stdout.fileno(), False)
            buf = b""
            while len(got) < n and time.time() < deadline:
                chunk = proc.stdout.read()
                if chunk:
                    buf += chunk
                    *lines, buf = buf.split(b"\n")
                    got += [json.loads(l) for l in lines if l.strip()]
                else:
                    time.sleep(0.05)
            return got

        p = start()
        got = read_alerts(p, 1)
        eq([o["doc"] for o in got], [os.path.join(d, "before.txt")])
        t.path("crawl/new.txt", "%s, %s" % (VIC, VIC_ADDR))
        with open(t.path("crawl/feed.jsonl"), "w") as f:
            f.write(json.dumps({"id": "l1", "text": "%s, %s" % (TOM, TOM_ADDR)}) + "\n")
        got = read_alerts(p, 2)
        eq(sorted(o["doc"] for o in got), sorted([os.path.join(d, "new.txt"), "l1"]))
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
        eq(p.returncode, 0, p.stderr.read().decode())
        # while stopped: a line is appended and a file arrives
        with open(t.path("crawl/feed.jsonl"), "a") as f:
            f.write(json.dumps({"id": "l2", "text": "%s, %s" % (VIC, VIC_ADDR)}) + "\n")
        os.makedirs(os.path.join(d, "sub"))
        t.path("crawl/sub/late.txt", "%s, %s" % (VIC, VIC_ADDR))
        p = start()
        got = read_alerts(p, 2)
        time.sleep(0.5)
        got += read_alerts(p, 1, timeout=0.5)
        # only what is new: nothing scanned twice, nothing skipped
        eq(sorted(o["doc"] for o in got), sorted(["l2", os.path.join(d, "sub", "late.txt")]))
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(harness.main(sys.argv, sys.modules[__name__]))
