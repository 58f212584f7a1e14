/**
 * A real Redis Cluster for tests: six `redis-server` processes of the machine's own Redis (3
 * masters, 3 replicas) on free ports in a temporary directory, joined by `redis-cli --cluster
 * create`, and torn down (every pid killed, the directory removed) by `stop()`, also when the
 * start failed half-way. The processes under test reach it through `REDIS_CLUSTER_NODES`, the
 * setting an operator uses.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pollUntil } from './time';

const run = promisify(execFile);

/** One `redis-server` of the cluster. */
export interface ClusterNode {
  port: number;
  child: ChildProcess;
}

export interface RedisClusterHarness {
  nodes: ClusterNode[];
  /** `127.0.0.1:port,…`: the value of `REDIS_CLUSTER_NODES`. */
  seeds: string;
  /** The seeds as `Config.redisClusterNodes` (for `createRedis({ redisUrl, redisClusterNodes })`). */
  seedNodes: { host: string; port: number }[];
  /** Ports of the current masters (from `CLUSTER NODES`; after a failover the promoted replica is one). */
  masters(): Promise<number[]>;
  /** The port of the master serving a key's slot. */
  masterOf(key: string): Promise<number>;
  /** kill -9 of one node's process. */
  kill(port: number): Promise<void>;
  /** Waits until every node still running reports `cluster_state:ok`. */
  waitUntilOk(timeoutMs?: number): Promise<void>;
  /** Kills every node and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the kernel's choice of a free one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until `probe` is true, or throws naming what it waited for. */
async function until(probe: () => Promise<boolean>, what: string, timeoutMs: number, intervalMs: number): Promise<void> {
  if (!(await pollUntil(probe, (ok) => ok, timeoutMs, intervalMs))) throw new Error(`timed out waiting for ${what}`);
}

const cli = async (port: number, ...args: string[]): Promise<string> =>
  (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 })).stdout;

/** Starts a 3-master, 3-replica cluster; on any failure what was started is torn down before the error is thrown. */
export async function startRedisCluster(options: { size?: number; replicas?: number } = {}): Promise<RedisClusterHarness> {
  const masters = options.size ?? 3;
  const replicas = options.replicas ?? 1;
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-cluster-'));
  const nodes: ClusterNode[] = [];
  let stopped = false;
  const alive = () => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const running = alive();
    for (const node of running) node.child.kill('SIGKILL');
    await Promise.all(
      running.map(
        (node) =>
          new Promise<void>((resolve) => {
            if (node.child.exitCode !== null || node.child.signalCode !== null) resolve();
            else node.child.once('exit', () => resolve());
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };

  const waitUntilOk = async (timeoutMs = 20_000) => {
    await until(
      async () => {
        for (const node of alive()) {
          const info = await cli(node.port, 'CLUSTER', 'INFO').catch(() => '');
          // Every slot served, as every node sees it (not only the node a client happens to ask).
          if (!info.includes('cluster_state:ok') || !info.includes('cluster_slots_ok:16384')) return false;
        }
        return true;
      },
      'the Redis Cluster to report cluster_state:ok',
      timeoutMs,
      200,
    );
  };

  /** `CLUSTER NODES` from a live node: each master's port and slot ranges. */
  const clusterNodes = async () => {
    const text = await cli(alive()[0].port, 'CLUSTER', 'NODES');
    return text
      .trim()
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => fields[2].includes('master') && !fields[2].includes('fail'))
      .map((fields) => ({
        port: Number(fields[1].split('@')[0].split(':').pop()),
        ranges: fields.slice(8).map((range) => range.split('-').map(Number)),
      }));
  };

  try {
    const ports: number[] = [];
    for (let i = 0; i < masters * (1 + replicas); i++) ports.push(await freePort());
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '1000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--maxmemory-policy',
          'noeviction',
        ],
        { stdio: 'ignore' },
      );
      nodes.push({ port, child });
    }
    await until(
      async () => {
        for (const { port } of nodes) if ((await cli(port, 'PING').catch(() => '')).trim() !== 'PONG') return false;
        return true;
      },
      'the Redis Cluster nodes to answer PING',
      10_000,
      100,
    );
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
      { timeout: 30_000 },
    );
    await waitUntilOk();
  } catch (error) {
    await stop();
    throw error;
  }

  const seedNodes = nodes.map(({ port }) => ({ host: '127.0.0.1', port }));
  return {
    nodes,
    seeds: seedNodes.map(({ host, port }) => `${host}:${port}`).join(','),
    seedNodes,
    masters: async () => (await clusterNodes()).map((node) => node.port),
    masterOf: async (key) => {
      const slot = Number((await cli(alive()[0].port, 'CLUSTER', 'KEYSLOT', key)).trim());
      const owner = (await clusterNodes()).find((node) => node.ranges.some(([from, to = from]) => slot >= from && slot <= to));
      if (!owner) throw new Error(`no master serves slot ${slot}`);
      return owner.port;
    },
    kill: async (port) => {
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no cluster node on port ${port}`);
      const exited = new Promise<void>((resolve) => node.child.once('exit', () => resolve()));
      node.child.kill('SIGKILL');
      await exited;
    },
    waitUntilOk,
    stop,
  };
}
