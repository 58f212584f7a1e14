// `npm start`: creates the database if missing, migrates, then runs the API and one worker
// until Ctrl-C (or SIGTERM), which stops both. Their logs share this terminal.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { loadConfigOrExit } = require('../packages/config/dist');
const { prepareDatabase } = require('../packages/entities/dist');

async function main() {
  const config = loadConfigOrExit(process.env);
  const applied = await prepareDatabase(config.databaseUrl);
  if (applied.length) console.log(`Applied migrations: ${applied.join(', ')}`);

  const root = path.resolve(__dirname, '..');
  const children = [
    spawn(process.execPath, [path.join(root, 'services/api/dist/main.js')], { stdio: 'inherit' }),
    spawn(process.execPath, [path.join(root, 'services/worker/dist/main.js')], { stdio: 'inherit' }),
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
