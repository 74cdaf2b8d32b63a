#!/usr/bin/python3
"""kpyadmin.py: kafka-python's (Debian python3-kafka 2.0.2) KafkaAdminClient
against the admin APIs, for t/29-serve-admin-apis.bats.  One line per
command on stdout; exit 1 with the error on stderr when the client raised.

  kpyadmin.py describe ADDR topic|broker NAME   "KEY=VALUE/SOURCE ..." or "error E"
  kpyadmin.py alter ADDR TOPIC KEY=VALUE...      AlterConfigs: "error E"
  kpyadmin.py partitions ADDR TOPIC COUNT [validate]   CreatePartitions: "ok"
  kpyadmin.py delete-groups ADDR GROUP...       "GROUP:E ..." when the client has it
"""
import sys

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions


def main(a):
    cmd, addr = a[0], a[1]
    c = KafkaAdminClient(bootstrap_servers=addr, request_timeout_ms=20000)
    try:
        if cmd == "describe":
            rt = ConfigResourceType.TOPIC if a[2] == "topic" else ConfigResourceType.BROKER
            r = c.describe_configs([ConfigResource(rt, a[3])])[0]
            res = r.resources[0]
            if res[0] != 0:
                print("error", res[0])
            else:
                print(" ".join("%s=%s/%d" % (e[0], e[1], e[3]) for e in res[4]))
        elif cmd == "alter":
            conf = dict(p.split("=", 1) for p in a[3:])
            r = c.alter_configs([ConfigResource(ConfigResourceType.TOPIC, a[2], configs=conf)])
            print("error", r.resources[0][0])
        elif cmd == "partitions":
            c.create_partitions({a[2]: NewPartitions(int(a[3]))},
                                validate_only="validate" in a[4:])
            print("ok")
        elif cmd == "delete-groups":
            if not hasattr(c, "delete_consumer_groups"):
                print("unsupported by this kafka-python")
                return
            r = c.delete_consumer_groups(a[2:])
            print(" ".join("%s:%s" % (g, e.errno if e else 0) for g, e in r))
        else:
            raise SystemExit(__doc__)
    finally:
        c.close()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as e:	# the client's own error names are the result
        print("kpyadmin.py: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
