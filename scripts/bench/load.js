// Runs one autocannon load in its own process (so the load generator does not share the event
// loop of the server it measures) and sends back a summary over IPC. Forked by api.js.
const autocannon = require('autocannon');

async function run(opts) {
  try {
    const result = await autocannon({ ...opts, renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
    process.send({
      ok: true,
      requestsPerSecond: result.duration > 0 ? result.requests.total / result.duration : NaN,
      requestsTotal: result.requests.total,
      durationSeconds: result.duration,
      latency: {
        mean: result.latency.mean ?? result.latency.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes: result.statusCodeStats,
    });
  } catch (error) {
    process.send({ ok: false, error: String(error && error.stack ? error.stack : error) });
  }
  process.disconnect();
}

process.once('message', (opts) => void run(opts));
