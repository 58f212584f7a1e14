import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { isClusterConnection, type RedisClient } from '@scheduler/queue';
import type { RateLimitConfig } from '@scheduler/config';
import { problemFor } from './errors';
import { requireUser } from './auth';

/** How long the rate-limit store waits for a cluster's slot map before loading its scripts. */
const CLUSTER_READY_WAIT_MS = 5_000;

export type LimitKind = 'writes' | 'lists' | 'reads';

export type RateLimiters = Record<LimitKind, RequestHandler>;

/**
 * One limiter per kind of request, each counted in Redis so that every API instance shares
 * the budget. Keyed by the caller's workspace when authenticated (`w:<workspace id>`: the members
 * of a team share one budget, a personal token has its own `w:user:<sub>`), else by client address.
 */
export function createRateLimiters(redis: RedisClient, config: RateLimitConfig, prefix: string): RateLimiters {
  const make = (kind: LimitKind): RequestHandler =>
    rateLimit({
      windowMs: config.windowSeconds * 1000,
      limit: config[kind],
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      identifier: kind,
      keyGenerator: (req) => (req.caller ? `w:${req.caller.workspaceId}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`),
      store: new RedisStore({ prefix: `${prefix}${kind}:`, ...storeCommands(redis) }),
      handler: (_req, res) => {
        res
          .status(429)
          .type('application/problem+json')
          .send(JSON.stringify(problemFor('rate_limited', `Rate limit of ${config[kind]} ${kind} per ${config.windowSeconds}s exceeded`)));
      },
      // Redis unreachable: let the request through rather than fail every call.
      passOnStoreError: true,
    });
  return { writes: make('writes'), lists: make('lists'), reads: make('reads') };
}

/**
 * How the store talks to Redis. On a cluster a command goes to the node of its key, and the
 * store's `SCRIPT LOAD` (which has no key) to every master, so that the `EVALSHA` that follows
 * finds the script on whichever master holds the key (and the store's retry after a `NOSCRIPT`,
 * say on a replica promoted since, loads it again everywhere).
 */
function storeCommands(redis: RedisClient) {
  if (!isClusterConnection(redis)) {
    return { sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<never> };
  }
  return {
    sendCommandCluster: async ({ command }: { command: string[] }) => {
      const [name, ...args] = command;
      if (name.toUpperCase() !== 'SCRIPT') return redis.call(name, ...args) as Promise<never>;
      // The store loads its scripts as it is built, before the cluster has its slot map: wait
      // for it a little (a cluster still away leaves the load to the store's NOSCRIPT retry).
      if (redis.status !== 'ready') await Promise.race([once(redis, 'ready'), sleep(CLUSTER_READY_WAIT_MS)]);
      const masters = redis.nodes('master');
      if (masters.length === 0) return redis.call(name, ...args) as Promise<never>;
      const replies = await Promise.all(masters.map((node) => node.call(name, ...args)));
      return replies[0] as never;
    },
  };
}

/**
 * The middleware pair every `/api/v1` route starts with: its rate limit (keyed by workspace, or by
 * address for unauthenticated calls), then the 401 for a missing or bad token.
 */
export function guard(limits: RateLimiters, kind: LimitKind): RequestHandler[] {
  return [rememberRoute, limits[kind], requireUser];
}

/**
 * Notes the matched route template (`/api/v1/campaigns/:id`) while it is known: once an error
 * leaves the router, Express has already reset `req.baseUrl`.
 */
const rememberRoute: RequestHandler = (req, res, next) => {
  res.locals.route = routeTemplate(req);
  next();
};

export function routeTemplate(req: { baseUrl: string; route?: { path: string } }): string | undefined {
  if (req.route?.path === undefined) return undefined;
  return `${req.baseUrl}${req.route.path === '/' ? '' : req.route.path}` || '/';
}
