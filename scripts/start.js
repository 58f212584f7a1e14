// `npm start`: creates the database if missing, migrates, then runs the API and one worker
// until Ctrl-C (or SIGTERM), which stops both. Their logs share this terminal.
const { spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { loadConfigOrExit } = require('../packages/config/dist');
const { prepareDatabase } = require('../packages/entities/dist');

/** Resolves the port a server got when listening on `port` (0: any free port), then frees it. */
function probe(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, () => {
      const got = server.address().port;
      server.close(() => resolve(got));
    });
  });
}

/**
 * The worker's health/metrics port for this run: the configured one (WORKER_PORT, default 9464)
 * when it is free, else any free port, with a warning. (A worker started on its own exits
 * instead, naming WORKER_PORT: in production health checks look for the configured port.)
 */
async function workerPort(configured) {
  if (configured === 0) return 0;
  try {
    return await probe(configured);
  } catch (error) {
    if (error.code !== 'EADDRINUSE') throw error;
    const free = await probe(0);
    console.warn(
      `WORKER_PORT ${configured} is in use: this run's worker serves health and metrics on port ${free} (set WORKER_PORT to choose another).`,
    );
    return free;
  }
}

async function main() {
  const config = loadConfigOrExit(process.env);
  const applied = await prepareDatabase(config.databaseUrl);
  if (applied.length) console.log(`Applied migrations: ${applied.join(', ')}`);
  const workerEnv = { ...process.env, WORKER_PORT: String(await workerPort(config.worker.port)) };

  const root = path.resolve(__dirname, '..');
  const children = [
    spawn(process.execPath, [path.join(root, 'services/api/dist/main.js')], { stdio: 'inherit' }),
    spawn(process.execPath, [path.join(root, 'services/worker/dist/main.js')], { stdio: 'inherit', env: workerEnv }),
  ];
  let exiting = false;
  let worst = 0;
  let alive = children.length;
  const stopAll = (signal) => {
    if (exiting) return;
    exiting = true;
    for (const child of children) if (child.exitCode === null) child.kill(signal);
  };
  for (const child of children) {
    child.on('exit', (code, signal) => {
      alive -= 1;
      if (code) worst = Math.max(worst, code);
      if (signal && !exiting) worst = Math.max(worst, 1);
      stopAll('SIGTERM'); // one stopped: stop the other too
      if (alive === 0) process.exit(worst);
    });
  }
  process.on('SIGINT', () => stopAll('SIGTERM'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
}

main().catch((error) => {
  console.error(`start failed: ${error.message || error}`);
  if (/ECONNREFUSED/.test(String(error))) {
    console.error('Is PostgreSQL running? Set DATABASE_URL (default postgres://postgres:postgres@127.0.0.1:5432/scheduler).');
  }
  process.exit(1);
});
