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

/**
 * Every reason a 401 gives (`Authentication required: <reason>`), as docs/API.md lists them. The
 * library's own messages are never passed on: they name the expected issuer and audience.
 */
export const AUTH_FAILURES = {
  missing: 'missing bearer token',
  malformed: 'malformed token',
  algorithm: 'algorithm is not accepted',
  invalid: 'invalid token',
  expired: 'token expired',
  notYetValid: 'token not yet valid',
  noExpiry: 'token has no expiry',
  noSubject: 'token has no subject',
  subjectTooLong: 'token subject is too long',
  subjectNotText: 'token subject is not valid text',
} as const;
export type AuthFailure = (typeof AUTH_FAILURES)[keyof typeof AUTH_FAILURES];

/** NUL and the other control characters, which no user id holds (and PostgreSQL cannot store NUL). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Text PostgreSQL can store: no control characters, no unpaired UTF-16 surrogate (lost in UTF-8). */
const isStorableText = (text: string): boolean => !CONTROL_CHARACTERS.test(text) && Buffer.from(text, 'utf8').toString('utf8') === text;

/** Verifies a bearer token with the pinned algorithms; returns the user id or a reason. */
export function verifyToken(token: string, config: JwtConfig): { userId: string } | { failure: AuthFailure } {
  const hmac = config.algorithms.filter((a) => a === 'HS256');
  const asymmetric = config.algorithms.filter((a) => a !== 'HS256');
  let header: { alg?: string } | undefined;
  try {
    header = jwt.decode(token, { complete: true })?.header;
  } catch {
    header = undefined;
  }
  if (!header || typeof header.alg !== 'string') return { failure: AUTH_FAILURES.malformed };
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
  if (!key) return { failure: AUTH_FAILURES.algorithm };
  try {
    const payload = jwt.verify(token, key, {
      algorithms,
      ...(config.issuer ? { issuer: config.issuer } : {}),
      ...(config.audience ? { audience: config.audience } : {}),
    });
    if (typeof payload === 'string') return { failure: AUTH_FAILURES.invalid };
    if (config.requireExp && payload.exp === undefined) return { failure: AUTH_FAILURES.noExpiry };
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) return { failure: AUTH_FAILURES.noSubject };
    if (payload.sub.length > MAX_SUBJECT_LENGTH) return { failure: AUTH_FAILURES.subjectTooLong };
    if (!isStorableText(payload.sub)) return { failure: AUTH_FAILURES.subjectNotText };
    return { userId: payload.sub };
  } catch (error) {
    // A coarse reason only: the library's messages name the expected issuer and audience.
    if (error instanceof jwt.TokenExpiredError) return { failure: AUTH_FAILURES.expired };
    if (error instanceof jwt.NotBeforeError) return { failure: AUTH_FAILURES.notYetValid };
    return { failure: AUTH_FAILURES.invalid };
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
      req.authFailure = AUTH_FAILURES.missing;
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
    next(new AppError('unauthorized', `Authentication required: ${req.authFailure ?? AUTH_FAILURES.invalid}`));
    return;
  }
  next();
};

/** The authenticated user's id; only call behind `requireUser`. */
export function userIdOf(req: { userId?: string }): string {
  if (!req.userId) throw new AppError('unauthorized', 'Authentication required');
  return req.userId;
}
