// promq.js PORT QUERY: ask the Prometheus server on 127.0.0.1:PORT for an
// instant QUERY (its HTTP API, /api/v1/query) and print the value of the
// first result; exit 1 (saying why on stderr) when there is none or the
// query failed, 2 on usage.  Test-only, for t/26-serve-prometheus.bats.
'use strict';
const http = require('http');

const [port, query] = process.argv.slice(2);
if (!port || !query) {
	console.error('usage: promq.js PORT QUERY');
	process.exit(2);
}
const path = '/api/v1/query?query=' + encodeURIComponent(query);
const req = http.get({ host: '127.0.0.1', port: Number(port), path, timeout: 10000 }, (res) => {
	let body = '';
	res.setEncoding('utf8');
	res.on('data', (d) => { body += d; });
	res.on('end', () => {
		let j;
		try {
			j = JSON.parse(body);
		} catch (e) {
			console.error(`promq: HTTP ${res.statusCode}: not JSON: ${body.slice(0, 200)}`);
			process.exit(1);
		}
		if (j.status !== 'success') {
			console.error(`promq: ${j.errorType || 'error'}: ${j.error || body.slice(0, 200)}`);
			process.exit(1);
		}
		const r = j.data && j.data.result;
		if (j.data.resultType === 'scalar') {
			console.log(r[1]);
			return;
		}
		if (!Array.isArray(r) || r.length === 0) {
			console.error(`promq: no result for ${query}`);
			process.exit(1);
		}
		console.log(r[0].value[1]);
	});
});
req.on('timeout', () => { req.destroy(new Error('timeout')); });
req.on('error', (e) => {
	console.error(`promq: ${e.message}`);
	process.exit(1);
});
