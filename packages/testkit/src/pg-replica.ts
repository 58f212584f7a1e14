/**
 * A PostgreSQL primary with a streaming replica of its own, for the read-replica suites: two
 * clusters made by `initdb` and `pg_basebackup -R` in a temporary directory, on free ports,
 * run as the `postgres` user (when the tests run as root), with the repository's migrations
 * applied on the primary. The machine's own PostgreSQL and its configuration are not touched.
 * `stop()` ends both servers (`pg_ctl stop -m immediate`) and removes the directory, also after
 * a failed start.
 */
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { prepareDatabase } from '@scheduler/entities';
import { pollUntil } from './time';

/** Polls until `probe` is true; throws naming `what` after `timeoutMs`. */
async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, intervalMs: number): Promise<void> {
  if (!(await pollUntil(probe, (done) => done, timeoutMs, intervalMs))) throw new Error(`pg-replica: ${what} within ${timeoutMs} ms`);
}

const DATABASE = 'scheduler';

/** The directory of the PostgreSQL server programs (`initdb` on PATH, followed to its real place). */
function serverBinDir(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const initdb = path.join(dir, 'initdb');
    if (dir && existsSync(initdb)) return path.dirname(realpathSync(initdb));
  }
  for (const dir of ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin']) {
    if (existsSync(path.join(dir, 'initdb'))) return dir;
  }
  throw new Error('pg-replica: no initdb on PATH (install the PostgreSQL server package)');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function postgresUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const run = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: run('-u'), gid: run('-g') };
}

export interface PgReplicaPair {
  /** `postgres://postgres@127.0.0.1:<port>/scheduler`, migrated. */
  primaryUrl: string;
  replicaUrl: string;
  /** Runs SQL on the primary or the replica (a short-lived connection). */
  query<T = Record<string, unknown>>(on: 'primary' | 'replica', sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * `pg_wal_replay_pause()` on the replica, right after it has replayed a fresh commit (in the
   * `postgres` database): its replay lag then starts from about 0 and grows with the wait.
   */
  pauseReplay(): Promise<void>;
  /** `pg_wal_replay_resume()` on the replica. */
  resumeReplay(): Promise<void>;
  /**
   * Waits until the replica has replayed everything the primary has committed so far (commits are
   * synchronous here, so the primary's write position is past every one of them).
   */
  waitForReplay(timeoutMs?: number): Promise<void>;
  /** Stops the replica (`-m fast`) and starts it again on the same port. */
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  /** Both servers stopped, the directory removed. */
  stop(): Promise<void>;
}

export async function startPgReplicaPair(): Promise<PgReplicaPair> {
  const bin = serverBinDir();
  const owner = postgresUser();
  const root = mkdtempSync(path.join(os.tmpdir(), 'pg-replica-'));
  const primaryDir = path.join(root, 'primary');
  const replicaDir = path.join(root, 'replica');
  const socketDir = path.join(root, 'sock');
  mkdirSync(socketDir);
  if (owner) {
    chownSync(root, owner.uid, owner.gid);
    chownSync(socketDir, owner.uid, owner.gid);
  }

  const run = (program: string, args: string[], timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const [file, argv] = owner
        ? ['runuser', ['-u', 'postgres', '--', path.join(bin, program), ...args]]
        : [path.join(bin, program), args];
      execFile(file, argv, { timeout: timeoutMs, cwd: root }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${program} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const serverOptions = (port: number) => `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1`;
  const startServer = (dir: string, port: number) =>
    run('pg_ctl', ['-D', dir, '-o', serverOptions(port), '-l', path.join(root, `${path.basename(dir)}.log`), '-w', '-t', '60', 'start']);
  const stopServer = (dir: string, mode: 'fast' | 'immediate') => run('pg_ctl', ['-D', dir, '-m', mode, '-w', 'stop']);
  const url = (port: number, database = DATABASE) => `postgres://postgres@127.0.0.1:${port}/${database}`;

  const queryAt = async <T>(port: number, database: string, sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: url(port, database), connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const query = <T>(on: 'primary' | 'replica', sql: string, params: unknown[] = []): Promise<T[]> =>
    queryAt<T>(on === 'primary' ? primaryPort : replicaPort, DATABASE, sql, params);

  const stop = async () => {
    await Promise.allSettled([stopServer(replicaDir, 'immediate'), stopServer(primaryDir, 'immediate')]);
    rmSync(root, { recursive: true, force: true });
  };

  try {
    // Trust for local and replication connections (initdb's own pg_hba.conf with -A trust).
    await run('initdb', ['-D', primaryDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    appendFileSync(
      path.join(primaryDir, 'postgresql.conf'),
      [
        '',
        '# pg-replica test pair',
        'fsync = off',

        'full_page_writes = off',
        'wal_level = replica',
        'max_wal_senders = 5',
        'hot_standby = on',
        'wal_receiver_status_interval = 1s',
        'max_connections = 50',
        '',
      ].join('\n'),
    );
    await startServer(primaryDir, primaryPort);
    await run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream']);
    await startServer(replicaDir, replicaPort);
    await waitFor(
      'the replica streams',
      async () => {
        const rows = await queryAt<{ n: number }>(
          primaryPort,
          'postgres',
          "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'",
        );
        return rows[0].n > 0;
      },
      30_000,
      200,
    );
    await queryAt(primaryPort, 'postgres', 'CREATE TABLE replay_ticks (at timestamptz NOT NULL DEFAULT now())');
    await prepareDatabase(url(primaryPort));
  } catch (error) {
    await stop();
    throw error;
  }

  const pair: PgReplicaPair = {
    primaryUrl: url(primaryPort),
    replicaUrl: url(replicaPort),
    query,
    pauseReplay: async () => {
      await queryAt(primaryPort, 'postgres', 'INSERT INTO replay_ticks DEFAULT VALUES');
      await pair.waitForReplay();
      await query('replica', 'SELECT pg_wal_replay_pause()');
    },
    resumeReplay: async () => {
      await query('replica', 'SELECT pg_wal_replay_resume()');
    },
    waitForReplay: async (timeoutMs = 30_000) => {
      const [{ lsn }] = await query<{ lsn: string }>('primary', 'SELECT pg_current_wal_lsn()::text AS lsn');
      await waitFor(
        'the replica replays the primary',
        async () => {
          const rows = await query<{ done: boolean }>('replica', 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn]).catch(
            () => [],
          );
          return rows[0]?.done === true;
        },
        timeoutMs,
        100,
      );
    },
    stopReplica: async () => {
      await stopServer(replicaDir, 'fast');
    },
    startReplica: async () => {
      await startServer(replicaDir, replicaPort);
    },
    stop,
  };
  await pair.waitForReplay();
  return pair;
}
