#!/usr/bin/env python3
"""Writes N small generated files (fresh random salt each time) under DIR: the bench's 10,000-file runtime.
Usage: bench/many-files.py DIR N   (used by bench/state-encryption.sh and bench/state-encryption-ab.sh)"""
import os
import sys

d, n = sys.argv[1], int(sys.argv[2])
salt = os.urandom(8).hex()
for i in range(n):
    sub = os.path.join(d, "d%03d" % (i // 100))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "f%05d.yaml" % i), "w") as f:
        f.write("# generated file %d %s\nkey: value-%d\n" % (i, salt, i) + "x" * (i % 200) + "\n")
