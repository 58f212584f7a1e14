// Turns the collected figures into docs/BENCHMARKS.md (and the same text on the console).
const { fmt, mdTable } = require('./util');

const TARGETS = { daily: 200_000, weekly: 200_000, monthly: 200_000, cron: 50_000 };
/** Issue #12: 10,000 rows committed with their schedulers in under 10 s; issue #13: the outbox slows firing by at most 10 %. */
const AIMS = { importCommitMs: 10_000, webhookSlowdown: 0.1 };
const { num, ms, sec, bytes, ratio, pct } = fmt;

/** How the bench was run: a full run, --quick, and/or only some sections. */
function runKind(r) {
  const parts = [r.quick ? '--quick' : '', r.only ? `--only=${r.only.join(',')}` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : 'full run';
}

function machineSection(r) {
  const m = r.machine;
  return [
    '## Machine',
    '',
    mdTable(
      ['', ''],
      [
        ['CPU', `${m.cpu}`],
        ['cores', String(m.cores)],
        ['memory', `${num(m.memoryGiB, 1)} GiB`],
        ['OS', m.os],
        ['Node.js', m.node],
        ['PostgreSQL', m.postgres],
        ['Redis', m.redis],
        [
          'other load (1 s idle sample)',
          `start: ${pct(m.background?.busy)} of both cores busy, load average ${num(m.background?.loadavg, 2)}; ` +
            `end: ${pct(m.backgroundEnd?.busy)}, ${num(m.backgroundEnd?.loadavg, 2)}`,
        ],
        ['code', `commit ${m.code}`],
        ['date', r.startedAt],
        ['run time', `${sec(r.durationSeconds, 0)} (${runKind(r)})`],
      ],
    ),
    '',
    'PostgreSQL and Redis run on the same machine as the benchmark, the workers and the load',
    'generator, so every figure shares the two cores with them (and with any other work on the',
    'machine: the "other load" row shows how busy it was while the bench idled).',
  ].join('\n');
}

function recurrenceSection(r) {
  const rows = r.recurrence.map((x) => {
    const target = TARGETS[x.type];
    return [
      x.type,
      num(x.occurrences_per_second),
      target ? `≥ ${num(target)}` : '—',
      target ? (x.occurrences_per_second >= target ? 'met' : 'below') : '—',
    ];
  });
  return [
    '## 1. Recurrence',
    '',
    '`runRecurrenceBench()` from `@scheduler/recurrence`: `nextOccurrence` stepped through each',
    'schedule type in America/New_York on one thread (warm caches, as in a long-running worker).',
    '',
    mdTable(['type', 'occurrences/s', 'target', 'status'], rows),
    ...(r.expansion
      ? [
          '',
          '`runExpansionBench()`: `expandOccurrences` over a 31-day month (March 2027, a DST change in two of its',
          'five zones) for every schedule, as the calendar will call it: plain, and with `max_runs`, two blackouts',
          '(one skip, one shift) and three skips each.',
          '',
          mdTable(
            ['case', 'schedules', 'occurrences', 'seconds', 'occurrences/s'],
            r.expansion.map((x) => [x.case, num(x.schedules), num(x.occurrences), x.seconds.toFixed(3), num(x.occurrences_per_second)]),
          ),
        ]
      : []),
  ].join('\n');
}

const workersLabel = (x) => `${x.workers} worker${x.workers > 1 ? 's' : ''}`;

/** A fire round's row label in section 2. */
function designName(x) {
  if (x.kind === 'ours') return `ours, ${workersLabel(x)}`;
  if (x.kind === 'ceiling') return `ceiling (bare BullMQ delayed jobs), ${workersLabel(x)}`;
  if (x.kind === 'schedulers') return `BullMQ job schedulers (bare insert), ${workersLabel(x)}`;
  return 'poller every 60 s (original spec)';
}

/** Our rounds of one N against the poller and the two bare-BullMQ references of the same N. */
function fireRatioTable(rounds, ours) {
  const poller = rounds.find((x) => x.kind === 'poller');
  const of = (a, b, key) => (a && b ? ratio(key(a) / key(b)) : 'n/a');
  const p50 = (x) => x.lag.p50;
  const p99 = (x) => x.lag.p99;
  const rate = (x) => x.jobsPerSecond;
  const rows = ours.map((o) => {
    const ceiling = rounds.find((x) => x.kind === 'ceiling' && x.workers === o.workers);
    const schedulers = rounds.find((x) => x.kind === 'schedulers' && x.workers === o.workers);
    return [
      `${o.workers}`,
      poller ? ratio(o.lag.p50 / poller.lag.mean) : 'n/a',
      poller ? ratio(o.lag.mean / poller.lag.mean) : 'n/a',
      of(o, ceiling, p50),
      of(o, ceiling, p99),
      of(o, ceiling, rate),
      of(o, schedulers, p99),
      of(o, schedulers, rate),
      of(schedulers, ceiling, p99),
      of(schedulers, ceiling, rate),
    ];
  });
  return mdTable(
    [
      'workers',
      'our p50 / poller mean',
      'our mean / poller mean',
      'our p50 / ceiling p50',
      'our p99 / ceiling p99',
      'our Jobs/s / ceiling Jobs/s',
      'our p99 / job schedulers p99',
      'our Jobs/s / job schedulers Jobs/s',
      'job schedulers p99 / ceiling p99',
      'job schedulers Jobs/s / ceiling Jobs/s',
    ],
    rows,
  );
}

/** Set-up, hand-over, run rows and PostgreSQL sessions of our rounds (sections 2 and 2c). */
function ourDetailTable(ours) {
  const rows = ours.map((o) => {
    const w = o.workerCpuSeconds.map((s) => sec(s, 1)).join(' + ');
    const runs = Object.entries(o.runs)
      .map(([k, v]) => `${k} ${num(v)}`)
      .join(', ');
    return [
      `${o.workers}`,
      `${ms(o.setup.insertMs)} / ${ms(o.setup.syncMs)} / ${ms(o.setup.workersReadyMs)}`,
      ms(o.firstVisibleMs),
      o.handOverLag ? `${ms(o.handOverLag.p50)} / ${ms(o.handOverLag.p99)}` : 'n/a',
      w,
      runs || 'none',
      `${num(o.handedOver)}`,
      `${num(o.advanced)}`,
      `${o.log.attemptFailures}`,
      Object.entries(o.sessions || {})
        .slice(0, 4)
        .map(([k, v]) => `${k.replace(/^waiting: /, '')} ${num(v, 1)}`)
        .join(', '),
    ];
  });
  return mdTable(
    [
      'workers',
      'set-up: insert / sync / workers ready',
      'first Job visible',
      'hand-over lag p50 / p99',
      'worker CPU (T→drain)',
      'schedule_runs',
      'on content-jobs',
      'next_run_at advanced',
      'retried attempts',
      'worker PG sessions (mean of 100 ms samples)',
    ],
    rows,
  );
}

/**
 * What one firing costs the machine, from T to drain (the capacity plan's inputs): CPU of the
 * workers, of the PostgreSQL and of the Redis server, and the commits the workers made.
 */
function firingCostTable(ours) {
  const per1k = (v, n) => (Number.isFinite(v) ? num((v * 1000 * 1000) / n) : 'n/a');
  const rows = ours
    .filter((o) => o.serverCpuSeconds)
    .map((o) => {
      const worker = o.workerCpuSeconds.reduce((a, b) => a + b, 0);
      return [
        `${num(o.n)}, ${o.workers} worker${o.workers > 1 ? 's' : ''}`,
        `${per1k(worker, o.n)} ms`,
        `${per1k(o.serverCpuSeconds.postgres, o.n)} ms`,
        `${per1k(o.serverCpuSeconds.redis, o.n)} ms`,
        Number.isFinite(o.commits) ? num((o.commits * 1000) / o.n) : 'n/a',
        Number.isFinite(o.commits) && o.commits > 0 ? num(o.n / o.commits, 1) : 'n/a',
      ];
    });
  if (rows.length === 0) return '';
  return [
    '',
    '*Cost per 1,000 firings* (T → drain): CPU time of our worker processes and of every PostgreSQL and',
    'Redis server process on the machine (/proc utime + stime); *transactions* = the committed',
    'transactions that wrote the Jobs (distinct `xmin` of the round’s rows), per 1,000 firings.',
    '',
    mdTable(['round', 'worker CPU', 'PostgreSQL CPU', 'Redis CPU', 'transactions', 'Jobs per transaction'], rows),
  ].join('\n');
}

function fireSection(r) {
  const f = r.fire;
  const out = [
    '## 2. Fire lag and throughput',
    '',
    'N daily schedules, all due at the same whole-second instant T a few seconds ahead. Rows go in',
    'with one bulk SQL insert; their BullMQ job schedulers are created with `syncScheduler` (50 in',
    `flight) before T; then 1 or 2 worker processes (\`node services/worker/dist/main.js\`,`,
    `WORKER_CONCURRENCY=${f.concurrency}, LOG_LEVEL=info, only the start-up reconcile pass) are started and ready`,
    'before T. **Lag** = `jobs.created_at − scheduled_for` (created_at is `now()`, the start of the',
    'materializing transaction). **Drain** = the moment all N Jobs were visible (committed; the bench',
    `polls \`count(*)\` every 25 ms) − T; **Jobs/s** = N / drain. Every round checks exactly N Jobs, one per`,
    'schedule at T. *Hand-over lag* = `jobs.queued_at − scheduled_for` (the Job reached the',
    'content-jobs queue, after the commit). *CPU* = busy share of both cores from T to drain.',
    '*Other load before* = busy share of the cores in a 1 s sample just before the round, while the',
    'bench idled (other sessions’ test runs share this machine; the bench waits up to 20 s for it',
    'to fall under 20 %).',
    '*Worker PG sessions* = what the workers’ connections were doing while the round drained.',
    '',
  ];
  for (const n of f.sizes) {
    const rounds = f.rounds.filter((x) => x.n === n);
    const rows = rounds.map((x) => {
      const lag = x.lag;
      const jobs = x.kind === 'ours' ? x.jobsTotal : n - x.losses;
      return [
        designName(x),
        ms(lag.p50),
        ms(lag.mean),
        ms(lag.p99),
        ms(lag.max),
        x.kind === 'poller' ? `${ms(x.insert.max)} (one tick)` : ms(x.drainMs),
        num(x.kind === 'poller' ? x.insertJobsPerSecond : x.jobsPerSecond),
        `${num(jobs)} / ${num(n)}`,
        String(x.duplicates),
        String(x.losses),
        x.kind === 'poller' ? '—' : pct(x.cpuBusy),
        pct(x.otherLoad?.busy),
      ];
    });
    out.push(`### N = ${num(n)}`, '');
    out.push(
      mdTable(
        ['design', 'p50 lag', 'mean lag', 'p99 lag', 'max lag', 'drain', 'Jobs/s', 'Jobs', 'dup', 'lost', 'CPU', 'other load before'],
        rows,
      ),
    );
    out.push('');
    const ours = rounds.filter((x) => x.kind === 'ours');
    out.push(fireRatioTable(rounds, ours));
    out.push('');
    out.push(ourDetailTable(ours));
    out.push(firingCostTable(ours));
    out.push('');
  }
  const poll = f.rounds.filter((x) => x.kind === 'poller');
  out.push(
    '**Poller method.** The original spec fires schedules with a poller that every 60 s selects the due',
    'schedules and inserts their Jobs, so a Job waits for the next tick: its lag is uniform on',
    '[0, 60 s) plus the tick’s own work. The bench measures that work for real and does not sleep',
    'through the minute: at T one tick runs against the N due rows (batches of 1,000: `SELECT … FOR',
    'UPDATE SKIP LOCKED`, next run from `@scheduler/recurrence`, one `INSERT … SELECT` of Jobs and one',
    '`UPDATE` of the schedules, one transaction per batch), and each Job’s insert time is its',
    'batch’s commit − T. Its lag is then (next tick − T) + insert time, with the tick phase uniform',
    'on [0, 60 s): 200,000 draws of a phase and a Job (seeded PRNG). Ratios above divide our',
    `figures by that mean (≈ 30 s). Measured tick work: ${poll
      .map((p) => `N = ${num(p.n)}: ${ms(p.insert.max)} in ${p.batches} batch${p.batches > 1 ? 'es' : ''}`)
      .join('; ')}.`,
    '',
    '**Ceiling method.** The same N as bare BullMQ delayed jobs (`queue.add` with delay = T − now, in',
    'bulk), consumed by 1 or 2 forked processes running a plain BullMQ `Worker` (same concurrency,',
    'same pool size) whose processor inserts one row into a scratch table: no row lock, no checks,',
    'no run history, no hand-over. Lag = that row’s `created_at − T`.',
    '',
    '**Job-schedulers method.** The same N as BullMQ job schedulers, one per schedule, written exactly',
    'as ours are (`syncScheduler` on the occurrence queue: `upsertJobScheduler` with the serialized daily',
    'rule, our repeat strategy and job options, 50 in flight) and consumed by the same bare worker (with',
    'our repeat strategy in its settings, so on each firing BullMQ computes and adds the scheduler’s',
    'next job, as it does for ours). *Job schedulers / ceiling* is what that next-job creation costs;',
    '*ours / job schedulers* is what our materialization costs on top of it. Next jobs BullMQ created',
    `as the schedulers fired (delayed a day): ${f.rounds
      .filter((x) => x.kind === 'schedulers')
      .map((x) => `N = ${num(x.n)}, ${workersLabel(x)}: ${num(x.nextJobs)}`)
      .join('; ')}.`,
  );
  if (f.storage) {
    out.push(
      '',
      `**Storage per fired occurrence** (after the N = ${num(f.storage.jobs)} round, table + TOAST + indexes):`,
      `${bytes(f.storage.bytesPerJob)} per Job (of which indexes ${bytes(f.storage.indexBytesPerJob)}), ` +
        `${bytes(f.storage.bytesPerRun)} per \`schedule_runs\` row.`,
    );
  }
  return out.join('\n');
}

function burstSection(r) {
  const b = r.burst;
  if (!b) return '';
  const o = b.round;
  const m = b.memory;
  const grew = m.redis.peak - m.redis.before;
  return [
    `## 2c. Burst: ${num(o.n)} due at one instant`,
    '',
    `Section 2’s round (\`ourRound\`) once at N = ${num(o.n)} with ${o.workers} worker processes`,
    `(WORKER_CONCURRENCY=${o.concurrency}): the same daily schedules due at one whole-second T, the same lags,`,
    `drain and checks, with the set-up’s schedulers written ${num(b.syncConcurrency)} in flight and the drain polled`,
    `every ${num(b.pollMs)} ms (a \`count(*)\` of ${num(o.n)} rows every 25 ms would load the cores itself). **Complete** =`,
    'exactly N Jobs, one per schedule at T, a `materialized` run row for each, each on the content-jobs',
    'queue (nothing consumes it here, so all N wait there) and each schedule’s `next_run_at` advanced',
    `a day. **Worker peak RSS** = each worker’s \`VmHWM\` (/proc/<pid>/status) once every Job was visible.`,
    `**Redis** = \`INFO memory\` \`used_memory\` polled every ${num(b.redisSampleMs)} ms from just before the schedulers were`,
    'written (before) until every Job was visible (peak), and after the round’s keys were deleted (after).',
    'Redis is shared with the other work on this machine, so its figures carry that noise. The rows',
    'are truncated after the round.',
    '',
    mdTable(
      [
        'workers',
        'p50 lag',
        'mean lag',
        'p99 lag',
        'max lag',
        'drain',
        'Jobs/s',
        'Jobs',
        'dup',
        'lost',
        'complete',
        'CPU',
        'other load before',
      ],
      [
        [
          `${o.workers}`,
          ms(o.lag.p50),
          ms(o.lag.mean),
          ms(o.lag.p99),
          ms(o.lag.max),
          ms(o.drainMs),
          num(o.jobsPerSecond),
          `${num(o.jobsTotal)} / ${num(o.n)}`,
          String(o.duplicates),
          String(o.losses),
          b.complete ? 'yes' : '**no**',
          pct(o.cpuBusy),
          pct(o.otherLoad?.busy),
        ],
      ],
    ),
    '',
    ourDetailTable([o]),
    firingCostTable([o]),
    '',
    mdTable(
      ['memory', 'value'],
      [
        ...m.workers.map((w, i) => [`worker ${i + 1} peak RSS (VmHWM)`, `${bytes(w.peakRss)} (RSS at drain ${bytes(w.rss)})`]),
        ['Redis used_memory before / peak / after', `${bytes(m.redis.before)} / ${bytes(m.redis.peak)} / ${bytes(m.redis.after)}`],
        ['Redis peak − before, per schedule', `${num(grew / o.n)} B (${num(m.redis.samples)} samples)`],
      ],
    ),
  ].join('\n');
}

function apiSection(r) {
  const a = r.api;
  const order = ['upcoming', 'list', 'campaigns', 'minimal0', 'minimal1000'];
  const rows = order
    .filter((k) => a.results[k])
    .map((k) => {
      const c = a.results[k];
      const res = c.result;
      const vsLabel = c.vs === 'minimal1000' ? ' (vs offset 1000)' : c.vs ? ' (vs offset 0)' : '';
      return [
        c.label,
        num(res.requestsPerSecond),
        ms(res.latency.p50),
        ms(res.latency.p99),
        num(res.requestsTotal),
        String(res.non2xx + res.errors + res.timeouts),
        num(c.responseBytes),
        c.ratio !== undefined ? `${ratio(c.ratio)}${vsLabel}` : '—',
        pct(c.otherLoad?.busy),
      ];
    });
  return [
    '## 3. API',
    '',
    `The real app (\`createApp(deps)\` from services/api/dist, dependencies built as in \`main.ts\`,`,
    `PostgreSQL pool of 10) started in the bench process on port 0 with RATE_LIMIT_* = 1,000,000 (the`,
    `Redis-backed limiter still runs on every request); ${a.logging}. ${num(r.dataset.rows)} schedules`,
    `(mixed daily/weekly/monthly/cron in 6 zones, all active, next runs in the coming week) for`,
    `${num(r.dataset.users)} users, bulk-inserted with SQL; the benchmarked user owns ${num(r.dataset.owned)} of them`,
    `in ${r.dataset.campaigns} campaigns (${num(a.upcomingCount)} due within 24 h; list total ${num(a.listTotal)}).`,
    `Token from \`signToken\`. autocannon (in a child process, so it does not share the server’s event`,
    `loop) with ${a.connections} connections for ${a.durationSeconds} s per endpoint after a 2 s warm-up. The minimal`,
    'route is Express + pg (pool of 10), no auth, no rate limit, no DTOs:',
    '`SELECT * FROM scheduled_jobs WHERE workspace_id = $1 ORDER BY next_run_at, id LIMIT 50 OFFSET $2`.',
    `POST runs last; it created ${num(a.campaignsAfter - r.dataset.campaigns)} campaigns.`,
    '',
    mdTable(
      ['endpoint', 'req/s', 'p50', 'p99', 'requests', 'errors/non-2xx', 'body bytes', 'req/s vs minimal route', 'other load before'],
      rows,
    ),
  ].join('\n');
}

function calendarSection(r) {
  const c = r.calendar;
  if (!c) return '';
  return [
    '## 3b. Calendar and iCal feed',
    '',
    `The same app, one request at a time. \`GET /api/v1/calendar\` for the benchmarked user (${num(r.dataset.owned)} active`,
    `mixed schedules among ${num(r.dataset.rows)}) over the next 31 days, \`limit=500\`: ${num(c.occurrences)} occurrences in`,
    `${num(c.pageCount)} pages. The feed: \`GET /ical/<token>.ics\` of a workspace with ${num(c.feedSchedules)} mixed schedules`,
    `(${num(c.feedEvents)} events, ${bytes(c.feedBytes)}; 30 days back to 180 ahead, capped at 5,000 events).`,
    '',
    mdTable(
      ['request', 'runs', 'p50', 'p99', 'max'],
      [
        ['calendar, first page of the month', num(c.firstPage.n), ms(c.firstPage.p50), ms(c.firstPage.p99), ms(c.firstPage.max)],
        ['calendar, any page of the month (by cursor)', num(c.page.n), ms(c.page.p50), ms(c.page.p99), ms(c.page.max)],
        ['calendar, the whole month (all pages)', num(c.fullMonth.n), ms(c.fullMonth.p50), ms(c.fullMonth.p99), ms(c.fullMonth.max)],
        [`iCal feed, ${num(c.feedSchedules)} schedules`, num(c.feed.n), ms(c.feed.p50), ms(c.feed.p99), ms(c.feed.max)],
      ],
    ),
  ].join('\n');
}

function scaleSection(r) {
  const s = r.scale;
  const out = ['## 4. Scale', ''];
  out.push(
    `**Reconcile** (\`Reconciler.reconcile()\` from services/worker/dist, in the bench process with the`,
    `worker’s pool of 20 and its own Redis connection) over ${num(s.reconcile.active)} active schedules. An`,
    'incremental pass reads only the schedules PostgreSQL records as out of step with Redis, the overdue',
    'ones and the shifted runs due soon; a full sweep reads every active schedule against Redis and every scheduler against PostgreSQL',
    '(first pass, Redis token gone, or every `RECONCILE_FULL_SWEEP_HOURS`). Seconds: p50 of the runs:',
    '',
    mdTable(
      [
        'pass',
        'kind',
        'runs',
        'seconds',
        'rows examined',
        'created',
        'updated',
        'removed',
        'overdue re-queued',
        'Redis used_memory Δ',
        'other load before',
      ],
      s.reconcile.passes.map((p) => [
        p.label,
        p.kind ?? p.report.kind ?? 'full',
        num(p.runs ?? 1),
        p.seconds < 1 ? ms(p.seconds * 1000) : sec(p.seconds, 1),
        num(p.report.examined ?? s.reconcile.active),
        num(p.report.created),
        num(p.report.updated),
        num(p.report.removed),
        num(p.report.recreated_overdue),
        bytes(p.memDelta),
        pct(p.otherLoad?.busy),
      ]),
    ),
    '',
  );
  const m = s.memory;
  const first = s.reconcile.passes[0];
  out.push(
    `**Redis per scheduler**: INFO memory \`used_memory\` before/after creating ${num(m.schedulers)} schedulers with`,
    `\`syncScheduler\` (50 in flight, ${num(m.syncPerSecond)}/s) on a fresh prefix:`,
    '',
    mdTable(
      ['measure', 'bytes per scheduler'],
      [
        [`used_memory Δ / ${num(m.schedulers)}`, num(m.perScheduler)],
        [
          `Σ MEMORY USAGE of the prefix’s keys / ${num(m.schedulers)} (${num(m.keysPerScheduler, 2)} keys each)`,
          num(m.keyBytesPerScheduler),
        ],
        [
          `used_memory Δ of the first reconcile pass / ${num(first.report.created)} created`,
          first.report.created ? num(first.memDelta / first.report.created) : 'n/a',
        ],
      ],
    ),
    '',
    'Redis is shared with whatever else runs on the machine, so used_memory deltas carry some',
    'noise; the MEMORY USAGE sum counts only this prefix’s keys (a scheduler hash plus its next',
    'delayed job, and the shared sorted-set entries).',
    '',
  );
  const p = s.postgres;
  out.push(
    `**PostgreSQL per schedule** (\`scheduled_jobs\`, ${num(p.rows)} rows, after VACUUM ANALYZE, no update bloat yet):`,
    '',
    mdTable(
      ['measure', 'bytes per row'],
      [
        ['pg_total_relation_size (heap + TOAST + indexes)', num(p.totalPerRow)],
        ['pg_relation_size (heap)', num(p.heapPerRow)],
        ['pg_indexes_size (all indexes)', num(p.indexesPerRow)],
        ...p.indexes.map((i) => [`  ${i.name}`, num(i.perRow)]),
      ],
    ),
  );
  return out.join('\n');
}

function importSection(r) {
  const im = r.import;
  if (!im) return '';
  const rows = im.results.map((x) => {
    const all = x.kind === 'commit' ? Math.max(x.ms, x.schedulersMs) : NaN;
    const aim = x.kind === 'commit' && x.n >= 10_000 ? (all < AIMS.importCommitMs ? 'met' : 'missed') : '—';
    return [
      `${num(x.n)} rows, ${x.kind}`,
      bytes(x.csvBytes),
      ms(x.ms),
      num(x.rowsPerSecond),
      x.kind === 'commit' ? `${ms(x.schedulersMs)} (${num(x.schedulers)})` : '—',
      aim === '—' ? '—' : `${ratio(all / AIMS.importCommitMs)} of the aim (${aim})`,
      x.kind === 'commit' ? num(x.rowsWritten) : x.warnings !== undefined ? `${num(x.warnings)} warnings` : '—',
      pct(x.otherLoad?.busy),
    ];
  });
  return [
    '## 5. Import',
    '',
    'The same app (`createApp` on port 0, in the bench process), one request at a time:',
    '`POST /api/v1/schedule/import` of a CSV file as a spreadsheet exports it: the five schedule types in',
    'turn (once, daily with `max_runs`, weekly, monthly, cron), seven zones, 40 publishers',
    '(`job_config.publisher_domain`, `job_config.language` columns), spreadsheet date-times 2–60 days',
    'ahead, quoted patterns and descriptions with commas. Each request into a fresh workspace (the',
    'rows’ conflict warnings are the file’s own). A dry run answers the per-row report; a commit',
    'inserts every row in one transaction and then writes the schedulers. *Every scheduler* = from',
    'sending the request until `getJobSchedulersCount()` of the occurrence queue (polled every 20 ms',
    `while the request runs) reached N. **Aim** (issue #12): ${num(10_000)} rows committed with their`,
    `schedulers in under ${sec(AIMS.importCommitMs / 1000, 0)} on this machine (the larger of the response and the`,
    'scheduler times, divided by 10 s).',
    '',
    mdTable(['request', 'file', 'response', 'rows/s', 'every scheduler', 'vs aim', 'rows written', 'other load before'], rows),
  ].join('\n');
}

function conflictsSection(r) {
  const c = r.conflicts;
  if (!c) return '';
  return [
    '## 5b. Conflicts',
    '',
    `\`GET /api/v1/schedule/conflicts\` over the next ${c.days} days (the default settings), one request at a time after`,
    'two warm-ups, for two workspaces of mixed schedules (daily/weekly/monthly/cron in six zones, next runs in',
    'the coming week): one whose schedules spread over 40 publisher domains (inserted for this section), and the',
    'dataset’s benchmarked user, whose schedules all share one publisher (one window over the whole month: the',
    'largest answer). *Windows* = the overfull windows listed; *runs in them* = the sum of their `count`.',
    '',
    mdTable(
      ['workspace', 'active schedules', 'runs', 'p50', 'p99', 'max', 'windows', 'runs in them', 'body bytes', 'other load before'],
      c.cases.map((x) => [
        x.label,
        num(x.schedules),
        num(x.latency.n),
        ms(x.latency.p50),
        ms(x.latency.p99),
        ms(x.latency.max),
        `${num(x.rows)}${x.truncated ? ' (truncated)' : ''}`,
        num(x.runsInWindows),
        num(x.bytes),
        pct(x.otherLoad?.busy),
      ]),
    ),
  ].join('\n');
}

function webhooksSection(r) {
  const w = r.webhooks;
  if (!w) return '';
  const rows = w.rounds.map((x) => {
    const d = x.after || {};
    return [
      x.withWebhook ? `with a job.created webhook (${num(x.endpoints)} endpoints)` : 'without a webhook',
      ms(x.lag.p50),
      ms(x.lag.p99),
      ms(x.drainMs),
      num(x.jobsPerSecond),
      `${num(x.jobsTotal)} / ${num(x.n)}`,
      `${x.duplicates} / ${x.losses}`,
      num(d.events),
      x.withWebhook ? `${num(d.distinct)}${d.requests !== d.distinct ? ` (${num(d.requests)} requests)` : ''}` : '—',
      x.withWebhook ? num(d.perSecond) : '—',
      x.withWebhook ? `${ms(d.firstMs)} / ${ms(d.latency?.p50)} / ${ms(d.allMs)}` : '—',
      pct(x.otherLoad?.busy),
    ];
  });
  const slower = 1 / w.summary.throughput - 1;
  return [
    '## 2b. Webhooks',
    '',
    `Section 2’s rounds (\`ourRound\`): ${num(w.n)} daily schedules due at one instant T, ${w.workers} worker process`,
    `(WORKER_CONCURRENCY=${w.concurrency}, WEBHOOK_CONCURRENCY=${w.webhookConcurrency}, WEBHOOK_ALLOW_PRIVATE_NETWORKS=true,`,
    'the dispatcher on), alternately without a webhook and with one webhook subscribed to `job.created` in',
    'each of the round’s 100 workspaces, pointing at an HTTP receiver in the bench process (204 to',
    'every POST). The `job.created` outbox event is written in the materializing transaction either way;',
    'with a webhook the dispatcher also writes a delivery per event and the worker POSTs it, signed, while',
    `the burst fires. ${w.pairs} pair${w.pairs > 1 ? 's' : ''} of rounds, the order alternating. *Deliveries/s* = from the first`,
    'delivery to arrive to the last; *delivered after T* = first / median / last arrival − T.',
    `**Aim** (issue #13): the outbox slows firing by at most ${pct(AIMS.webhookSlowdown)}.`,
    '',
    mdTable(
      [
        'round',
        'p50 lag',
        'p99 lag',
        'drain',
        'Jobs/s',
        'Jobs',
        'dup / lost',
        'job.created events',
        'delivered',
        'deliveries/s',
        'delivered after T (first / p50 / last)',
        'other load before',
      ],
      rows,
    ),
    '',
    mdTable(
      ['with / without (medians of the rounds)', 'ratio'],
      [
        ['p50 lag', ratio(w.summary.p50)],
        ['p99 lag', ratio(w.summary.p99)],
        ['Jobs/s', ratio(w.summary.throughput)],
        ['firing slowed by', `${pct(slower)} (aim ≤ ${pct(AIMS.webhookSlowdown)}: ${slower <= AIMS.webhookSlowdown ? 'met' : 'missed'})`],
      ],
    ),
  ].join('\n');
}

function render(r) {
  const parts = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` (scripts/bench.js) on ${r.startedAt}. Do not edit by hand: run the`,
    'bench again. Benchmarks report; they do not fail on absolute times (the bench exits non-zero only',
    'on a crash, or when a fire round produced a duplicate or lost a Job).',
    '',
    machineSection(r),
    ...[
      r.recurrence && recurrenceSection(r),
      r.fire && fireSection(r),
      webhooksSection(r),
      burstSection(r),
      r.api && apiSection(r),
      calendarSection(r),
      r.scale && scaleSection(r),
      importSection(r),
      conflictsSection(r),
    ].flatMap((section) => (section ? ['', section] : [])),
  ];
  if (r.observations.length) {
    parts.push('', '## Observations', '', ...r.observations.map((o) => `- ${o}`));
  }
  return `${parts.join('\n')}\n`;
}

module.exports = { render, TARGETS, AIMS };
