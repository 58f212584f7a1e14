/**
 * Real processes for tests: the compiled worker and API (`npm run -s build` writes them),
 * spawned on the test database and Redis, tracked so that a test can always end every one of
 * them, and read through what they log.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { statusKeys, type RedisClient } from '@scheduler/queue';
import { TEST_DATABASE_URL, TEST_JWT_SECRET, TEST_REDIS_URL } from './env';
import { expiry, sleep } from './time';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * The compiled worker entry point. FAULTS_WORKER_MAIN points the tests at another build
 * instead, e.g. a deliberately broken copy to check that they fail.
 */
export const WORKER_MAIN = process.env.FAULTS_WORKER_MAIN || path.join(ROOT, 'services/worker/dist/main.js');

/** The compiled API entry point. */
export const API_MAIN = path.join(ROOT, 'services/api/dist/main.js');

/* ------------------------------------------------------------------ workers */

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

/** What the worker logs for each occurrence it processed (LOG_LEVEL=debug). */
export interface OccurrenceLog {
  schedule_id: string;
  occurrence_at: string;
  outcome: string;
  job_id?: string;
  duplicate: boolean;
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
        // The test database is shared by suites running at once: only a suite that asks for it dispatches the outbox.
        WEBHOOK_DISPATCH: 'false',
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
export async function waitUntilUp(redis: RedisClient, prefix: string, worker: WorkerProcess, timeoutMs = 20_000): Promise<number> {
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

/** How many of the workers are in the prefix's worker list (their heartbeat). */
export async function workersListed(redis: RedisClient, prefix: string, workers: WorkerProcess[]): Promise<number> {
  const ids = await redis.hkeys(statusKeys(prefix).workers);
  return workers.filter((w) => ids.some((id) => id.includes(`-${w.pid}-`))).length;
}

/** Sends a signal and waits (bounded) for the exit. */
export async function signalAndWait(worker: WorkerProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<WorkerExit | null> {
  const sentAt = Date.now();
  worker.child.kill(signal);
  const exit = await Promise.race([worker.exited, expiry(timeoutMs)]);
  return exit ? { ...exit, at: exit.at - sentAt } : null;
}

/** The `occurrence processed` lines a worker logged (at LOG_LEVEL=debug: info logs one line per batch). */
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

/** Log lines with this message (JSON, any level), across the workers. */
export function logged(workers: WorkerProcess[], msg: string): number {
  let n = 0;
  for (const w of workers) {
    for (const line of w.lines) {
      if (line.startsWith('{') && line.includes(`"msg":"${msg}`)) n += 1;
    }
  }
  return n;
}

/** Occurrence outcomes per worker process, from their logs (LOG_LEVEL=debug). */
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

/* ---------------------------------------------------------------------- API */

/** The API as its own process on a free port, logging at info; `env` adds to or overrides the test defaults. */
export function spawnApi(env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [API_MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_URL: TEST_DATABASE_URL,
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Waits for a spawned API's `api listening` line; rejects if it exits or times out first. */
export function untilListening(child: ChildProcess, timeoutMs = 20_000): Promise<{ port: number; output: () => string }> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`api did not start:\n${out.slice(-4000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      if (out.length < 200_000) out += chunk.toString();
      const match = /"port":(\d+)[^\n]*"msg":"api listening"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ port: Number(match[1]), output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`api exited (${code ?? signal}) before it listened:\n${out.slice(-4000)}`));
    });
  });
}

/** A JSON call to a real API process as one user: status and parsed body (`{}` for a 204). */
export type ApiProcessCall = (
  method: string,
  path: string,
  body?: object,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: Record<string, unknown> }>;

/**
 * A real API process (`spawnApi` with `env`, on its own port) once it listens, and `call` to its
 * `/api/v1` as `userId` with an HS256 token of the test secret (valid 10 minutes). The caller kills
 * `process` when done.
 */
export async function startApiProcess(
  env: Record<string, string>,
  userId: string,
): Promise<{ process: ChildProcess; port: number; call: ApiProcessCall }> {
  const child = spawnApi(env);
  const { port } = await untilListening(child, 30_000);
  const token = jwt.sign({}, TEST_JWT_SECRET, { algorithm: 'HS256', subject: userId, expiresIn: 600 });
  const call: ApiProcessCall = async (method, path, body, headers = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>) };
  };
  return { process: child, port, call };
}
