/*
 * crc32c.h: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * checksum of Kafka RecordBatch v2.
 *
 * Uses the SSE4.2 crc32 instruction when the CPU has it (checked once, at
 * the first call), a slicing-by-8 table otherwise; both give the same
 * answer.  Pure: no I/O, no allocation, thread-safe.
 * Layer: base (may include only base/ and libc headers that make no system call).
 */
#ifndef FL_CRC32C_H
#define FL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continue a CRC-32C over n bytes at p.  Start with crc = 0; the pre- and
 * post-inversion are done inside, so fl_crc32c(fl_crc32c(0, a), b) equals
 * the CRC of a followed by b.
 */
uint32_t fl_crc32c(uint32_t crc, const void *p, size_t n);

/* The table-driven path alone, so tests can compare both implementations. */
uint32_t fl_crc32c_sw(uint32_t crc, const void *p, size_t n);

/* 1 when the hardware path is in use. */
int fl_crc32c_is_hw(void);

#endif
