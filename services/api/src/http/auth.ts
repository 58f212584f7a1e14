import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import type { RequestHandler } from 'express';
import jwt, { Algorithm } from 'jsonwebtoken';
import type { JwtConfig } from '@scheduler/config';
import { AppError } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    /** The authenticated user's id (`sub`), set by `authenticate`. */
    userId?: string;
    /** Why authentication failed, when it did. */
    authFailure?: string;
  }
}

const keyCache = new WeakMap<JwtConfig, { secret: KeyObject | null; publicKey: KeyObject | null }>();

/**
 * Key objects made once per configuration: handed a string, jsonwebtoken first tries (and
 * fails) to parse it as a public key on every request, a tenth of the API's CPU under load.
 */
function keysOf(config: JwtConfig) {
  let keys = keyCache.get(config);
  if (!keys) {
    keys = {
      secret: config.secret ? createSecretKey(Buffer.from(config.secret, 'utf8')) : null,
      publicKey: config.publicKey ? createPublicKey(config.publicKey) : null,
    };
    keyCache.set(config, keys);
  }
  return keys;
}

/** Longest user id (`sub`) accepted. */
export const MAX_SUBJECT_LENGTH = 255;

/** Verifies a bearer token with the pinned algorithms; returns the user id or a reason. */
export function verifyToken(token: string, config: JwtConfig): { userId: string } | { failure: string } {
  const hmac = config.algorithms.filter((a) => a === 'HS256');
  const asymmetric = config.algorithms.filter((a) => a !== 'HS256');
  let header: { alg?: string } | undefined;
  try {
    header = jwt.decode(token, { complete: true })?.header;
  } catch {
    header = undefined;
  }
  if (!header || typeof header.alg !== 'string') return { failure: 'malformed token' };
  // Each algorithm family is checked only with its own key: no HS/RS confusion, no `none`.
  let key: KeyObject | null = null;
  let algorithms: Algorithm[] = [];
  if ((hmac as string[]).includes(header.alg) && config.secret) {
    key = keysOf(config).secret;
    algorithms = hmac;
  } else if ((asymmetric as string[]).includes(header.alg) && config.publicKey) {
    key = keysOf(config).publicKey;
    algorithms = asymmetric;
  }
  if (!key) return { failure: `algorithm ${header.alg} is not accepted` };
  try {
    const payload = jwt.verify(token, key, {
      algorithms,
      ...(config.issuer ? { issuer: config.issuer } : {}),
      ...(config.audience ? { audience: config.audience } : {}),
    });
    if (typeof payload === 'string' || typeof payload.sub !== 'string' || payload.sub.length === 0) {
      return { failure: 'token has no subject' };
    }
    if (payload.sub.length > MAX_SUBJECT_LENGTH) return { failure: 'token subject is too long' };
    return { userId: payload.sub };
  } catch (error) {
    // A coarse reason only: the library's messages name the expected issuer and audience.
    if (error instanceof jwt.TokenExpiredError) return { failure: 'token expired' };
    if (error instanceof jwt.NotBeforeError) return { failure: 'token not yet valid' };
    return { failure: 'invalid token' };
  }
}

export function signToken(userId: string, config: JwtConfig, ttlSeconds = 3600): string {
  if (!config.secret) throw new Error('Tokens can only be minted with JWT_SECRET (HS256) configured');
  return jwt.sign({}, config.secret, {
    algorithm: 'HS256',
    subject: userId,
    expiresIn: ttlSeconds,
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  });
}

/** Reads the bearer token if any; never rejects, so the rate limiter can key on the user. */
export function authenticate(config: JwtConfig): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      req.authFailure = 'missing bearer token';
    } else {
      const result = verifyToken(match[1], config);
      if ('userId' in result) req.userId = result.userId;
      else req.authFailure = result.failure;
    }
    next();
  };
}

export const requireUser: RequestHandler = (req, _res, next) => {
  if (!req.userId) {
    next(new AppError('unauthorized', `Authentication required: ${req.authFailure ?? 'invalid token'}`));
    return;
  }
  next();
};

/** The authenticated user's id; only call behind `requireUser`. */
export function userIdOf(req: { userId?: string }): string {
  if (!req.userId) throw new AppError('unauthorized', 'Authentication required');
  return req.userId;
}
