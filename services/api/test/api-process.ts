import { spawn, ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TEST_JWT_SECRET } from './helpers';

/** The compiled API entry point (tests that spawn it need `npm run -s build` first). */
export const API_MAIN = path.resolve(__dirname, '../dist/main.js');

/** The API as its own process on a free port, logging at info; `env` adds to or overrides the test defaults. */
export function spawnApi(env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [API_MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scheduler_test',
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
