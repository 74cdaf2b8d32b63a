'use strict';
// kraw.js: a raw Kafka protocol client for broker tests, built by hand
// from shared/kafka-subset.md so tests can send what real clients never
// would (resends, gaps, garbage).  No dependencies beyond node itself.
//
//   node kraw.js init ADDR                       -> "PID EPOCH"
//   node kraw.js produce ADDR TOPIC PID EPOCH SEQ N [ACKS]
//                                                -> "ERROR BASEOFFSET"
//   node kraw.js produce-twice ADDR TOPIC PID EPOCH SEQ N
//       the same request twice, pipelined on one connection -> two lines
//   node kraw.js abuse ADDR TOPIC                -> "CASE<TAB>RESULT" lines
//   node kraw.js slowfetch ADDR TOPIC N SECS
//       N pipelined Fetch requests (1 MiB each, from offset 0) on one
//       connection that then reads nothing for SECS seconds; prints "sent"
//   node kraw.js slowmeta ADDR TOPIC N SECS
//       N pipelined Metadata v1 requests naming TOPIC 200 times each (big
//       answers for a topic of many partitions), then reads nothing for
//       SECS seconds; prints "sent"
//   node kraw.js load ADDR TOPIC N [INFLIGHT]
//       N one-record acks=-1 batches "r0".."rN-1", INFLIGHT pipelined;
//       prints "VALUE<TAB>OFFSET" per acknowledgement, stops quietly when
//       the broker goes away
//   node kraw.js find-coordinator ADDR GROUP      -> "error E node N HOST:PORT"
//   node kraw.js offset-fetch ADDR GROUP TOPIC PART
//       OffsetFetch v2 -> "error E part PE offset O" (E: the top-level error)
//   node kraw.js offset-commit ADDR GROUP TOPIC PART OFFSET
//       OffsetCommit v2 outside any generation (a standalone consumer's
//       commit) -> "error E"
//
// Exit status: 0, or 1 on a usage or connection problem.

const net = require('net');
const crypto = require('crypto');

// ---- encoding ----

const CRC_TABLE = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
	let c = i;
	for (let k = 0; k < 8; k++)
		c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
	CRC_TABLE[i] = c >>> 0;
}

function crc32c(buf) {
	let c = 0xffffffff;
	for (const b of buf)
		c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function varint(n) {
	let z = ((n << 1) ^ (n >> 31)) >>> 0;
	const out = [];
	while (z >= 0x80) {
		out.push((z & 0x7f) | 0x80);
		z >>>= 7;
	}
	out.push(z);
	return Buffer.from(out);
}

function i8(v) { const b = Buffer.alloc(1); b.writeInt8(v); return b; }
function i16(v) { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; }
function i32(v) { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; }
function i64(v) { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); return b; }
function str(s) {
	if (s === null)
		return i16(-1);
	const b = Buffer.from(s);
	return Buffer.concat([i16(b.length), b]);
}
function bytes(b) { return Buffer.concat([i32(b.length), b]); }
function array(items) { return Buffer.concat([i32(items.length), ...items]); }

function record(i, value) {
	const v = Buffer.from(value);
	const body = Buffer.concat([i8(0), varint(0), varint(i), varint(-1),
	    varint(v.length), v, varint(0)]);
	return Buffer.concat([varint(body.length), body]);
}

// One RecordBatch v2 with a correct CRC-32C.
function batch({ pid = -1, epoch = -1, seq = -1, values }) {
	const recs = Buffer.concat(values.map((v, i) => record(i, v)));
	const h = Buffer.alloc(61);
	const ts = BigInt(Date.now());
	h.writeBigInt64BE(0n, 0);
	h.writeInt32BE(61 - 12 + recs.length, 8);
	h.writeInt32BE(-1, 12);
	h.writeInt8(2, 16);
	h.writeInt16BE(0, 21);
	h.writeInt32BE(values.length - 1, 23);
	h.writeBigInt64BE(ts, 27);
	h.writeBigInt64BE(ts, 35);
	h.writeBigInt64BE(BigInt(pid), 43);
	h.writeInt16BE(epoch, 51);
	h.writeInt32BE(seq, 53);
	h.writeInt32BE(values.length, 57);
	const b = Buffer.concat([h, recs]);
	b.writeUInt32BE(crc32c(b.subarray(21)), 17);
	return b;
}

let corr = 0;
function frame(key, version, body) {
	const payload = Buffer.concat([i16(key), i16(version), i32(++corr),
	    str('kraw'), body]);
	return Buffer.concat([i32(payload.length), payload]);
}

