#!/usr/bin/env python3
"""Independent verifier for a cairn-audit bundle (cairn-audit-bundle/v1).

Written from the specifications only (ledger/FORMAT.md, RFC 9162,
c2sp.org/tlog-checkpoint, c2sp.org/signed-note); it shares no code with the
C++ implementation. Needs python3 and python3-cryptography (Ed25519).

Usage: verify_bundle.py BUNDLE.tar [--pin-key NAME+HEX+BASE64]

What it checks, in order (the first failure is reported):
  1. The archive reads with the standard tarfile module; MANIFEST.json,
     verifier.key, records/<20 digits>.bin and checkpoints/<20 digits>.note are
     the only members; the format is cairn-audit-bundle/v1.
  2. Records 0..N-1 are all present (N = MANIFEST records), none beyond.
  3. Each record, parsed as a FlatBuffers table just far enough: the root
     uoffset and the "CRNR" identifier, the vtable, field 0 format_version == 1,
     field 1 seq == the member's seq (absent = 0), and field 3 prev, a vector of
     exactly 32 bytes, equals the leaf hash of record seq-1 (32 zero bytes for
     seq 0). Offsets are bounds-checked; no other field is read.
  4. The last leaf hash equals MANIFEST head; the RFC 9162 root (MTH) over all
     leaf hashes SHA-256(0x00 || stored bytes) equals MANIFEST root.
  5. verifier.key equals MANIFEST verifier_key; its key id equals
     SHA-256(name || 0x0A || 0x01 || pubkey)[:4]; its name equals MANIFEST
     origin (or the --pin-key is used instead and must name the same origin).
  6. Every checkpoint: its body is "<origin>\\n<size>\\n<base64 root>\\n[ext...]",
     origin == MANIFEST origin, size == the member's size <= N; at least one
     signature line "— <name> <base64(keyid || sig)>" by the key (name and key
     id), and every such line verifies with Ed25519 over the note text; the
     signed root equals MTH of the first `size` leaves.
  7. One inclusion proof (leaf N//2 in the tree of N), computed per RFC 9162
     §2.1.3.1 and verified per §2.1.3.2 against the root.
Prints one JSON object and exits 0 (ok) or 1 (does not verify / unreadable).
"""
import base64
import hashlib
import json
import struct
import sys
import tarfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "cairn-audit-bundle/v1"


class Bad(Exception):
    pass


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(b):
    return sha256(b"\x00" + b)


def node_hash(l, r):
    return sha256(b"\x01" + l + r)


