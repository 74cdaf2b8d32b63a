/*
 * murmur2.h: the 32-bit MurmurHash2 variant Kafka's Java client uses to
 * place keyed records on partitions (org.apache.kafka.common.utils.Utils
 * murmur2 with seed 0x9747b28c), so that a key lands on the same partition
 * from flume-cat, the Java client, kafkajs (DefaultPartitioner) and
 * librdkafka (partitioner=murmur2 or murmur2_random).
 *
 * Pure: no I/O, no allocation, no state.
 * Layer: base (may include only base/ and libc headers that make no system call).
 */
#ifndef FL_MURMUR2_H
#define FL_MURMUR2_H

#include <stddef.h>
#include <stdint.h>

#define FL_MURMUR2_SEED 0x9747b28cu

/* Kafka's murmur2 of p[0..n), as the signed int Java returns. */
int32_t fl_murmur2(const void *p, size_t n);

/*
 * The Java partitioner's choice for a non-null key:
 * toPositive(murmur2(key)) % npartitions, where toPositive clears the sign
 * bit (it is not abs()).  npartitions must be > 0.
 */
int32_t fl_murmur2_partition(const void *key, size_t n, int32_t npartitions);

#endif
