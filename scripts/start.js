// `npm start`: creates the database if missing, migrates, then runs the API and one worker
// until Ctrl-C (or SIGTERM), which stops both. A child that dies is restarted with backoff (and
// the other keeps running). Their logs share this terminal.
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
  const supervisor = supervise([
    { name: 'api', args: [path.join(root, 'services/api/dist/main.js')], env: process.env },
    { name: 'worker', args: [path.join(root, 'services/worker/dist/main.js')], env: workerEnv },
  ]);
  printSignInLink(config);
  process.on('SIGINT', () => supervisor.stop('SIGINT'));
  process.on('SIGTERM', () => supervisor.stop('SIGTERM'));
}

/** The local user the development sign-in link is for. */
const LOCAL_USER = 'local-user';
/** How long that link's token is valid, in seconds (a working day). */
const SIGN_IN_TTL_SECONDS = 12 * 3600;

/**
 * In development (no JWT_SECRET: the configured secret is the development one) prints a ready
 * sign-in link to the web app, with a token for a local user (`npm run token`'s signing). With a
 * real secret or key it prints only the address: tokens come from the identity provider then.
 */
function printSignInLink(config) {
  // PORT=0 takes a free port, which only the API's `api listening` log line names.
  const address = config.port ? `http://localhost:${config.port}/app/` : 'http://localhost:<the port in "api listening">/app/';
  if (!config.jwt.usingDevelopmentSecret) {
    console.log(`Web app: ${address} (sign in with a token from your identity provider)`);
    return;
  }
  const { signToken } = require('../services/api/dist/http/auth');
  const token = signToken(LOCAL_USER, config.jwt, SIGN_IN_TTL_SECONDS, {});
  console.log(`Web app (development secret, user "${LOCAL_USER}", valid 12 h): ${address}?token=${token}`);
}

/** First restart delay of a crashed child; doubled on each crash in a row, up to the maximum. */
const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** A child that ran this long before it died starts again from the first delay. */
const STABLE_AFTER_MS = 30_000;

const say = (message) => console.error(`npm start: ${message}`);

/**
 * Runs each child and keeps it running: one that dies (a crash, kill -9, an exit of its own) is
 * started again after a delay that doubles with each crash in a row (1 s, 2 s, 4 s ... 30 s), and
 * the other one is left alone. Only `stop` (Ctrl-C or SIGTERM) ends them: SIGTERM to each, which
 * finish their work and exit; a second Ctrl-C kills them. Exits with the worst exit code seen
 * after the stop (0 when both stopped cleanly).
 */
function supervise(specs) {
  let stopping = false;
  let worst = 0;
  const states = specs.map((spec) => ({ spec, child: null, timer: null, crashes: 0, startedAt: 0 }));

  const finishIfDone = () => {
    if (stopping && states.every((s) => s.child === null && s.timer === null)) process.exit(worst);
  };

  const start = (state) => {
    state.timer = null;
    state.startedAt = Date.now();
    const child = spawn(process.execPath, state.spec.args, { stdio: 'inherit', env: state.spec.env });
    state.child = child;
    child.on('exit', (code, signal) => {
      state.child = null;
      if (stopping) {
        if (code) worst = Math.max(worst, code);
        if (signal && signal !== 'SIGTERM' && signal !== 'SIGINT') worst = Math.max(worst, 1);
        finishIfDone();
        return;
      }
      state.crashes = Date.now() - state.startedAt >= STABLE_AFTER_MS ? 1 : state.crashes + 1;
      const delay = Math.min(RESTART_DELAY_MS * 2 ** (state.crashes - 1), MAX_RESTART_DELAY_MS);
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      say(`${state.spec.name} (pid ${child.pid}) ${how}; restarting it in ${delay / 1000} s (crash ${state.crashes} in a row)`);
      state.timer = setTimeout(() => start(state), delay);
    });
  };

  for (const state of states) start(state);

  return {
    stop(signal) {
      if (stopping) {
        say(`${signal} again: killing what is still running`);
        for (const { child } of states) if (child) child.kill('SIGKILL');
        return;
      }
      stopping = true;
      say(`${signal}: stopping ${states.map((s) => s.spec.name).join(' and ')}`);
      for (const state of states) {
        if (state.timer) clearTimeout(state.timer);
        state.timer = null;
        if (state.child) state.child.kill('SIGTERM');
      }
      finishIfDone();
    },
  };
}

main().catch((error) => {
  console.error(`start failed: ${error.message || error}`);
  if (/ECONNREFUSED/.test(String(error))) {
    console.error('Is PostgreSQL running? Set DATABASE_URL (default postgres://postgres:postgres@127.0.0.1:5432/scheduler).');
  }
  process.exit(1);
});
