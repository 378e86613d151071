#!/usr/bin/env python3
"""Builds the big-package benchmark packages reproducibly (same bytes on every run) from examples/local-demo.

Usage: big-packages-build.py <examples/local-demo dir> <output dir>

  big.tgz        ~217 MB: local-demo + a 150 MB incompressible provider binary under the scenario's
                 .terraform/providers/... and ~193 MB of compressible assets (343 MB unpacked)
  files-N.tgz    local-demo + N small files (100 per directory), N = 100, 1000, 10000, 100000

Every package's scripts/up.sh also writes $DEMO_STATE_FILES small files into generated/many when that variable is
set, so that "status with 10,000 files in state" needs no other package. Pseudo-random bytes come from a seeded
generator, tar headers carry mtime 0 and uid/gid 0, the gzip header carries no name and mtime 0.
"""
import gzip
import io
import os
import random
import sys
import tarfile

STATE_FILES_BLOCK = """
if [ -n "${DEMO_STATE_FILES:-}" ]; then
  mkdir -p generated/many
  i=0
  while [ "$i" -lt "$DEMO_STATE_FILES" ]; do
    d="generated/many/d$((i / 100))"
    [ -d "$d" ] || mkdir -p "$d"
    printf 'file %d\\n' "$i" > "$d/f$i.txt"
    i=$((i + 1))
  done
fi
"""

SCENARIO = "scenarios/local/demo"
PROVIDER = SCENARIO + "/.terraform/providers/registry.opentofu.org/hashicorp/null/3.2.2/linux_amd64/terraform-provider-null_v3.2.2_x5"


def v1_manifest(data):
    """The profile/v1 fields the bash engine requires (the Java engine accepts both forms)."""
    text = data.decode()
    text = text.replace("  name: local-demo\n", "  name: local-demo\n  sourceRevision: " + "0" * 40 + "\n", 1)
    text = text.replace("    type: local-demo\n", "    type: local-demo\n    path: scenarios/local/demo\n", 1)
    text = text.replace("    installScript: scripts/install.sh\n", "    installScript: scripts/install.sh\n"
                        "    targets:\n      apply: up\n      status: status\n      destroy: down\n"
                        "  compatibility:\n    requires:\n      infra:\n        contract: profile/v1\n"
                        "        minEngineVersion: 0.9.65\n        maxEngineVersionExclusive: 0.10.0\n"
                        "      core:\n        minVersion: 0.9.6\n        maxVersionExclusive: 0.10.0\n", 1)
    return text.encode()


def base_members(demo):
    members = []
    for dirpath, dirnames, filenames in os.walk(demo):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, demo)
        if rel_dir != ".":
            members.append((rel_dir, None, 0o755))
        for name in sorted(filenames):
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel == "site.env.example":
                continue
            with open(os.path.join(dirpath, name), "rb") as f:
                data = f.read()
            if rel == "profile.yaml":
                data = v1_manifest(data)
            if rel == SCENARIO + "/scripts/up.sh":
                data = data.replace(b"\necho \"$(date -u", STATE_FILES_BLOCK.encode() + b"\necho \"$(date -u", 1)
            mode = 0o755 if os.access(os.path.join(dirpath, name), os.X_OK) else 0o644
            members.append((rel, data, mode))
    return members


def write_tgz(path, members):
    """members: (name, bytes|callable->iterable of chunks with size, mode); None data = directory."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
                for name, data, mode in sorted(members, key=lambda m: m[0]):
                    info = tarfile.TarInfo("./" + name)
                    info.mtime = 0
                    info.uid = info.gid = 0
                    info.uname = info.gname = "root"
                    info.mode = mode
                    if data is None:
                        info.type = tarfile.DIRTYPE
                        tar.addfile(info)
                    elif isinstance(data, tuple):
                        size, stream = data
                        info.size = size
                        tar.addfile(info, stream())
                    else:
                        info.size = len(data)
                        tar.addfile(info, io.BytesIO(data))
    os.replace(tmp, path)


class Generated(io.RawIOBase):
    """A readable stream of `size` seeded pseudo-random bytes; `alphabet` limits them to compressible text."""

    def __init__(self, seed, size, alphabet=None):
        self.rng = random.Random(seed)
        self.left = size
        self.table = None
        if alphabet:
            self.table = bytes(alphabet[i % len(alphabet)] for i in range(256))

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.left, 1 << 20)
        if n == 0:
            return 0
        chunk = self.rng.randbytes(n)
        if self.table:
            chunk = chunk.translate(self.table)
        buffer[:n] = chunk
        self.left -= n
        return n


def dirs_of(names):
    dirs = set()
    for name in names:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    return dirs


def with_dirs(members):
    have = {m[0] for m in members if m[1] is None}
    extra = dirs_of([m[0] for m in members]) - have
    return members + [(d, None, 0o755) for d in sorted(extra)]


def main():
    demo, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    base = base_members(demo)
    big = os.path.join(out, "big.tgz")
    if not os.path.exists(big):
        members = list(base)
        provider_size = 150 * 1024 * 1024
        members.append((PROVIDER, (provider_size, lambda: io.BufferedReader(Generated(1, provider_size))), 0o755))
        for i in range(4):
            size = 48 * 1024 * 1024 + 256 * 1024
            members.append((f"{SCENARIO}/assets/bundle-{i}.txt",
                            (size, lambda i=i, size=size: io.BufferedReader(Generated(10 + i, size, b"abcd"))), 0o644))
        write_tgz(big, with_dirs(members))
        print("built", big, os.path.getsize(big), flush=True)
    for count in (100, 1000, 10000, 100000):
        path = os.path.join(out, f"files-{count}.tgz")
        if os.path.exists(path):
            continue
        members = list(base)
        for i in range(count):
            members.append((f"{SCENARIO}/modules/d{i // 100}/f{i}.tf",
                            (f'# module file {i}\nresource "null_resource" "r{i}" {{}}\n').encode(), 0o644))
        write_tgz(path, with_dirs(members))
        print("built", path, os.path.getsize(path), flush=True)


if __name__ == "__main__":
    main()
