#!/usr/bin/python3
"""kadminraw.py: the admin APIs no installed client sends, and their
flexible (KIP-482) versions, built by hand from Kafka 3.9's message JSON
for t/29-serve-admin-apis.bats.  Standard library only.  Each command
prints one line and exits 0 (exit 1: connection or parse failure).

  kadminraw.py cluster ADDR VERSION [ENDPOINT_TYPE]
      DescribeCluster -> "error E cluster ID controller N brokers ID:HOST:PORT ..."
  kadminraw.py offset-delete ADDR GROUP TOPIC PART...
      OffsetDelete v0 -> "error E TOPIC:PART:E ..."
  kadminraw.py incremental ADDR VERSION TYPE NAME OP KEY [VALUE] [validate]
      IncrementalAlterConfigs -> "error E message M"
  kadminraw.py alter ADDR VERSION TOPIC KEY VALUE [dup]
      AlterConfigs of one topic (dup: the same resource twice) -> "error E message M" per resource
  kadminraw.py describe ADDR VERSION TYPE NAME [KEY...] [+syn]
      DescribeConfigs -> "error E" then " KEY=VALUE/SOURCE/TYPE" per config
      (+syn: IncludeSynonyms, each config's listed as [NAME=VALUE/SOURCE,...])
  kadminraw.py delete-groups ADDR VERSION GROUP...
      DeleteGroups -> "GROUP:E ..."
  kadminraw.py delete-records ADDR VERSION TOPIC PART OFFSET
      DeleteRecords -> "low L error E"
  kadminraw.py partitions ADDR VERSION TOPIC COUNT [validate] [assign]
      CreatePartitions -> "error E message M"
"""
import socket
import struct
import sys

FLEX_MIN = {60: 0, 44: 1, 33: 2, 32: 4, 42: 2, 21: 2, 37: 2, 47: 99}


class W:
    def __init__(self, flex):
        self.b = bytearray()
        self.flex = flex

    def i8(self, v): self.b += struct.pack(">b", v)
    def i16(self, v): self.b += struct.pack(">h", v)
    def i32(self, v): self.b += struct.pack(">i", v)
    def i64(self, v): self.b += struct.pack(">q", v)

    def uvar(self, v):
        while v >= 0x80:
            self.b.append((v & 0x7F) | 0x80)
            v >>= 7
        self.b.append(v)

    def string(self, s):
        if s is None:
            if self.flex:
                self.uvar(0)
            else:
                self.i16(-1)
            return
        e = s.encode()
        if self.flex:
            self.uvar(len(e) + 1)
        else:
            self.i16(len(e))
        self.b += e

    def count(self, n):
        if n is None:
            if self.flex:
                self.uvar(0)
            else:
                self.i32(-1)
        elif self.flex:
            self.uvar(n + 1)
        else:
            self.i32(n)

    def tags(self):
        if self.flex:
            self.uvar(0)


class R:
    def __init__(self, b, flex):
        self.b = b
        self.o = 0
        self.flex = flex

    def take(self, n):
        if self.o + n > len(self.b):
            raise ValueError("short response")
        v = self.b[self.o:self.o + n]
        self.o += n
        return v

    def i8(self): return struct.unpack(">b", self.take(1))[0]
    def i16(self): return struct.unpack(">h", self.take(2))[0]
    def i32(self): return struct.unpack(">i", self.take(4))[0]
    def i64(self): return struct.unpack(">q", self.take(8))[0]

    def uvar(self):
        v = s = 0
        while True:
            c = self.take(1)[0]
            v |= (c & 0x7F) << s
            s += 7
            if not c & 0x80:
                return v

    def string(self):
        if self.flex:
            n = self.uvar() - 1
        else:
            n = self.i16()
        if n < 0:
            return None
        return self.take(n).decode()

    def count(self):
        if self.flex:
            return self.uvar() - 1
        return self.i32()

    def tags(self):
        if not self.flex:
            return
        for _ in range(self.uvar()):
            self.uvar()
            self.take(self.uvar())

    def end(self):
        if self.o != len(self.b):
            raise ValueError("%d bytes left over" % (len(self.b) - self.o))


