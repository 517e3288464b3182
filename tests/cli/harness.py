"""Shared by the CLI integration tests (test_cli.py, test_ingest.py, test_store.py): running the
vigil binary (refusing any sanitizer report), a scratch vault, and the runner that prints
"N passed, N failed"."""
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
VIGIL = None  # set by main()

# P-00001 and P-00002 of data/demo/people.csv (synthetic people)
TOM = "Thomas Jackson"
TOM_ADDR = "9480 Prairie Avenue, Fairview, NJ"
VIC = "Victoria Cooper"
VIC_ADDR = "1569 Elm Court, Madison, WI"


def run(*args, stdin=None, cwd=ROOT, env=None, timeout=600):
    """vigil ARGS...: (exit status, stdout, stderr)."""
    p = subprocess.run([VIGIL] + list(args), input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, cwd=cwd, env=env, timeout=timeout)
    err = p.stderr.decode("utf-8", "replace")
    if "Sanitizer" in err or "runtime error:" in err:
        raise AssertionError("sanitizer report from %s:\n%s" % (" ".join(args), err))
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def eq(a, b, msg=""):
    if a != b:
        raise AssertionError("%r != %r %s" % (a, b, msg))


class Tmp:
    """A scratch directory with a fresh vault (and the demo people enrolled when asked)."""
    prefix = "vigil-test-"
    enroll_demo = False

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix=self.prefix)
        self.vault = os.path.join(self.dir, "vault")
        rc, _, err = run("init", "--vault", self.vault)
        assert rc == 0, err
        if self.enroll_demo:
            rc, _, err = run("enroll", "--vault", self.vault,
                             os.path.join(ROOT, "data", "demo", "people.csv"))
            assert rc == 0, err
        return self

    def __exit__(self, *a):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name, content=None):
        """DIR/name, written first when content (str as UTF-8, or bytes) is given."""
        p = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if content is not None:
            with open(p, "wb") as f:
                f.write(content if isinstance(content, bytes) else content.encode("utf-8"))
        return p


def main(argv, module):
    """Runs the test_* functions of module (all, or those named after the binary)."""
    global VIGIL
    VIGIL = os.path.abspath(argv[1])
    names = argv[2:]
    tests = [(n, f) for n, f in sorted(vars(module).items())
             if n.startswith("test_") and callable(f)]
    passed = failed = 0
    for n, f in tests:
        if names and n not in names:
            continue
        try:
            f()
            print("ok   " + n)
            passed += 1
        except Exception:
            print("FAIL " + n)
            traceback.print_exc()
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
