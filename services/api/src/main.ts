import 'reflect-metadata';
import type { Server } from 'node:http';
import { loadConfigOrExit } from '@scheduler/config';
import { prepareDatabase } from '@scheduler/entities';
import { createLogger } from '@scheduler/telemetry';
import { createApp } from './app';
import { createDeps } from './deps';

/** In-flight requests get this long to finish after SIGTERM/SIGINT before the process exits. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Starts the API: config, database (created and migrated), Redis, queues, HTTP server. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createLogger(config.logLevel, 'api');
  if (config.jwt.usingDevelopmentSecret) {
    logger.warn('JWT_SECRET is not set: using the DEVELOPMENT secret. Never run like this in production.');
  }
  const start = async () => {
    await prepareDatabase(config.databaseUrl);
    const deps = await createDeps(config, { logger });
    const server: Server = await new Promise((resolve) => {
      const s = createApp(deps).listen(config.port, () => resolve(s));
    });
    const address = server.address();
    logger.info({ port: typeof address === 'object' && address ? address.port : config.port }, 'api listening');
    return { deps, server };
  };
  // Handlers go in before start-up, so a signal that arrives while starting still stops cleanly.
  const starting = start();
  logger.info('api starting'); // pid is a base field of every line

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      logger.error('in-flight requests did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    const { deps, server } = await starting;
    logger.info({ signal }, 'api stopping');
    // Stop accepting, let in-flight requests finish, drop idle keep-alive connections.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await deps.close();
    logger.info('api stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await starting;
}

main().catch((error) => {
  console.error(`api failed to start: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