def call(addr, key, version, body):
    flex = version >= FLEX_MIN[key]
    h = W(False)
    h.i16(key)
    h.i16(version)
    h.i32(7)
    h.string("kadminraw")
    if flex:
        h.uvar(0)		# request header v2's tags
    frame = bytes(h.b) + bytes(body)
    host, port = addr.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=20) as s:
        s.sendall(struct.pack(">i", len(frame)) + frame)
        buf = b""
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            got = s.recv(65536)
            if not got:
                raise ValueError("connection closed")
            buf += got
    r = R(buf[4:], flex)
    if r.i32() != 7:
        raise ValueError("correlation id")
    if flex:
        r.tags()		# response header v1
    return r


def cluster(addr, version, endpoint=1):
    w = W(True)
    w.i8(0)
    if version >= 1:
        w.i8(endpoint)
    w.tags()
    r = call(addr, 60, version, w.b)
    r.i32()
    err = r.i16()
    r.string()
    if version >= 1:
        r.i8()
    cid = r.string()
    ctl = r.i32()
    brokers = []
    for _ in range(r.count()):
        bid = r.i32()
        host = r.string()
        port = r.i32()
        r.string()
        r.tags()
        brokers.append("%d:%s:%d" % (bid, host, port))
    ops = r.i32()
    r.tags()
    r.end()
    print("error", err, "cluster", cid, "controller", ctl, "ops", ops,
          "brokers", " ".join(brokers))


def offset_delete(addr, group, topic, parts):
    w = W(False)
    w.string(group)
    w.count(1)
    w.string(topic)
    w.count(len(parts))
    for p in parts:
        w.i32(p)
    r = call(addr, 47, 0, w.b)
    err = r.i16()
    r.i32()
    out = []
    for _ in range(r.count()):
        t = r.string()
        for _ in range(r.count()):
            p = r.i32()
            out.append("%s:%d:%d" % (t, p, r.i16()))
    r.end()
    print("error", err, " ".join(out))


def alter_result(r):
    r.i32()
    n = r.count()
    res = []
    for _ in range(n):
        err = r.i16()
        msg = r.string()
        r.i8()
        r.string()
        r.tags()
        res.append((err, msg))
    r.tags()
    r.end()
    print("error", res[0][0], "message", res[0][1])


def incremental(addr, version, rtype, name, op, key, value, validate):
    w = W(version >= 1)
    w.count(1)
    w.i8(rtype)
    w.string(name)
    w.count(1)
    w.string(key)
    w.i8(op)
    w.string(value)
    w.tags()
    w.tags()
    w.i8(1 if validate else 0)
    w.tags()
    alter_result(call(addr, 44, version, w.b))


def alter(addr, version, topic, key, value, dup):
    w = W(version >= 2)
    n = 2 if dup else 1
    w.count(n)
    for _ in range(n):
        w.i8(2)
        w.string(topic)
        w.count(1)
        w.string(key)
        w.string(value)
        w.tags()
        w.tags()
    w.i8(0)
    w.tags()
    r = call(addr, 33, version, w.b)
    r.i32()
    out = []
    for _ in range(r.count()):
        err = r.i16()
        msg = r.string()
        r.i8()
        r.string()
        r.tags()
        out.append("error %d message %s" % (err, msg))
    r.tags()
    r.end()
    print("; ".join(out))


