// flume-sarama: Debian's sarama (golang-github-shopify-sarama-dev) with its
// default configuration, for t/38-sarama.bats.  Built offline from the
// Debian source by the Makefile (GOPATH=/usr/share/gocode, GO111MODULE=off).
// Each command prints one result line and exits 0, or prints the error on
// stderr and exits 1.
//
//	produce ADDR TOPIC N [FIRST] a SyncProducer sends N records key-I/value-I, I from FIRST
//	consume ADDR TOPIC N        a partition consumer reads partition 0 from 0
//	group ADDR TOPIC GROUP N    a consumer group reads N records, default commits
//	committed ADDR TOPIC GROUP  the group's committed offset of partition 0
//	admin ADDR TOPIC            ClusterAdmin: create, list, describe config, delete
//
// Settings changed from sarama's defaults, and only because sarama refuses
// to run without them: a SyncProducer needs Producer.Return.Successes, and
// a consumer group needs Version >= 0.10.2 (the lowest it accepts) and
// Consumer.Offsets.Initial = oldest to read what was produced before it;
// the cluster admin needs Version >= 0.11, below which sarama refuses to
// send DescribeConfigs (or even look for a controller), against Kafka too.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/Shopify/sarama"
)

func die(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "flume-sarama: "+f+"\n", a...)
	os.Exit(1)
}

func produce(addr, topic string, n, first int) {
	cfg := sarama.NewConfig()
	cfg.Producer.Return.Successes = true
	p, err := sarama.NewSyncProducer([]string{addr}, cfg)
	if err != nil {
		die("producer: %v", err)
	}
	var last int64 = -1
	for i := first; i < first+n; i++ {
		_, off, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic,
			Partition: 0,
			Key:       sarama.StringEncoder(fmt.Sprintf("key-%d", i)),
			Value:     sarama.StringEncoder(fmt.Sprintf("value-%d", i))})
		if err != nil {
			die("send %d: %v", i, err)
		}
		last = off
	}
	if err := p.Close(); err != nil {
		die("close: %v", err)
	}
	fmt.Printf("acked %d last %d\n", n, last)
}

func check(off int64, value []byte) {
	if string(value) != fmt.Sprintf("value-%d", off) {
		die("offset %d holds %q", off, value)
	}
}

func consume(addr, topic string, n int) {
	c, err := sarama.NewConsumer([]string{addr}, sarama.NewConfig())
	if err != nil {
		die("consumer: %v", err)
	}
	pc, err := c.ConsumePartition(topic, 0, sarama.OffsetOldest)
	if err != nil {
		die("partition: %v", err)
	}
	got, first, last := 0, int64(-1), int64(-1)
	timeout := time.After(30 * time.Second)
	for got < n {
		select {
		case m := <-pc.Messages():
			check(m.Offset, m.Value)
			if first < 0 {
				first = m.Offset
			}
			last = m.Offset
			got++
		case <-timeout:
			die("read %d of %d in 30 s", got, n)
		}
	}
	pc.Close()
	c.Close()
	fmt.Printf("consumed %d first %d last %d\n", got, first, last)
}

type handler struct {
	want, got int
	last      int64
	done      chan struct{}
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *handler) ConsumeClaim(s sarama.ConsumerGroupSession, cl sarama.ConsumerGroupClaim) error {
	for m := range cl.Messages() {
		check(m.Offset, m.Value)
		s.MarkMessage(m, "")
		h.last = m.Offset
		h.got++
		if h.got == h.want {
			close(h.done)
			return nil
		}
	}
	return nil
}

func groupConfig() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V0_10_2_0
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	return cfg
}

func group(addr, topic, grp string, n int) {
	g, err := sarama.NewConsumerGroup([]string{addr}, grp, groupConfig())
	if err != nil {
		die("group: %v", err)
	}
	h := &handler{want: n, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{topic}, h); err != nil {
				errc <- err
				return
			}
		}
	}()
	select {
	case <-h.done:
	case err := <-errc:
		die("consume: %v", err)
	case <-time.After(60 * time.Second):
		die("read %d of %d in 60 s", h.got, n)
	}
	cancel()
	// Close commits what was marked (sarama's default auto-commit)
	if err := g.Close(); err != nil {
		die("close: %v", err)
	}
	fmt.Printf("consumed %d last %d\n", h.got, h.last)
}

func committed(addr, topic, grp string) {
	cfg := groupConfig()
	cl, err := sarama.NewClient([]string{addr}, cfg)
	if err != nil {
		die("client: %v", err)
	}
	om, err := sarama.NewOffsetManagerFromClient(grp, cl)
	if err != nil {
		die("offset manager: %v", err)
	}
	pom, err := om.ManagePartition(topic, 0)
	if err != nil {
		die("manage: %v", err)
	}
	off, _ := pom.NextOffset()
	pom.Close()
	om.Close()
	cl.Close()
	fmt.Printf("committed %d\n", off)
}

func admin(addr, topic string) {
	// the lowest version at which sarama's admin sends DescribeConfigs
	// (ListTopics does): 0.11; below it sarama refuses before sending
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V0_11_0_0
	a, err := sarama.NewClusterAdmin([]string{addr}, cfg)
	if err != nil {
		die("admin: %v", err)
	}
	if err := a.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 3,
		ReplicationFactor: 1}, false); err != nil {
		die("create: %v", err)
	}
	topics, err := a.ListTopics()
	if err != nil {
		die("list: %v", err)
	}
	if _, ok := topics[topic]; !ok {
		die("created topic %s not listed", topic)
	}
	if topics[topic].NumPartitions != 3 {
		die("topic %s has %d partitions, not 3", topic, topics[topic].NumPartitions)
	}
	entries, err := a.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource,
		Name: topic})
	if err != nil {
		die("describe config: %v", err)
	}
	if err := a.DeleteTopic(topic); err != nil {
		die("delete: %v", err)
	}
	a.Close()
	fmt.Printf("admin ok configs %d\n", len(entries))
}

func num(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		die("%q is not a count", s)
	}
	return n
}

func main() {
	a := os.Args
	if len(a) < 3 {
		die("usage: flume-sarama produce|consume|group|committed|admin ADDR ...")
	}
	switch {
	case a[1] == "produce" && len(a) == 5:
		produce(a[2], a[3], num(a[4]), 0)
	case a[1] == "produce" && len(a) == 6:
		produce(a[2], a[3], num(a[4]), num(a[5]))
	case a[1] == "consume" && len(a) == 5:
		consume(a[2], a[3], num(a[4]))
	case a[1] == "group" && len(a) == 6:
		group(a[2], a[3], a[4], num(a[5]))
	case a[1] == "committed" && len(a) == 5:
		committed(a[2], a[3], a[4])
	case a[1] == "admin" && len(a) == 4:
		admin(a[2], a[3])
	default:
		die("usage: flume-sarama produce|consume|group|committed|admin ADDR ...")
	}
}
