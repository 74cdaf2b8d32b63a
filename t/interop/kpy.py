#!/usr/bin/python3
"""kpy.py: kafka-python (Debian's python3-kafka) with its default settings,
for t/37-kafka-python.bats.  Every subcommand prints one result line on
stdout and exits 0, or prints the failure on stderr and exits 1.

  kpy.py probe ADDR                    the version kafka-python infers
  kpy.py produce ADDR TOPIC N [FIRST]  N records key-I / value-I from I = FIRST (0)
  kpy.py consume ADDR TOPIC GROUP N    a group consumer reads N records, commits
  kpy.py committed ADDR TOPIC GROUP    the group's committed offset of partition 0
  kpy.py admin ADDR TOPIC              create, list, describe groups, delete
"""
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.client_async import KafkaClient


def probe(addr):
    c = KafkaClient(bootstrap_servers=addr)
    print("version", ".".join(str(x) for x in c.check_version(timeout=10)))
    c.close()


def produce(addr, topic, n, first):
    p = KafkaProducer(bootstrap_servers=addr)
    futs = [p.send(topic, key=b"key-%d" % i, value=b"value-%d" % i)
            for i in range(first, first + n)]
    p.flush(timeout=30)
    offs = [f.get(timeout=30).offset for f in futs]
    p.close()
    print("acked", len(offs), "last", offs[-1])


def consume(addr, topic, group, n):
    c = KafkaConsumer(topic, bootstrap_servers=addr, group_id=group,
                      auto_offset_reset="earliest", consumer_timeout_ms=30000)
    got = []
    for m in c:
        if m.value != b"value-%d" % m.offset:
            raise SystemExit("offset %d holds %r" % (m.offset, m.value))
        got.append(m.offset)
        if len(got) == n:
            break
    c.commit()
    c.close()
    print("consumed", len(got), "first", got[0] if got else -1,
          "last", got[-1] if got else -1)


def committed(addr, topic, group):
    c = KafkaConsumer(bootstrap_servers=addr, group_id=group,
                      enable_auto_commit=False)
    print("committed", c.committed(TopicPartition(topic, 0)))
    c.close()


def admin(addr, topic):
    a = KafkaAdminClient(bootstrap_servers=addr)
    a.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    names = a.list_topics()
    if topic not in names:
        raise SystemExit("created topic %s not listed: %r" % (topic, names))
    groups = [g[0] for g in a.list_consumer_groups()]
    desc = a.describe_consumer_groups(groups) if groups else []
    a.delete_topics([topic])
    a.close()
    print("admin ok groups", len(groups), "described", len(desc))


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "probe":
        probe(args[0])
    elif cmd == "produce":
        produce(args[0], args[1], int(args[2]),
                int(args[3]) if len(args) > 3 else 0)
    elif cmd == "consume":
        consume(args[0], args[1], args[2], int(args[3]))
    elif cmd == "committed":
        committed(args[0], args[1], args[2])
    elif cmd == "admin":
        admin(args[0], args[1])
    else:
        raise SystemExit("kpy.py: unknown command %s" % cmd)


if __name__ == "__main__":
    main(sys.argv)
