/**
 * Helpers for fault tests that run real worker processes (the compiled `dist/main.js`):
 * spawning and tracking them, waiting until they are up, stopping or killing them, polling
 * PostgreSQL with a deadline, and cleaning one test's Redis keys without touching anyone
 * else's (never FLUSHALL / FLUSHDB: other test runs share Redis db 0).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { ruleOf } from '@scheduler/entities';
import type { RecurrenceRule } from '@scheduler/recurrence';
import { OccurrencePayload, statusKeys, syncScheduler } from '@scheduler/queue';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './helpers';

/**
 * The compiled worker entry point (`npm run -s build` writes it). FAULTS_WORKER_MAIN points the
 * tests at another build instead, e.g. a deliberately broken copy to check that they fail.
 */
export const WORKER_MAIN = process.env.FAULTS_WORKER_MAIN || path.resolve(__dirname, '../dist/main.js');

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** When the process exited (epoch ms). */
  at: number;
}

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  startedAt: number;
  /** Every line the process wrote to stdout or stderr. */
  lines: string[];
  /** Settles when the process has exited. */
  exited: Promise<WorkerExit>;
  exit: WorkerExit | null;
}

/** What the worker logs for each occurrence it processed (LOG_LEVEL=info). */
export interface OccurrenceLog {
  schedule_id: string;
  occurrence_at: string;
  outcome: string;
  job_id?: string;
  duplicate: boolean;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves null after `ms` without keeping the jest process alive (for races against an exit). */
const expiry = (ms: number) => new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref());

/** Polls `probe` every `intervalMs` until `done` holds or the deadline passes; returns the last value. */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await sleep(intervalMs);
    value = await probe();
  }
  return value;
}

/**
 * Starts and tracks worker processes so that a test can always end every one of them
 * (`killAll` in afterEach, and on the jest process's exit as a last resort).
 */
export class WorkerProcesses {
  private readonly all: WorkerProcess[] = [];
  private readonly onExit = () => {
    for (const w of this.all) if (w.exit === null) w.child.kill('SIGKILL');
  };

  constructor() {
    process.on('exit', this.onExit);
  }

  spawn(name: string, env: Record<string, string>): WorkerProcess {
    if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run \`npm run -s build\` first`);
    const child = spawn(process.execPath, [WORKER_MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: TEST_DATABASE_URL,
        REDIS_URL: TEST_REDIS_URL,
        WORKER_PORT: '0',
        LOG_LEVEL: 'warn',
        RECONCILE_INTERVAL_SECONDS: '2',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`worker ${name} did not start`);
    const lines: string[] = [];
    const collect = (stream: NodeJS.ReadableStream | null) => {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        lines.push(...parts.filter((l) => l.length > 0));
      });
      stream?.on('end', () => {
        if (rest) lines.push(rest);
      });
    };
    collect(child.stdout);
    collect(child.stderr);
    const worker: WorkerProcess = {
      name,
      child,
      pid: child.pid,
      startedAt: Date.now(),
      lines,
      exit: null,
      exited: new Promise<WorkerExit>((resolve) => {
        child.once('exit', (code, signal) => {
          worker.exit = { code, signal, at: Date.now() };
          resolve(worker.exit);
        });
      }),
    };
    this.all.push(worker);
    return worker;
  }

  /** SIGKILLs every tracked process still running and waits for them to go. */
  async killAll(): Promise<void> {
    const running = this.all.filter((w) => w.exit === null);
    for (const w of running) w.child.kill('SIGKILL');
    await Promise.all(running.map((w) => Promise.race([w.exited, expiry(5_000)])));
  }

  dispose(): void {
    process.off('exit', this.onExit);
  }
}

/**
 * Waits until the worker has written its heartbeat under the prefix (done right after its
 * BullMQ worker and database pool exist); fails early with its output if it exits first.
 */
export async function waitUntilUp(redis: Redis, prefix: string, worker: WorkerProcess, timeoutMs = 20_000): Promise<number> {
  const key = statusKeys(prefix).workers;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (worker.exit) {
      throw new Error(`worker ${worker.name} exited (${JSON.stringify(worker.exit)}) before it was up:\n${worker.lines.join('\n')}`);
    }
    const ids = await redis.hkeys(key);
    if (ids.some((id) => id.includes(`-${worker.pid}-`))) return Date.now() - worker.startedAt;
    if (Date.now() > deadline) {
      throw new Error(`worker ${worker.name} not up after ${timeoutMs} ms:\n${worker.lines.join('\n')}`);
    }
    await sleep(100);
  }
}