function produceReq(topic, records, acks = -1, version = 7) {
	return frame(0, version, Buffer.concat([str(null), i16(acks), i32(30000),
	    array([Buffer.concat([str(topic),
	    array([Buffer.concat([i32(0), bytes(records)])])])])]));
}

// ---- decoding ----

class Rd {
	constructor(b) { this.b = b; this.o = 0; }
	i16() { const v = this.b.readInt16BE(this.o); this.o += 2; return v; }
	i32() { const v = this.b.readInt32BE(this.o); this.o += 4; return v; }
	i64() { const v = this.b.readBigInt64BE(this.o); this.o += 8; return v; }
	str() { const n = this.i16(); if (n < 0) return null; const s = this.b.toString('utf8', this.o, this.o + n); this.o += n; return s; }
}

function parseProduce(p) {
	const r = new Rd(p);
	r.i32();			// correlation id
	const nt = r.i32();
	const out = [];
	for (let t = 0; t < nt; t++) {
		r.str();
		const np = r.i32();
		for (let i = 0; i < np; i++) {
			r.i32();
			const error = r.i16();
			const base = r.i64();
			r.i64();
			r.i64();
			out.push(`${error} ${base}`);
		}
	}
	return out;
}

// ---- connection ----

class Conn {
	constructor(addr) {
		const i = addr.lastIndexOf(':');
		this.sock = net.connect(Number(addr.slice(i + 1)), addr.slice(0, i));
		this.buf = Buffer.alloc(0);
		this.waiters = [];
		this.closed = false;
		this.sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.pump(); });
		this.sock.on('close', () => { this.closed = true; this.pump(); });
		this.sock.on('error', () => {});
	}
	ready() {
		return new Promise((res, rej) => {
			this.sock.once('connect', res);
			this.sock.once('error', rej);
		});
	}
	pump() {
		while (this.waiters.length > 0) {
			if (this.buf.length >= 4) {
				const n = this.buf.readInt32BE(0);
				if (this.buf.length >= 4 + n) {
					const p = this.buf.subarray(4, 4 + n);
					this.buf = this.buf.subarray(4 + n);
					this.waiters.shift().res(p);
					continue;
				}
			}
			if (!this.closed)
				return;
			this.waiters.shift().res(null);
		}
	}
	// next response payload, or null if the broker closed the connection
	next(timeoutMs = 5000) {
		return new Promise((res) => {
			const w = { res: (v) => { clearTimeout(w.t); res(v); } };
			w.t = setTimeout(() => {
				this.waiters = this.waiters.filter((x) => x !== w);
				res('timeout');
			}, timeoutMs);
			this.waiters.push(w);
			this.pump();
		});
	}
	send(b) { this.sock.write(b); }
	end() { this.sock.end(); }
	destroy() { this.sock.destroy(); }
}

async function open(addr) {
	const c = new Conn(addr);
	await c.ready();
	return c;
}

// ---- commands ----

async function cmdInit(addr) {
	const c = await open(addr);
	c.send(frame(22, 1, Buffer.concat([str(null), i32(-1)])));
	const p = await c.next();
	const r = new Rd(p);
	r.i32();
	r.i32();
	const error = r.i16();
	const pid = r.i64();
	const epoch = r.i16();
	c.destroy();
	if (error !== 0)
		throw new Error(`InitProducerId error ${error}`);
	console.log(`${pid} ${epoch}`);
}

function values(seq, n) {
	const v = [];
	for (let i = 0; i < n; i++)
		v.push(`v${seq + i}`);
	return v;
}

async function cmdProduce(addr, topic, pid, epoch, seq, n, acks, times) {
	const c = await open(addr);
	const b = batch({ pid: Number(pid), epoch: Number(epoch), seq: Number(seq),
	    values: values(Number(seq), Number(n)) });
	for (let i = 0; i < times; i++)
		c.send(produceReq(topic, b, Number(acks)));
	for (let i = 0; i < times; i++) {
		const p = await c.next();
		if (p === null || p === 'timeout')
			throw new Error(`no produce response: ${p}`);
		for (const line of parseProduce(p))
			console.log(line);
	}
	c.destroy();
}

// N random bytes, drawn again while their first four announce a frame the
// broker must rightly wait for the rest of (longer than the N - 4 bytes
// that follow, and within socket-request-max-bytes' default 100 MiB): one
// draw in forty did, and its probe timed out instead of seeing a close.
function garbage(n) {
	for (;;) {
		const b = crypto.randomBytes(n);
		const size = b.readInt32BE(0);
		if (size <= n - 4 || size > 100 * 1024 * 1024)
			return b;
	}
}

