/**
 * Helpers for fault tests that run real worker processes (the compiled `dist/main.js`):
 * spawning and tracking them, waiting until they are up, stopping or killing them, polling
 * PostgreSQL with a deadline, and cleaning one test's Redis keys without touching anyone
 * else's (never FLUSHALL / FLUSHDB: other test runs share Redis db 0).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { statusKeys } from '@scheduler/queue';
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
