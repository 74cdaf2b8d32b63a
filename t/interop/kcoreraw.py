#!/usr/bin/python3
"""kcoreraw.py: the core APIs at the versions no installed client sends
(Kafka 3.9's highest), built by hand from Kafka 3.9's message JSON for
t/39-flexible.bats.  Standard library only; reuses kadminraw.py's codec.
Each command prints one line and exits 0 (exit 1: connection or parse
failure).

  kcoreraw.py initpid ADDR VERSION [PID EPOCH]
      InitProducerId (null transactional id) -> "error E pid P epoch E"
  kcoreraw.py ofle ADDR VERSION TOPIC PART EPOCH [CURRENT]
      OffsetForLeaderEpoch -> "error E epoch L end O"
  kcoreraw.py delete ADDR VERSION NAME|@ID ...
      DeleteTopics (v6: @ID names a topic by its 32-hex-digit id)
      -> "NAME:E:MESSAGE ..." (NAME "-" when null, MESSAGE "-" when null)
  kcoreraw.py create ADDR VERSION TOPIC NPARTS [validate]
      CreateTopics -> "error E parts N rf R configs NAME=VALUE/SOURCE,..."
  kcoreraw.py list-offsets ADDR VERSION TOPIC PART TIMESTAMP [CURRENT]
      ListOffsets -> "error E ts T offset O epoch L"
  kcoreraw.py produce ADDR VERSION TOPIC PART VALUE... [+bad]
      Produce acks=1 of one batch (+bad: a record count that lies)
      -> "error E base B message M recerrs N"
"""
import os
import struct
import sys
import time

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kadminraw  # noqa: E402
from kadminraw import W, call  # noqa: E402

kadminraw.FLEX_MIN.update({0: 9, 2: 6, 19: 5, 20: 4, 22: 2, 23: 4})


def flex(key, version):
    return version >= kadminraw.FLEX_MIN[key]


def s(v):
    return "-" if v is None else v


def initpid(addr, version, pid, epoch):
    w = W(flex(22, version))
    w.string(None)
    w.i32(60000)
    if version >= 3:
        w.i64(pid)
        w.i16(epoch)
    w.tags()
    r = call(addr, 22, version, w.b)
    r.i32()
    err = r.i16()
    p = r.i64()
    e = r.i16()
    r.tags()
    r.end()
    print("error %d pid %d epoch %d" % (err, p, e))


def ofle(addr, version, topic, part, epoch, current):
    w = W(flex(23, version))
    if version >= 3:
        w.i32(-1)
    w.count(1)
    w.string(topic)
    w.count(1)
    w.i32(part)
    if version >= 2:
        w.i32(current)
    w.i32(epoch)
    w.tags()
    w.tags()
    w.tags()
    r = call(addr, 23, version, w.b)
    if version >= 2:
        r.i32()
    r.count()
    r.string()
    r.count()
    err = r.i16()
    r.i32()
    le = r.i32() if version >= 1 else -1
    end = r.i64()
    r.tags()
    r.tags()
    r.tags()
    r.end()
    print("error %d epoch %d end %d" % (err, le, end))


def delete(addr, version, names):
    w = W(flex(20, version))
    w.count(len(names))
    for n in names:
        if version >= 6:
            if n.startswith("@"):
                w.string(None)
                w.b += bytes.fromhex(n[1:])
            else:
                w.string(n)
                w.b += bytes(16)
            w.tags()
        else:
            w.string(n)
    w.i32(30000)
    w.tags()
    r = call(addr, 20, version, w.b)
    if version >= 1:
        r.i32()
    out = []
    for _ in range(r.count()):
        name = r.string()
        if version >= 6:
            r.take(16)
        err = r.i16()
        msg = r.string() if version >= 5 else None
        r.tags()
        out.append("%s:%d:%s" % (s(name), err, s(msg)))
    r.tags()
    r.end()
    print(" ".join(out))


def create(addr, version, topic, nparts, validate):
    w = W(flex(19, version))
    w.count(1)
    w.string(topic)
    w.i32(nparts)
    w.i16(-1)
    w.count(0)
    w.count(0)
    w.tags()
    w.i32(30000)
    if version >= 1:
        w.i8(1 if validate else 0)
    w.tags()
    r = call(addr, 19, version, w.b)
    if version >= 2:
        r.i32()
    r.count()
    r.string()
    err = r.i16()
    if version >= 1:
        r.string()
    parts, rf, cfgs = -1, -1, []
    if version >= 5:
        parts = r.i32()
        rf = r.i16()
        n = r.count()
        for _ in range(max(n, 0)):
            name = r.string()
            value = r.string()
            r.i8()		# ReadOnly
            src = r.i8()
            r.i8()		# IsSensitive
            r.tags()
            cfgs.append("%s=%s/%d" % (name, s(value), src))
    r.tags()
    r.tags()
    r.end()
    print("error %d parts %d rf %d configs %s" % (err, parts, rf, ",".join(cfgs)))