// Send bytes on a fresh connection; "closed", "timeout" or "error=N" (the
// int16 right after the correlation id, where produce-less APIs keep it).
// No case expects a timeout: the 10 s bound only ends a broken one.
async function probe(addr, bytesToSend, parse, halfClose = false) {
	const c = await open(addr);
	c.send(bytesToSend);
	if (halfClose)
		c.end();
	const p = await c.next(10000);
	c.destroy();
	if (p === null)
		return 'closed';
	if (p === 'timeout')
		return 'timeout';
	return parse(p);
}

async function alive(addr) {
	const c = await open(addr);
	c.send(frame(18, 0, Buffer.alloc(0)));
	const p = await c.next();
	c.destroy();
	return p !== null && p !== 'timeout' && new Rd(p.subarray(4)).i16() === 0;
}

async function cmdAbuse(addr, topic) {
	const topErr = (p) => `error=${new Rd(p.subarray(4)).i16()}`;
	const prodErr = (p) => `error=${parseProduce(p)[0].split(' ')[0]}`;
	// a watcher that stays connected throughout and must keep being served
	const watcher = await open(addr);
	const good = batch({ values: ['ok'] });
	const badCrc = Buffer.from(good);
	badCrc[badCrc.length - 1] ^= 0xff;
	const rnd = crypto.randomBytes(200);
	rnd.writeInt32BE(196, 0);
	const cases = [
		['random-bytes', () => probe(addr, garbage(4096), topErr)],
		['random-body', () => probe(addr, rnd, topErr)],
		['truncated-frame', () => probe(addr, Buffer.concat([i32(100),
		    Buffer.alloc(10)]), topErr, true)],
		['size-2GiB', () => probe(addr, Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0]), topErr)],
		['size-negative', () => probe(addr, Buffer.from([0xff, 0xff, 0xff, 0xfe]), topErr)],
		['unknown-api-key', () => probe(addr, frame(999, 0, Buffer.alloc(0)), topErr)],
		['unsupported-version', () => probe(addr, frame(3, 99, i32(-1)), topErr)],
		// above our max: the v0-layout error 35 of §3
		['apiversions-v4', () => probe(addr, frame(18, 4, Buffer.alloc(8)), topErr)],
		// ours, flexible: header v2 tags, two compact strings, body tags
		['apiversions-v3', () => probe(addr, frame(18, 3,
		    Buffer.from('00056b726177023100', 'hex')), topErr)],
		// a ClientSoftwareName Kafka's pattern refuses ("k raw"): INVALID_REQUEST
		['apiversions-v3-bad-name', () => probe(addr, frame(18, 3,
		    Buffer.from('00066b20726177023100', 'hex')), topErr)],
		['bad-crc', () => probe(addr, produceReq(topic, badCrc), prodErr)],
		['two-batches', () => probe(addr, produceReq(topic, Buffer.concat([good, good])), prodErr)],
		['bad-acks', () => probe(addr, produceReq(topic, good, 5), prodErr)],
		['short-body', () => probe(addr, frame(3, 4, Buffer.from([0, 0])), topErr)],
	];
	for (const [name, fn] of cases) {
		const res = await fn();
		watcher.send(frame(18, 0, Buffer.alloc(0)));
		const w = await watcher.next();
		const ok = w !== null && w !== 'timeout';
		console.log(`${name}\t${res}\t${ok && (await alive(addr)) ? 'alive' : 'DEAD'}`);
	}
	watcher.destroy();
}

async function cmdLoad(addr, topic, n, inflight) {
	const c = await open(addr);
	let sent = 0, acked = 0;
	const out = [];
	const flush = () => { if (out.length) { process.stdout.write(out.join('')); out.length = 0; } };
	while (acked < n) {
		while (sent < n && sent - acked < inflight)
			c.send(produceReq(topic, batch({ values: [`r${sent++}`] })));
		const p = await c.next(10000);
		if (p === null || p === 'timeout')
			break;
		const [err, off] = parseProduce(p)[0].split(' ');
		if (err === '0')
			out.push(`r${acked}\t${off}\n`);
		acked++;
		if (out.length >= 256)
			flush();
	}
	flush();
	c.destroy();
}

