#!/usr/bin/python3
"""kgroupraw.py: the group APIs at the versions no installed client sends
(Kafka 3.9's newest), built by hand from its message JSON for
t/73-groups-raw.bats, with kadminraw.py's encoder.  Standard library only.
Each command prints one line and exits 0 (exit 1: connection or parse
failure).  Strings given as "-" are sent null.

  kgroupraw.py find ADDR VERSION KEY...
      FindCoordinator v4+ (batched) -> "KEY:NODE:PORT:E ..."
  kgroupraw.py join ADDR VERSION GROUP MEMBER INSTANCE [REASON]
      JoinGroup, protocol type "consumer", protocol "range" ->
      "error E gen G type T proto P leader L member M skip S members N"
      (L is "me" when the leader is the answer's own member id)
  kgroupraw.py sync ADDR VERSION GROUP GEN MEMBER INSTANCE TYPE NAME [ASSIGN]
      SyncGroup v5 (ASSIGN: the member's own) -> "error E type T proto P assign A"
  kgroupraw.py leave ADDR VERSION GROUP MEMBER INSTANCE REASON
      LeaveGroup v5 of one member -> "error E member:E"
  kgroupraw.py list ADDR VERSION STATES TYPES
      ListGroups v4+ (comma lists, "" for none) -> "GROUP:TYPE:STATE:KIND ..."
  kgroupraw.py commit ADDR VERSION GROUP TOPIC PART OFFSET
      OffsetCommit of a standalone consumer (generation -1) -> "TOPIC:PART:E"
  kgroupraw.py fetch ADDR VERSION GROUP[=TOPIC:PART] ...
      OffsetFetch v8+ (no =TOPIC:PART: all topics; v9 sends member "-"
      epoch -1) -> "GROUP:E[/TOPIC:PART:OFFSET:E...] ..."
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kadminraw  # noqa: E402
from kadminraw import W, call  # noqa: E402

# Kafka's first flexible version of each group API
kadminraw.FLEX_MIN.update({8: 8, 9: 6, 10: 3, 11: 6, 13: 4, 14: 4, 16: 3})


def nul(s):
    return None if s == "-" else s


def find(addr, version, keys):
    w = W(True)
    w.i8(0)
    w.count(len(keys))
    for k in keys:
        w.string(k)
    w.tags()
    r = call(addr, 10, version, w.b)
    r.i32()
    out = []
    for _ in range(r.count()):
        key = r.string()
        node = r.i32()
        r.string()
        port = r.i32()
        err = r.i16()
        r.string()
        r.tags()
        out.append("%s:%d:%d:%d" % (key, node, port, err))
    r.tags()
    r.end()
    print(" ".join(out))


def join(addr, version, group, member, inst, reason):
    w = W(version >= 6)
    w.string(group)
    w.i32(10000)
    w.i32(10000)
    w.string(member)
    w.string(nul(inst))
    w.string("consumer")
    w.count(1)
    w.string("range")
    w.string("md")	# bytes and string encode alike
    w.tags()
    if version >= 8:
        w.string(nul(reason) if reason is not None else None)
    w.tags()
    r = call(addr, 11, version, w.b)
    r.i32()
    err = r.i16()
    gen = r.i32()
    ptype = r.string() if version >= 7 else "absent"
    proto = r.string()
    leader = r.string()
    skip = r.i8() if version >= 9 else -1
    me = r.string()
    n = r.count()
    for _ in range(n):
        r.string()
        r.string()
        r.string()
        r.tags()
    r.tags()
    r.end()
    print("error", err, "gen", gen, "type", ptype, "proto", proto, "leader",
          "me" if leader == me else (leader or '""'), "member", me, "skip", skip,
          "members", n)


def sync(addr, version, group, gen, member, inst, ptype, pname, assign):
    w = W(version >= 4)
    w.string(group)
    w.i32(gen)
    w.string(member)
    w.string(nul(inst))
    w.string(nul(ptype))
    w.string(nul(pname))
    if assign is None:
        w.count(0)
    else:
        w.count(1)
        w.string(member)
        w.string(assign)
        w.tags()
    w.tags()
    r = call(addr, 14, version, w.b)
    r.i32()
    err = r.i16()
    t = r.string()
    p = r.string()
    a = r.string()
    r.tags()
    r.end()
    print("error", err, "type", t, "proto", p, "assign", a or '""')


def leave(addr, version, group, member, inst, reason):
    w = W(True)
    w.string(group)
    w.count(1)
    w.string(member)
    w.string(nul(inst))
    w.string(nul(reason))
    w.tags()
    w.tags()
    r = call(addr, 13, version, w.b)
    r.i32()
    err = r.i16()
    out = []
    for _ in range(r.count()):
        m = r.string()
        r.string()
        out.append("%s:%d" % (m, r.i16()))
        r.tags()
    r.tags()
    r.end()
    print("error", err, " ".join(out))


def listing(addr, version, states, types):
    w = W(True)
    st = [s for s in states.split(",") if s]
    w.count(len(st))
    for s in st:
        w.string(s)
    if version >= 5:
        ty = [t for t in types.split(",") if t]
        w.count(len(ty))
        for t in ty:
            w.string(t)
    w.tags()
    r = call(addr, 16, version, w.b)
    r.i32()
    err = r.i16()
    out = []
    for _ in range(r.count()):
        g = r.string()
        pt = r.string()
        state = r.string()
        kind = r.string() if version >= 5 else "absent"
        r.tags()
        out.append("%s:%s:%s:%s" % (g, pt, state, kind))
    r.tags()
    r.end()
    print("error", err, " ".join(sorted(out)))


def commit(addr, version, group, topic, part, offset):
    w = W(version >= 8)
    w.string(group)
    w.i32(-1)
    w.string("")
    w.string(None)
    w.count(1)
    w.string(topic)
    w.count(1)
    w.i32(part)
    w.i64(offset)
    w.i32(-1)
    w.string("")
    w.tags()
    w.tags()
    w.tags()
    r = call(addr, 8, version, w.b)
    r.i32()
    out = []
    for _ in range(r.count()):
        t = r.string()
        for _ in range(r.count()):
            p = r.i32()
            out.append("%s:%d:%d" % (t, p, r.i16()))
            r.tags()
        r.tags()
    r.tags()
    r.end()
    print(" ".join(out))


def fetch(addr, version, specs):
    w = W(True)
    w.count(len(specs))
    for spec in specs:
        g, _, tp = spec.partition("=")
        w.string(g)
        if version >= 9:
            w.string(None)
            w.i32(-1)
        if tp:
            t, p = tp.split(":")
            w.count(1)
            w.string(t)
            w.count(1)
            w.i32(int(p))
            w.tags()
        else:
            w.count(None)
        w.tags()
    w.i8(0)
    w.tags()
    r = call(addr, 9, version, w.b)
    r.i32()
    out = []
    for _ in range(r.count()):
        g = r.string()
        parts = []
        for _ in range(r.count()):
            t = r.string()
            for _ in range(r.count()):
                p = r.i32()
                off = r.i64()
                r.i32()
                r.string()
                parts.append("%s:%d:%d:%d" % (t, p, off, r.i16()))
                r.tags()
            r.tags()
        err = r.i16()
        r.tags()
        out.append("%s:%d%s" % (g, err, "".join("/" + x for x in parts)))
    r.tags()
    r.end()
    print(" ".join(out))


def main(a):
    if len(a) < 3:
        raise SystemExit(__doc__)
    cmd, addr, v = a[0], a[1], int(a[2])
    if cmd == "find":
        find(addr, v, a[3:])
    elif cmd == "join":
        join(addr, v, a[3], a[4], a[5], a[6] if len(a) > 6 else None)
    elif cmd == "sync":
        sync(addr, v, a[3], int(a[4]), a[5], a[6], a[7], a[8], a[9] if len(a) > 9 else None)
    elif cmd == "leave":
        leave(addr, v, a[3], a[4], a[5], a[6])
    elif cmd == "list":
        listing(addr, v, a[3], a[4] if len(a) > 4 else "")
    elif cmd == "commit":
        commit(addr, v, a[3], a[4], int(a[5]), int(a[6]))
    elif cmd == "fetch":
        fetch(addr, v, a[3:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (OSError, ValueError, struct.error) as e:
        print("kgroupraw.py:", e, file=sys.stderr)
        sys.exit(1)
