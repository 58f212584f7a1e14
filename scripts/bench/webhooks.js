// Section 6: webhooks (issue #13). The fire rounds of section 2 (`ourRound`, the same machinery),
// N occurrences due at one instant, alternately without any webhook and with a webhook
// subscribed to `job.created` in every workspace of the round (the outbox event is written in
// the materializing transaction either way; with a webhook the workers' dispatcher also turns
// each event into a delivery and the workers POST it). The receiver is an HTTP server in this
// process on 127.0.0.1; the workers run with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true.
const http = require('node:http');
const { randomBytes } = require('node:crypto');
const { ourRound } = require('./fire');
const { sleep, summarize } = require('./util');

/** A receiver that answers 204 to every POST and notes when each `webhook-id` first arrived. */
function startReceiver() {
  const arrivals = new Map();
  let requests = 0;
  let signed = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests += 1;
      const id = req.headers['webhook-id'];
      if (req.headers['webhook-signature']) signed += 1;
      if (id && !arrivals.has(id)) arrivals.set(id, Date.now());
      res.statusCode = 204;
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/hook`,
        arrivals,
        counts: () => ({ requests, signed, distinct: arrivals.size }),
        reset: () => {
          arrivals.clear();
          requests = 0;
          signed = 0;
        },
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      }),
    );
    server.on('error', reject);
  });
}

/** Empties the outbox and the webhooks of earlier rounds (deliveries go with their webhooks and events). */
async function clearOutbox(pg) {
  await pg.query('TRUNCATE outbox_events, webhooks CASCADE');
}

/** One webhook per workspace of the round's rows, subscribed to `job.created`, pointing at the receiver. */
async function subscribe(pg, rows, url) {
  const users = [...new Set(rows.map((r) => r.userId))];
  await pg.query(
    `INSERT INTO webhooks (user_id, workspace_id, url, events, description, secret)
     SELECT u, 'user:' || u, $2, ARRAY['job.created'], 'bench receiver', s
       FROM unnest($1::text[], $3::text[]) AS t(u, s)`,
    [users, url, users.map(() => `whsec_${randomBytes(32).toString('base64')}`)],
  );
  return users.length;
}

/** Waits until `count` distinct deliveries arrived, or nothing arrived for `stallMs`. */
async function waitDeliveries(receiver, count, stallMs = 20_000) {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const seen = receiver.arrivals.size;
    if (seen >= count) return true;
    if (seen !== last) {
      last = seen;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) return false;
    await sleep(50);
  }
}

/**
 * `pairs` times: a round without a webhook, then one with (the order alternates pair to pair, so
 * drift in the machine's load does not favour one). `n` occurrences, `workers` workers.
 */
async function webhooksSection(ctx, { n, workers, concurrency, pairs, webhookConcurrency }) {
  const receiver = await startReceiver();
  ctx.cleanups.push(() => receiver.close());
  const workerEnv = {
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_DISPATCH: 'true',
    WEBHOOK_CONCURRENCY: String(webhookConcurrency),
  };
  const rounds = [];
  try {
    for (let pair = 0; pair < pairs; pair++) {
      const order = pair % 2 === 0 ? [false, true] : [true, false];
      for (const withWebhook of order) {
        ctx.log(`  N=${n}: ${withWebhook ? 'with' : 'without'} a job.created webhook (pair ${pair + 1}/${pairs})`);
        receiver.reset();
        let endpoints = 0;
        const r = await ourRound(ctx, {
          n,
          workers,
          concurrency,
          workerEnv,
          prepare: async (rows) => {
            await clearOutbox(ctx.pg);
            if (withWebhook) endpoints = await subscribe(ctx.pg, rows, receiver.url);
          },
          afterDrain: async ({ T }) => {
            const {
              rows: [o],
            } = await ctx.pg.query('SELECT count(*)::int AS events FROM outbox_events WHERE type = $1', ['job.created']);
            if (!withWebhook) return { events: o.events };
            const complete = await waitDeliveries(receiver, n);
            const times = [...receiver.arrivals.values()].sort((a, b) => a - b);
            const first = times[0];
            const lastAt = times[times.length - 1];
            const {
              rows: [d],
            } = await ctx.pg.query(
              `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'delivered')::int AS delivered FROM webhook_deliveries`,
            );
            return {
              events: o.events,
              complete,
              ...receiver.counts(),
              deliveryRows: d.total,
              deliveredRows: d.delivered,
              firstMs: first - T.getTime(),
              allMs: lastAt - T.getTime(),
              // From the first delivery to the last: the deliveries' own rate.
              perSecond: times.length > 1 ? (times.length - 1) / ((lastAt - first) / 1000) : NaN,
              // From T to the last: what a receiver sees of the whole burst.
              perSecondFromT: times.length / ((lastAt - T.getTime()) / 1000),
              latency: summarize(times.map((t) => t - T.getTime())),
            };
          },
        });
        r.withWebhook = withWebhook;
        r.endpoints = endpoints;
        rounds.push(r);
        const w = r.after;
        ctx.log(
          `    p50 ${Math.round(r.lag.p50)} ms p99 ${Math.round(r.lag.p99)} ms, ${Math.round(r.jobsPerSecond)} Jobs/s, dup ${r.duplicates} lost ${r.losses}` +
            (withWebhook ? `; ${w.distinct}/${n} delivered, ${Math.round(w.perSecond)}/s, all by ${Math.round(w.allMs)} ms after T` : ''),
        );
      }
    }
  } finally {
    await clearOutbox(ctx.pg).catch(() => undefined);
    await receiver.close();
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
  };
  const of = (flag, f) => median(rounds.filter((r) => r.withWebhook === flag).map(f));
  const summary = {
    p50: of(true, (r) => r.lag.p50) / of(false, (r) => r.lag.p50),
    p99: of(true, (r) => r.lag.p99) / of(false, (r) => r.lag.p99),
    throughput: of(true, (r) => r.jobsPerSecond) / of(false, (r) => r.jobsPerSecond),
  };
  return { n, workers, concurrency, webhookConcurrency, pairs, rounds, summary };
}

module.exports = { webhooksSection, startReceiver };