function fetchReq(topic, offset, maxBytes) {
	return frame(1, 11, Buffer.concat([i32(-1), i32(100), i32(1), i32(maxBytes),
	    i8(1), i32(0), i32(-1), array([Buffer.concat([str(topic),
	    array([Buffer.concat([i32(0), i32(-1), i64(offset), i64(-1),
	    i32(maxBytes)])])])]), array([]), str('')]));
}

async function cmdSlowFetch(addr, topic, n, secs) {
	const c = await open(addr);
	c.sock.pause();		// read nothing: the broker must not buffer for us
	for (let i = 0; i < n; i++)
		c.send(fetchReq(topic, 0, 1 << 20));
	console.log('sent');
	await new Promise((res) => setTimeout(res, secs * 1000));
	c.destroy();
}

async function cmdSlowMeta(addr, topic, n, secs) {
	const c = await open(addr);
	const names = [];
	for (let i = 0; i < 200; i++)
		names.push(str(topic));
	c.sock.pause();		// read nothing: big answers pile up for us
	for (let i = 0; i < n; i++)
		c.send(frame(3, 1, array(names)));	// Metadata v1, TOPIC 200 times
	console.log('sent');
	await new Promise((res) => setTimeout(res, secs * 1000));
	c.destroy();
}

async function ask(addr, req) {
	const c = await open(addr);
	c.send(req);
	const p = await c.next(15000);
	c.destroy();
	if (p === null || p === 'timeout')
		throw new Error(p === null ? 'the broker closed the connection' : 'no answer');
	const r = new Rd(p);
	r.i32();			// correlation id
	return r;
}

async function cmdFindCoordinator(addr, group) {
	const r = await ask(addr, frame(10, 1, Buffer.concat([str(group), i8(0)])));
	r.i32();			// throttle
	const error = r.i16();
	r.str();
	const node = r.i32();
	const host = r.str();
	const port = r.i32();
	console.log(`error ${error} node ${node} ${host}:${port}`);
}

async function cmdOffsetFetch(addr, group, topic, part) {
	const r = await ask(addr, frame(9, 2, Buffer.concat([str(group),
	    array([Buffer.concat([str(topic), array([i32(Number(part))])])])])));
	const nt = r.i32();
	let pe = -1, off = -1n;
	for (let t = 0; t < nt; t++) {
		r.str();
		const np = r.i32();
		for (let i = 0; i < np; i++) {
			r.i32();
			off = r.i64();
			r.str();
			pe = r.i16();
		}
	}
	console.log(`error ${r.i16()} part ${pe} offset ${off}`);
}

async function cmdOffsetCommit(addr, group, topic, part, offset) {
	const r = await ask(addr, frame(8, 2, Buffer.concat([str(group), i32(-1), str(''),
	    i64(-1), array([Buffer.concat([str(topic), array([Buffer.concat([
	    i32(Number(part)), i64(offset), str('')])])])])])));
	const nt = r.i32();
	let error = -1;
	for (let t = 0; t < nt; t++) {
		r.str();
		const np = r.i32();
		for (let i = 0; i < np; i++) {
			r.i32();
			error = r.i16();
		}
	}
	console.log(`error ${error}`);
}

async function main(argv) {
	const [cmd, ...a] = argv;
	switch (cmd) {
	case 'init': return cmdInit(a[0]);
	case 'produce': return cmdProduce(a[0], a[1], a[2], a[3], a[4], a[5], a[6] ?? -1, 1);
	case 'produce-twice': return cmdProduce(a[0], a[1], a[2], a[3], a[4], a[5], -1, 2);
	case 'abuse': return cmdAbuse(a[0], a[1]);
	case 'slowfetch': return cmdSlowFetch(a[0], a[1], Number(a[2]), Number(a[3]));
	case 'slowmeta': return cmdSlowMeta(a[0], a[1], Number(a[2]), Number(a[3]));
	case 'load': return cmdLoad(a[0], a[1], Number(a[2]), Number(a[3] ?? 5));
	case 'find-coordinator': return cmdFindCoordinator(a[0], a[1]);
	case 'offset-fetch': return cmdOffsetFetch(a[0], a[1], a[2], a[3]);
	case 'offset-commit': return cmdOffsetCommit(a[0], a[1], a[2], a[3], a[4]);
	default: throw new Error('usage: kraw.js init|produce|produce-twice|abuse ...');
	}
}

main(process.argv.slice(2)).then(() => process.exit(0), (e) => {
	console.error(`kraw: ${e.message}`);
	process.exit(1);
});