/** Sends a signal and waits (bounded) for the exit. */
export async function signalAndWait(worker: WorkerProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<WorkerExit | null> {
  const sentAt = Date.now();
  worker.child.kill(signal);
  const exit = await Promise.race([worker.exited, expiry(timeoutMs)]);
  return exit ? { ...exit, at: exit.at - sentAt } : null;
}

/** The `occurrence processed` lines a worker logged at LOG_LEVEL=info. */
export function occurrenceLogs(worker: WorkerProcess): OccurrenceLog[] {
  const out: OccurrenceLog[] = [];
  for (const line of worker.lines) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string } & OccurrenceLog;
      if (entry.msg === 'occurrence processed') out.push(entry);
    } catch {
      // not JSON
    }
  }
  return out;
}

/** Every key under the prefix, by SCAN (never KEYS on a shared server's hot path). */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** A FLUSHALL confined to one test: deletes every key under the prefix and nothing else. */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<number> {
  if (!/^faults-[0-9a-f]{8}$/.test(prefix)) throw new Error(`refusing to delete keys under unexpected prefix "${prefix}"`);
  const keys = await keysUnder(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  return keys.length;
}

// ---- shared by the fault suites ----

/** The next whole second at least `ms` from now. */
export const wholeSecondAhead = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 1000) * 1000);
export const secondsSince = (from: number) => ((Date.now() - from) / 1000).toFixed(1);

export interface InsertedSchedule {
  id: string;
  version: number;
  rule: RecurrenceRule;
}

/** Inserts `count` schedules in one statement, as the API would have stored them. */
export async function insertSchedules(ds: DataSource, userId: string, count: number, type: 'once' | 'daily', at: Date): Promise<InsertedSchedule[]> {
  const rows: {
    id: string;
    version: number;
    schedule_type: string;
    scheduled_at: Date;
    recurrence_pattern: string | null;
    timezone: string;
    recurrence_end_date: Date | null;
    max_runs: number | null;
  }[] = await ds.query(
    `INSERT INTO scheduled_jobs (user_id, name, schedule_type, scheduled_at, timezone, job_config, status, next_run_at, version)
     SELECT $1, 'fault test ' || g, $2, $3, 'UTC', '{"publisher_domain": "x.com"}', 'active', $3, 1
     FROM generate_series(1, $4::int) AS g
     RETURNING id, version, schedule_type, scheduled_at, recurrence_pattern, timezone, recurrence_end_date, max_runs`,
    [userId, type, at, count],
  );
  return rows.map((r) => {
    const rule = ruleOf({
      scheduleType: r.schedule_type,
      scheduledAt: r.scheduled_at,
      recurrencePattern: r.recurrence_pattern,
      timezone: r.timezone,
      recurrenceEndDate: r.recurrence_end_date,
      maxRuns: r.max_runs,
    });
    if (!rule) throw new Error(`inserted schedule ${r.id} has no valid rule`);
    return { id: r.id, version: r.version, rule };
  });
}

/** Upserts every schedule's BullMQ job scheduler, as the API does after its insert. */
export async function syncAll(queue: Queue<OccurrencePayload>, schedules: InsertedSchedule[]): Promise<void> {
  for (let i = 0; i < schedules.length; i += 50) {
    await Promise.all(schedules.slice(i, i + 50).map((s) => syncScheduler(queue, s)));
  }
}

/** Occurrence outcomes per worker process, from their logs (LOG_LEVEL=info). */
export function perWorker(workers: WorkerProcess[], ids: Set<string>) {
  return workers.map((w) => {
    const logs = occurrenceLogs(w).filter((l) => ids.has(l.schedule_id));
    return {
      name: w.name,
      materialized: logs.filter((l) => l.outcome === 'materialized' && !l.duplicate).length,
      redelivered: logs.filter((l) => l.duplicate).length,
      other: logs.filter((l) => l.outcome !== 'materialized').length,
    };
  });
}
