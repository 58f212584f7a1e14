/**
 * `npm start` (scripts/start.js) as a supervisor, with real processes from the build: a child
 * that dies is restarted with backoff while the other keeps running; only SIGINT / SIGTERM stops
 * both.
 */
import { randomUUID } from 'node:crypto';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { createRedis } from '@scheduler/queue';
import { deleteKeysUnder, pollUntil, TEST_DATABASE_URL, TEST_REDIS_URL } from '@scheduler/testkit';

const ROOT = path.resolve(__dirname, '../../..');

interface Entry {
  msg?: string;
  pid?: number;
  port?: number;
}

const entries = (lines: string[]): Entry[] => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Entry);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start supervises the API and the worker', () => {
  let redis: Redis;
  const prefix = `start-${randomUUID().slice(0, 8)}`;
  let child: ChildProcess | undefined;
  const lines: string[] = [];
  beforeAll(() => {
    redis = createRedis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    for (const pid of entries(lines).map((e) => e.pid)) if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
  });

  const started = (msg: string) => entries(lines).filter((e) => e.msg === msg);
  const healthy = async (port: number) => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status === 200;

  it('when the worker, then the API, is killed, then each comes back after a growing delay; Ctrl-C stops both with 0', async () => {
    child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: TEST_DATABASE_URL,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: prefix,
        JWT_SECRET: 'test-secret-that-is-long-enough',
        PORT: '0',
        WORKER_PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr])
      stream?.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal })),
    );

    await pollUntil(
      () => started('worker started').length + started('api listening').length,
      (n) => n >= 2,
      30_000,
    );
    const [worker] = started('worker started');
    const [api] = started('api listening');
    expect(await healthy(api.port!)).toBe(true);

    // The worker dies: it comes back after 1 s; the API is never touched.
    process.kill(worker.pid!, 'SIGKILL');
    await pollUntil(
      () => started('worker started').length,
      (n) => n >= 2,
      30_000,
    );
    expect(lines).toContainEqual(`npm start: worker (pid ${worker.pid}) was killed (SIGKILL); restarting it in 1 s (crash 1 in a row)`);
    expect(started('api listening')).toHaveLength(1);
    expect(await healthy(api.port!)).toBe(true);

    // Again at once: the delay doubles.
    const second = started('worker started')[1];
    expect(second.pid).not.toBe(worker.pid);
    process.kill(second.pid!, 'SIGKILL');
    await pollUntil(
      () => started('worker started').length,
      (n) => n >= 3,
      30_000,
    );
    expect(lines).toContainEqual(`npm start: worker (pid ${second.pid}) was killed (SIGKILL); restarting it in 2 s (crash 2 in a row)`);

    // The API dies: it comes back (on a new free port, PORT=0) and serves again.
    process.kill(api.pid!, 'SIGKILL');
    await pollUntil(
      () => started('api listening').length,
      (n) => n >= 2,
      30_000,
    );
    const apiAgain = started('api listening')[1];
    expect(await healthy(apiAgain.port!)).toBe(true);
    expect(child.exitCode).toBeNull();

    // Ctrl-C: both stop cleanly, and nothing is restarted.
    const running = [apiAgain.pid!, started('worker started')[2].pid!];
    child.kill('SIGINT');
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000).unref())])).toEqual({
      code: 0,
      signal: null,
    });
    expect(running.filter(alive)).toEqual([]);
    expect(lines).toContainEqual('npm start: SIGINT: stopping api and worker');
  }, 120_000);
});
