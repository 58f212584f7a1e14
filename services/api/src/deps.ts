import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import type { Config } from '@scheduler/config';
import type { ContentJobPayload, OccurrencePayload } from '@scheduler/queue';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Everything the API needs from outside; `main.ts` builds it, tests build their own. */
export interface AppDeps {
  config: Config;
  dataSource: DataSource;
  /** Redis client for rate limits (and anything else the API keeps in Redis). */
  redis: Redis;
  occurrenceQueue: Queue<OccurrencePayload>;
  contentQueue: Queue<ContentJobPayload>;
  logger: Logger;
  /** The current time; tests may pin it. */
  now: () => Date;
}

export function jsonLogger(level: string, service: string): Logger {
  const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  const min = level === 'silent' ? Infinity : order.indexOf(level);
  const write = (lvl: string, message: string, fields?: Record<string, unknown>) => {
    if (order.indexOf(lvl) < min) return;
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, service, msg: message, ...fields })}\n`);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
