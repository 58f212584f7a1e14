import { spawnSync, ChildProcess } from 'node:child_process';
import http from 'node:http';
import { API_MAIN, spawnApi, TEST_JWT_SECRET, untilListening } from '@scheduler/testkit';

async function startApi(): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawnApi();
  return { child, ...(await untilListening(child)) };
}

function get(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('API process shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('on %s, it finishes the request in flight, stops accepting, and exits 0', async (signal) => {
    const { child, port, output } = await startApi();
    expect(await get(port, '/healthz')).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const inFlight = get(port, '/readyz');
    await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    child.kill(signal);
    expect(await inFlight).toBe(200);
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(output()).toContain('api stopped');
    await expect(get(port, '/healthz')).rejects.toThrow();
  });
});

describe('API process start-up', () => {
  it('when a variable is bad, it exits 2 naming every bad variable, before touching anything', () => {
    const result = spawnSync(process.execPath, [API_MAIN], {
      env: { ...process.env, PORT: 'eighty', REDIS_URL: 'http://nope', JWT_SECRET: TEST_JWT_SECRET },
      timeout: 10_000,
    });
    expect(result.status).toBe(2);
    const stderr = result.stderr.toString();
    expect(stderr).toContain('PORT');
    expect(stderr).toContain('REDIS_URL');
    expect(stderr).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
  });
});

describe('API process signalled while starting', () => {
  it('when SIGTERM arrives before it listens, it still stops cleanly with exit 0', async () => {
    const child = spawnApi();
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Signal as soon as it says it is starting (before migrating, connecting and listening).
    const deadline = Date.now() + 15_000;
    while (!out.includes('"msg":"api starting"') && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('api stopped');
  });
});