def split(n):  # largest power of two strictly below n (n >= 2)
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    n = len(leaves)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return leaves[0]
    k = split(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def root_iterative(leaves):
    # Same value as mth(), bottom-up, to avoid deep recursion and recomputation.
    stack = []  # (height, hash) of perfect subtrees, left to right
    for i, lf in enumerate(leaves):
        h, node = 0, lf
        n = i + 1
        while n % 2 == 0:
            _, left = stack.pop()
            node = node_hash(left, node)
            h += 1
            n //= 2
        stack.append((h, node))
    if not stack:
        return sha256(b"")
    node = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        node = node_hash(left, node)
    return node


def inclusion_path(m, leaves):  # RFC 9162 §2.1.3.1 PATH(m, D[n])
    n = len(leaves)
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return inclusion_path(m, leaves[:k]) + [mth(leaves[k:])]
    return inclusion_path(m - k, leaves[k:]) + [mth(leaves[:k])]


def verify_inclusion(index, size, leaf, proof, root):  # RFC 9162 §2.1.3.2
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def u16(b, o):
    if o < 0 or o + 2 > len(b):
        raise Bad("offset %d out of bounds" % o)
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    if o < 0 or o + 4 > len(b):
        raise Bad("offset %d out of bounds" % o)
    return struct.unpack_from("<I", b, o)[0]


def i32(b, o):
    if o < 0 or o + 4 > len(b):
        raise Bad("offset %d out of bounds" % o)
    return struct.unpack_from("<i", b, o)[0]


def u64(b, o):
    if o < 0 or o + 8 > len(b):
        raise Bad("offset %d out of bounds" % o)
    return struct.unpack_from("<Q", b, o)[0]


def record_fields(b):
    """(format_version, seq, prev) from a Record FlatBuffer (ledger/FORMAT.md)."""
    if len(b) < 8 or b[4:8] != b"CRNR":
        raise Bad("no CRNR file identifier")
    table = u32(b, 0)
    vtable = table - i32(b, table)
    vt_size = u16(b, vtable)
    if vt_size < 4 or vt_size % 2:
        raise Bad("bad vtable size %d" % vt_size)

    def field(i):
        slot = 4 + 2 * i
        return u16(b, vtable + slot) if slot < vt_size else 0

    o = field(0)
    version = u16(b, table + o) if o else 1
    o = field(1)
    seq = u64(b, table + o) if o else 0
    o = field(3)
    if not o:
        prev = b""
    else:
        at = table + o
        vec = at + u32(b, at)
        length = u32(b, vec)
        if vec + 4 + length > len(b):
            raise Bad("prev vector out of bounds")
        prev = bytes(b[vec + 4:vec + 4 + length])
    return version, seq, prev


def key_id(name, pub):
    return sha256(name.encode() + b"\x0a\x01" + pub)[:4]


def parse_vkey(vkey):
    parts = vkey.split("+", 2)  # base64 may itself contain "+"
    if len(parts) != 3:
        raise Bad("verifier key is not name+id+key")
    name, hexid, b64 = parts
    raw = base64.b64decode(b64, validate=True)
    if len(raw) != 33 or raw[0] != 1:
        raise Bad("verifier key is not an Ed25519 key")
    pub = raw[1:]
    if key_id(name, pub).hex() != hexid:
        raise Bad("verifier key id %s does not match its name and key" % hexid)
    return name, key_id(name, pub), pub


def open_note(note, name, kid, pub):
    """Returns the verified text of a C2SP signed note."""
    try:
        s = note.decode("utf-8")
    except UnicodeDecodeError:
        raise Bad("note is not UTF-8")
    cut = s.rfind("\n\n")
    if cut < 0:
        raise Bad("note has no signature block")
    text, sigs = s[:cut + 1], s[cut + 2:]
    if not sigs.endswith("\n"):
        raise Bad("signature block does not end in a newline")
    key = Ed25519PublicKey.from_public_bytes(pub)
    good = 0
    for line in sigs[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise Bad("malformed signature line %r" % line)
        rest = line[2:].split(" ")
        if len(rest) != 2:
            raise Bad("malformed signature line %r" % line)
        sig = base64.b64decode(rest[1], validate=True)
        if len(sig) < 5:
            raise Bad("short signature")
        if rest[0] != name or sig[:4] != kid:
            continue
        if len(sig) != 68:
            raise Bad("Ed25519 signature is not 64 bytes")
        try:
            key.verify(sig[4:], text.encode("utf-8"))
        except InvalidSignature:
            raise Bad("signature by %s does not verify" % name)
        good += 1
    if good == 0:
        raise Bad("no signature by %s (signed by another key)" % name)
    return text


def parse_checkpoint(text):
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise Bad("checkpoint body has fewer than 3 lines")
    origin, size_s, root_b64 = lines[0], lines[1], lines[2]
    if not size_s.isdigit() or (size_s != "0" and size_s.startswith("0")):
        raise Bad("checkpoint size %r is not canonical decimal" % size_s)
    root = base64.b64decode(root_b64, validate=True)
    if len(root) != 32 or base64.b64encode(root).decode() != root_b64:
        raise Bad("checkpoint root is not base64 of 32 bytes")
    return origin, int(size_s), root


def numbered(name, prefix, suffix):
    if not (name.startswith(prefix) and name.endswith(suffix)):
        return None
    digits = name[len(prefix):len(name) - len(suffix)]
    if len(digits) != 20 or not digits.isdigit():
        return None
    return int(digits)


def verify(path, pin_key):
    out = {"bundle": path, "ok": False, "records": 0, "head": "", "root": "", "checkpoints": 0,
           "inclusion_checked": False, "problem": ""}
    try:
        members = {}
        try:
            with tarfile.open(path, "r:") as tar:
                for info in tar.getmembers():
                    if info.isdir():
                        continue
                    if not info.isfile():
                        raise Bad("tar member %s is not a regular file" % info.name)
                    if info.name in members:
                        raise Bad("duplicate tar member %s" % info.name)
                    members[info.name] = tar.extractfile(info).read()
        except (tarfile.TarError, EOFError, OSError) as e:
            raise Bad("cannot read tar: %s" % e)
        for need in ("MANIFEST.json", "verifier.key"):
            if need not in members:
                raise Bad("bundle has no member %s" % need)
        manifest = json.loads(members["MANIFEST.json"])
        if manifest.get("format") != FORMAT:
            raise Bad("MANIFEST format is not %s" % FORMAT)
        origin, n = manifest["origin"], manifest["records"]
        records, notes = {}, {}
        for name, data in members.items():
            if name in ("MANIFEST.json", "verifier.key"):
                continue
            seq = numbered(name, "records/", ".bin")
            size = numbered(name, "checkpoints/", ".note")
            if seq is not None:
                records[seq] = data
            elif size is not None:
                notes[size] = data
            else:
                raise Bad("unexpected member %s" % name)
        for seq in range(n):
            if seq not in records:
                raise Bad("record missing: seq %d" % seq)
        if any(seq >= n for seq in records):
            raise Bad("record beyond MANIFEST's %d records" % n)

        leaves = []
        prev_leaf = bytes(32)
        for seq in range(n):
            b = records[seq]
            try:
                version, stored_seq, prev = record_fields(b)
            except Bad as e:
                raise Bad("seq %d: not a valid record: %s" % (seq, e))
            if version != 1:
                raise Bad("seq %d: format_version %d" % (seq, version))
            if stored_seq != seq:
                raise Bad("seq %d: record says seq %d" % (seq, stored_seq))
            if len(prev) != 32:
                raise Bad("seq %d: prev is %d bytes, not 32" % (seq, len(prev)))
            if prev != prev_leaf:
                raise Bad("seq %d: prev hash does not match the leaf hash of seq %d" % (seq, seq - 1))
            prev_leaf = leaf_hash(b)
            leaves.append(prev_leaf)
        out["records"] = n
        out["head"] = prev_leaf.hex() if n else ""
        if n and prev_leaf.hex() != manifest["head"]:
            raise Bad("last leaf %s is not MANIFEST head %s" % (prev_leaf.hex(), manifest["head"]))
        root = root_iterative(leaves)
        out["root"] = root.hex()
        if root.hex() != manifest["root"]:
            raise Bad("records give root %s, MANIFEST says %s" % (root.hex(), manifest["root"]))

        vkey = members["verifier.key"].decode().rstrip("\n")
        if vkey != manifest["verifier_key"]:
            raise Bad("verifier.key differs from MANIFEST verifier_key")
        kname, kid, pub = parse_vkey(pin_key or vkey)
        if kname != origin:
            raise Bad("key is for %s but MANIFEST origin is %s" % (kname, origin))
        if not notes:
            raise Bad("the bundle holds no signed checkpoint")
        for size in sorted(notes):
            where = "checkpoint at size %d: " % size
            try:
                text = open_note(notes[size], kname, kid, pub)
                cp_origin, cp_size, cp_root = parse_checkpoint(text)
            except (Bad, ValueError) as e:
                raise Bad(where + str(e))
            if cp_origin != origin:
                raise Bad(where + "origin %s is not %s" % (cp_origin, origin))
            if cp_size != size or size > n:
                raise Bad(where + "size %d does not fit (bundle has %d records)" % (cp_size, n))
            if root_iterative(leaves[:size]) != cp_root:
                raise Bad(where + "signed root does not match the records")
            out["checkpoints"] += 1

        if n:
            index = n // 2
            proof = inclusion_path(index, leaves)
            if not verify_inclusion(index, n, leaves[index], proof, root):
                raise Bad("inclusion proof for leaf %d does not verify" % index)
            if verify_inclusion(index, n, leaf_hash(b"not a record"), proof, root):
                raise Bad("inclusion check accepts a wrong leaf")
            out["inclusion_checked"] = True
            out["inclusion_index"] = index
        out["ok"] = True
    except (Bad, KeyError, TypeError, ValueError) as e:
        out["problem"] = str(e) if isinstance(e, Bad) else "malformed bundle: %r" % (e,)
    return out


def main(argv):
    args = argv[1:]
    pin = ""
    if "--pin-key" in args:
        i = args.index("--pin-key")
        pin = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        print("usage: verify_bundle.py BUNDLE.tar [--pin-key KEY]", file=sys.stderr)
        return 1
    report = verify(args[0], pin)
    print(json.dumps(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