def list_offsets(addr, version, topic, part, ts, current):
    w = W(flex(2, version))
    w.i32(-1)
    if version >= 2:
        w.i8(0)
    w.count(1)
    w.string(topic)
    w.count(1)
    w.i32(part)
    if version >= 4:
        w.i32(current)
    w.i64(ts)
    if version == 0:
        w.i32(1)
    w.tags()
    w.tags()
    w.tags()
    r = call(addr, 2, version, w.b)
    if version >= 2:
        r.i32()
    r.count()
    r.string()
    r.count()
    r.i32()
    err = r.i16()
    t, o, le = -1, -1, -1
    if version == 0:
        offs = [r.i64() for _ in range(r.count())]
        o = offs[0] if offs else -1
    else:
        t = r.i64()
        o = r.i64()
    if version >= 4:
        le = r.i32()
    r.tags()
    r.tags()
    r.tags()
    r.end()
    print("error %d ts %d offset %d epoch %d" % (err, t, o, le))


def crc32c(b):
    crc = 0xFFFFFFFF
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def varint(v):
    v = (v << 1) ^ (v >> 63)
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def batch(values, lie):
    now = int(time.time() * 1000)
    recs = bytearray()
    for i, v in enumerate(values):
        body = b"\x00" + varint(0) + varint(i) + varint(-1) + \
            varint(len(v)) + v.encode() + varint(0)
        recs += varint(len(body)) + body
    n = len(values) + (1 if lie else 0)
    # attributes .. records: what the CRC covers
    tail = struct.pack(">hiqqqhii", 0, len(values) - 1, now, now, -1, -1, -1, n) + recs
    head = struct.pack(">qiib", 0, 4 + 1 + 4 + len(tail), -1, 2)
    return head + struct.pack(">I", crc32c(tail)) + tail


def produce(addr, version, topic, part, values, lie):
    f = flex(0, version)
    w = W(f)
    if version >= 3:
        w.string(None)
    w.i16(1)
    w.i32(30000)
    w.count(1)
    w.string(topic)
    w.count(1)
    w.i32(part)
    b = batch(values, lie)
    if f:
        w.uvar(len(b) + 1)
    else:
        w.i32(len(b))
    w.b += b
    w.tags()
    w.tags()
    w.tags()
    r = call(addr, 0, version, w.b)
    r.count()
    r.string()
    r.count()
    r.i32()
    err = r.i16()
    base = r.i64()
    if version >= 2:
        r.i64()
    if version >= 5:
        r.i64()
    msg, nrec = None, 0
    if version >= 8:
        nrec = max(r.count(), 0)
        for _ in range(nrec):
            r.i32()
            r.string()
            r.tags()
        msg = r.string()
    r.tags()
    r.tags()
    if version >= 1:
        r.i32()
    r.tags()
    r.end()
    print("error %d base %d message %s recerrs %d" % (err, base, s(msg), nrec))


def main(a):
    if len(a) < 3:
        raise SystemExit(__doc__)
    cmd, addr, v = a[0], a[1], int(a[2])
    if cmd == "initpid":
        initpid(addr, v, int(a[3]) if len(a) > 3 else -1, int(a[4]) if len(a) > 4 else -1)
    elif cmd == "ofle":
        ofle(addr, v, a[3], int(a[4]), int(a[5]), int(a[6]) if len(a) > 6 else -1)
    elif cmd == "delete":
        delete(addr, v, a[3:])
    elif cmd == "create":
        create(addr, v, a[3], int(a[4]), "validate" in a[5:])
    elif cmd == "list-offsets":
        list_offsets(addr, v, a[3], int(a[4]), int(a[5]), int(a[6]) if len(a) > 6 else -1)
    elif cmd == "produce":
        vals = [x for x in a[5:] if x != "+bad"]
        produce(addr, v, a[3], int(a[4]), vals, "+bad" in a[5:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (OSError, ValueError, struct.error) as e:
        print("kcoreraw.py:", e, file=sys.stderr)
        sys.exit(1)
