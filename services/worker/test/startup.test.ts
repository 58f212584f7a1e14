/**
 * The worker process at start-up, and `npm start` (scripts/start.js): log lines and the
 * health/metrics port. Real processes from the build (`npm run -s build`).
 */
import { randomUUID } from 'node:crypto';
import { ChildProcess, spawn } from 'node:child_process';
import { createServer, Server } from 'node:net';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { createRedis } from '@scheduler/queue';
import { deleteKeysUnder, pollUntil, signalAndWait, TEST_DATABASE_URL, TEST_REDIS_URL, WorkerProcesses } from '@scheduler/testkit';

const ROOT = path.resolve(__dirname, '../../..');

/** A port held by this test process: whoever else binds it gets EADDRINUSE. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no port');
  return { port: address.port, server };
}

const jsonLines = (lines: string[]) =>
  lines.filter((l) => l.startsWith('{')).map((l) => ({ raw: l, entry: JSON.parse(l) as Record<string, unknown> }));

describe('worker start-up', () => {
  const procs = new WorkerProcesses();
  let redis: Redis;
  const prefixes: string[] = [];
  const newPrefix = () => {
    const prefix = `faults-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    return prefix;
  };
  beforeAll(() => {
    redis = createRedis(TEST_REDIS_URL);
  });
  afterEach(async () => {
    await procs.killAll();
  });
  afterAll(async () => {
    procs.dispose();
    for (const prefix of prefixes) await deleteKeysUnder(redis, prefix);
    await redis.quit();
  });

  it('when a worker starts, then each log line carries pid once, as a base field', async () => {
    const worker = procs.spawn('logs', { QUEUE_PREFIX: newPrefix(), LOG_LEVEL: 'info' });
    const lines = await pollUntil(
      () => jsonLines(worker.lines),
      (l) => l.some((x) => x.entry.msg === 'worker started') || worker.exit !== null,
      20_000,
    );
    expect(lines.map((l) => l.entry.msg)).toEqual(expect.arrayContaining(['worker starting', 'worker started']));
    for (const { raw, entry } of lines) {
      expect(raw.match(/"pid":/g)).toHaveLength(1);
      expect(entry.pid).toBe(worker.pid);
    }
    expect(await signalAndWait(worker, 'SIGTERM', 20_000)).toMatchObject({ code: 0 });
  });

  it('when WORKER_PORT is taken, then the worker exits 1 with a message naming WORKER_PORT, not a stack trace', async () => {
    const held = await holdPort();
    try {
      const worker = procs.spawn('port-taken', { QUEUE_PREFIX: newPrefix(), WORKER_PORT: String(held.port) });
      const exit = await Promise.race([worker.exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000).unref())]);
      expect(exit).toMatchObject({ code: 1 });
      const message = worker.lines.find((l) => l.startsWith('worker failed to start'));
      expect(message).toBe(
        `worker failed to start: WORKER_PORT ${held.port} is already in use (the worker's health and metrics port): set WORKER_PORT to a free port, or to 0 for any free port`,
      );
      expect(worker.lines.some((l) => /^\s+at /.test(l))).toBe(false);
    } finally {
      held.server.close();
    }
  });

  it("when npm start's worker port is taken, then it warns naming WORKER_PORT, runs the worker on a free port, and stops cleanly", async () => {
    const held = await holdPort();
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.js')], {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: TEST_DATABASE_URL,
          REDIS_URL: TEST_REDIS_URL,
          QUEUE_PREFIX: newPrefix(),
          JWT_SECRET: 'test-secret-that-is-long-enough',
          PORT: '0',
          WORKER_PORT: String(held.port),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: string[] = [];
      for (const stream of [child.stdout, child.stderr])
        stream?.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
      const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
      const started = await pollUntil(
        () => jsonLines(lines).find((l) => l.entry.msg === 'worker started')?.entry,
        (entry) => entry !== undefined || child!.exitCode !== null,
        30_000,
      );
      expect(lines.find((l) => l.startsWith('WORKER_PORT'))).toMatch(
        new RegExp(`^WORKER_PORT ${held.port} is in use: this run's worker serves health and metrics on port (\\d+)`),
      );
      const announced = Number(/on port (\d+)/.exec(lines.find((l) => l.startsWith('WORKER_PORT'))!)![1]);
      expect(started).toMatchObject({ port: announced });
      expect(announced).not.toBe(held.port);
      await pollUntil(() => jsonLines(lines).some((l) => l.entry.msg === 'api listening'), Boolean, 30_000);
      child.kill('SIGTERM');
      expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000).unref())])).toBe(0);
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      held.server.close();
    }
  });
});
