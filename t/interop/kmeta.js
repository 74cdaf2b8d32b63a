'use strict';
// kmeta.js: one Metadata v4 request naming N topics PREFIX0..PREFIX(N-1),
// with auto-creation allowed, for the broker's limit on what one request
// may create.  Prints one line per error code: "CODE<TAB>COUNT".
//
//   node kmeta.js ADDR PREFIX N
//
// Exit status: 0, or 1 on a usage or connection problem.  Built from
// shared/kafka-subset.md (Metadata v4: topics [string], allow_auto_topic_creation).

const net = require('net');

function i16(v) { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; }
function i32(v) { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; }
function str(s) { const b = Buffer.from(s); return Buffer.concat([i16(b.length), b]); }

function request(prefix, n) {
	const names = [];
	for (let i = 0; i < n; i++)
		names.push(str(prefix + i));
	const body = Buffer.concat([i32(n), ...names, Buffer.from([1])]);
	const hdr = Buffer.concat([i16(3), i16(4), i32(1), str('kmeta')]);
	const payload = Buffer.concat([hdr, body]);
	return Buffer.concat([i32(payload.length), payload]);
}

// Metadata v4 response: throttle, brokers [node, host, port, rack], cluster,
// controller, topics [error, name, internal, partitions [...]].
function parse(p) {
	let o = 4 + 4;		// correlation id, throttle
	const rdStr = () => { const n = p.readInt16BE(o); o += 2; if (n < 0) return null;
		const s = p.toString('utf8', o, o + n); o += n; return s; };
	let nb = p.readInt32BE(o); o += 4;
	while (nb-- > 0) { o += 4; rdStr(); o += 4; rdStr(); }
	rdStr(); o += 4;
	let nt = p.readInt32BE(o); o += 4;
	const counts = new Map();
	while (nt-- > 0) {
		const err = p.readInt16BE(o); o += 2;
		rdStr(); o += 1;
		let np = p.readInt32BE(o); o += 4;
		while (np-- > 0) {
			o += 2 + 4 + 4;
			let k = p.readInt32BE(o); o += 4 + 4 * k;
			k = p.readInt32BE(o); o += 4 + 4 * k;
		}
		counts.set(err, (counts.get(err) || 0) + 1);
	}
	return counts;
}

function main(argv) {
	if (argv.length !== 3)
		throw new Error('usage: kmeta.js ADDR PREFIX N');
	const [host, port] = [argv[0].slice(0, argv[0].lastIndexOf(':')),
	    Number(argv[0].slice(argv[0].lastIndexOf(':') + 1))];
	return new Promise((resolve, reject) => {
		const s = net.connect(port, host, () => s.write(request(argv[1], Number(argv[2]))));
		let buf = Buffer.alloc(0);
		s.on('data', (d) => {
			buf = Buffer.concat([buf, d]);
			if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
				const counts = parse(buf.subarray(4, 4 + buf.readInt32BE(0)));
				for (const [k, v] of [...counts].sort((a, b) => a[0] - b[0]))
					console.log(`${k}\t${v}`);
				s.end();
				resolve();
			}
		});
		s.on('error', reject);
		s.on('close', () => reject(new Error('connection closed')));
	});
}

main(process.argv.slice(2)).then(() => process.exit(0), (e) => {
	console.error(`kmeta: ${e.message}`);
	process.exit(1);
});