def describe(addr, version, rtype, name, keys):
    syn = "+syn" in keys
    keys = [k for k in keys if k != "+syn"]
    w = W(version >= 4)
    w.count(1)
    w.i8(rtype)
    w.string(name)
    w.count(len(keys) if keys else None)
    for k in keys:
        w.string(k)
    w.tags()
    if version >= 1:
        w.i8(1 if syn else 0)
    if version >= 3:
        w.i8(0)
    w.tags()
    r = call(addr, 32, version, w.b)
    r.i32()
    if r.count() != 1:
        raise ValueError("one result expected")
    err = r.i16()
    r.string()
    r.i8()
    r.string()
    out = []
    for _ in range(r.count()):
        k = r.string()
        v = r.string()
        r.i8()
        src = typ = -1
        if version == 0:
            src = 5 if r.i8() else 1
        else:
            src = r.i8()
        r.i8()
        syns = []
        if version >= 1:
            for _ in range(r.count()):
                sn = r.string()
                sv = r.string()
                syns.append("%s=%s/%d" % (sn, sv, r.i8()))
                r.tags()
        if version >= 3:
            typ = r.i8()
            r.string()
        r.tags()
        out.append("%s=%s/%d/%d" % (k, v, src, typ) + ("[%s]" % ",".join(syns) if syn else ""))
    r.tags()
    r.tags()
    r.end()
    print("error", err, " ".join(out))


def delete_groups(addr, version, groups):
    w = W(version >= 2)
    w.count(len(groups))
    for g in groups:
        w.string(g)
    w.tags()
    r = call(addr, 42, version, w.b)
    r.i32()
    out = []
    for _ in range(r.count()):
        g = r.string()
        out.append("%s:%d" % (g, r.i16()))
        r.tags()
    r.tags()
    r.end()
    print(" ".join(out))


def delete_records(addr, version, topic, part, offset):
    w = W(version >= 2)
    w.count(1)
    w.string(topic)
    w.count(1)
    w.i32(part)
    w.i64(offset)
    w.tags()
    w.tags()
    w.i32(5000)
    w.tags()
    r = call(addr, 21, version, w.b)
    r.i32()
    r.count()
    r.string()
    r.count()
    r.i32()
    low = r.i64()
    err = r.i16()
    r.tags()
    r.tags()
    r.tags()
    r.end()
    print("low", low, "error", err)


def partitions(addr, version, topic, count, validate, assign):
    w = W(version >= 2)
    w.count(1)
    w.string(topic)
    w.i32(count)
    if assign:
        w.count(1)
        w.count(1)
        w.i32(1)
        w.tags()
    else:
        w.count(None)
    w.tags()
    w.i32(5000)
    w.i8(1 if validate else 0)
    w.tags()
    r = call(addr, 37, version, w.b)
    r.i32()
    r.count()
    r.string()
    err = r.i16()
    msg = r.string()
    r.tags()
    r.tags()
    r.end()
    print("error", err, "message", msg)


def main(a):
    if len(a) < 3:
        raise SystemExit(__doc__)
    cmd, addr = a[0], a[1]
    if cmd == "cluster":
        cluster(addr, int(a[2]), int(a[3]) if len(a) > 3 else 1)
    elif cmd == "offset-delete":
        offset_delete(addr, a[2], a[3], [int(x) for x in a[4:]])
    elif cmd == "incremental":
        rest = a[8:]
        incremental(addr, int(a[2]), int(a[3]), a[4], int(a[5]), a[6],
                    a[7] if len(a) > 7 and a[7] != "-" else None, "validate" in rest)
    elif cmd == "alter":
        alter(addr, int(a[2]), a[3], a[4], a[5], "dup" in a[6:])
    elif cmd == "describe":
        describe(addr, int(a[2]), int(a[3]), a[4], a[5:])
    elif cmd == "delete-groups":
        delete_groups(addr, int(a[2]), a[3:])
    elif cmd == "delete-records":
        delete_records(addr, int(a[2]), a[3], int(a[4]), int(a[5]))
    elif cmd == "partitions":
        partitions(addr, int(a[2]), a[3], int(a[4]), "validate" in a[5:], "assign" in a[5:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (OSError, ValueError, struct.error) as e:
        print("kadminraw.py:", e, file=sys.stderr)
        sys.exit(1)
