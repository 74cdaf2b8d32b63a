// t/interop/offsets.js: decode records of __consumer_offsets the way Kafka's
// tools and lag monitors do, from Kafka's schemas (OffsetCommitKey v0/v1 and
// OffsetCommitValue v0-v3, GroupMetadataKey v2 and GroupMetadataValue v0-v3),
// written apart from flume's C codec so the two can disagree.
//
// Input on stdin: kcat -f '%K\n%k%S\n%s' (key length, key, value length,
// value; -1 for null).  Output, one line per record:
//   commit GROUP TOPIC PARTITION OFFSET LEADER_EPOCH METADATA_BYTES COMMIT_TS
//   group GROUP PROTOCOL_TYPE GENERATION PROTOCOL LEADER MEMBERS
//   tombstone ...
// Exits 1 naming the record at the first one that does not decode exactly
// (a version it does not know, a field past the end, bytes left over).
'use strict';

const data = require('fs').readFileSync(0);
let at = 0;

function fail(why) {
	process.stderr.write(`offsets.js: ${why}\n`);
	process.exit(1);
}

function line() {
	const nl = data.indexOf(10, at);
	if (nl < 0)
		fail('a length without its newline');
	const v = parseInt(data.subarray(at, nl).toString(), 10);
	at = nl + 1;
	return v;
}

function take(n) {
	if (n < 0)
		return null;
	if (at + n > data.length)
		fail('input ends inside a record');
	const b = data.subarray(at, at + n);
	at += n;
	return b;
}

// A reader over one key or value: every read checks what is left.
function reader(b, what) {
	let o = 0;
	const need = (n) => { if (o + n > b.length) fail(`${what}: field past the end`); };
	const r = {
		i16() { need(2); const v = b.readInt16BE(o); o += 2; return v; },
		i32() { need(4); const v = b.readInt32BE(o); o += 4; return v; },
		i64() { need(8); const v = b.readBigInt64BE(o); o += 8; return v; },
		str(nullable) {
			const n = r.i16();
			if (n < 0) {
				if (!nullable || n !== -1)
					fail(`${what}: a null where Kafka has none`);
				return null;
			}
			need(n);
			const s = b.subarray(o, o + n).toString();
			o += n;
			return s;
		},
		bytes() {
			const n = r.i32();
			if (n < 0)
				fail(`${what}: null bytes`);
			need(n);
			o += n;
			return n;
		},
		end() { if (o !== b.length) fail(`${what}: ${b.length - o} bytes left over`); },
	};
	return r;
}

let n = 0;
while (at < data.length) {
	const k = take(line());
	const v = take(line());
	n++;
	const what = `record ${n}`;
	if (k === null)
		fail(`${what}: null key`);
	const kr = reader(k, `${what} key`);
	const kv = kr.i16();
	if (kv === 0 || kv === 1) {
		const g = kr.str(false), t = kr.str(false), p = kr.i32();
		kr.end();
		if (v === null) {
			console.log(`tombstone commit ${g} ${t} ${p}`);
			continue;
		}
		const vr = reader(v, `${what} value`);
		const vv = vr.i16();
		if (vv < 0 || vv > 3)
			fail(`${what}: OffsetCommitValue version ${vv}`);
		const off = vr.i64();
		const epoch = vv >= 3 ? vr.i32() : -1;
		const md = vr.str(false);
		const ts = vr.i64();
		if (vv === 1)
			vr.i64();	/* expire timestamp */
		vr.end();
		console.log(`commit ${g} ${t} ${p} ${off} ${epoch} ${Buffer.byteLength(md)} ${ts}`);
	} else if (kv === 2) {
		const g = kr.str(false);
		kr.end();
		if (v === null) {
			console.log(`tombstone group ${g}`);
			continue;
		}
		const vr = reader(v, `${what} value`);
		const vv = vr.i16();
		if (vv < 0 || vv > 3)
			fail(`${what}: GroupMetadataValue version ${vv}`);
		const pt = vr.str(false), gen = vr.i32(), proto = vr.str(true), leader = vr.str(true);
		if (vv >= 2)
			vr.i64();	/* current state timestamp */
		const nm = vr.i32();
		for (let i = 0; i < nm; i++) {
			vr.str(false);			/* member id */
			if (vv >= 3)
				vr.str(true);		/* group instance id */
			vr.str(false);			/* client id */
			vr.str(false);			/* client host */
			if (vv >= 1)
				vr.i32();		/* rebalance timeout */
			vr.i32();			/* session timeout */
			vr.bytes();			/* subscription */
			vr.bytes();			/* assignment */
		}
		vr.end();
		console.log(`group ${g} ${pt} ${gen} ${proto} ${leader} ${nm}`);
	} else {
		fail(`${what}: key version ${kv}`);
	}
}
