#!/usr/bin/env python3
"""embed.py IN OUT NAME: writes a C header defining `static const char NAME[]` with IN's bytes."""
import sys

data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "w") as f:
    f.write("/* Generated from %s by tools/embed.py; do not edit. */\n" % sys.argv[1].split("/")[-1])
    f.write("static const char %s[] = {\n" % sys.argv[3])
    for i in range(0, len(data), 20):
        f.write("    " + "".join("%d," % b for b in data[i:i + 20]) + "\n")
    f.write("    0};\n")
