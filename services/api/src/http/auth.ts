import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import type { RequestHandler } from 'express';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import jwt from 'jsonwebtoken';
import type { JwtConfig } from '@scheduler/config';
import { AppError, DependencyUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who is calling (member, workspace, roles), set by `authenticate` from a valid token. */
    caller?: Caller;
    /** Why authentication failed, when it did. */
    authFailure?: string;
  }
}

/**
 * How long a fetched key set (`JWT_JWKS_URL`) is used before it is fetched again, whatever the
 * tokens say: a key the provider withdrew is refused at the latest this long after.
 */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/** A token naming a `kid` the key set lacks fetches the set again at most once in this time. */
export const JWKS_COOLDOWN_MS = 60_000;
/** How long one fetch of the key set may take. */
export const JWKS_TIMEOUT_MS = 5_000;
/**
 * After a failed fetch the set is not asked again for this long (the `Retry-After` of the 503):
 * a provider that is down is not hammered once per request, and requests do not each wait for it.
 */
export const JWKS_RETRY_AFTER_MS = UNAVAILABLE_RETRY_AFTER_SECONDS * 1000;

/** The key set could not be fetched or read (provider down, not 200, not a JWKS, timeout). */
class KeySetUnavailable extends Error {}

/**
 * The provider's signing keys: jose's remote JWKS (cached `JWKS_CACHE_MAX_AGE_MS`, fetched again
 * on an unknown `kid` at most once per `JWKS_COOLDOWN_MS`), plus a pause of `JWKS_RETRY_AFTER_MS`
 * after a failed fetch, in which only the keys of a still-fresh set are used and nothing is fetched.
 */
class ProviderKeys {
  private readonly remote: ReturnType<typeof createRemoteJWKSet>;
  private failedAt: number | null = null;
  private fallback: { jwks: JSONWebKeySet; getKey: JWTVerifyGetKey } | null = null;

  constructor(url: string) {
    this.remote = createRemoteJWKSet(new URL(url), {
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      cooldownDuration: JWKS_COOLDOWN_MS,
      timeoutDuration: JWKS_TIMEOUT_MS,
    });
  }

  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (this.failedAt !== null && Date.now() - this.failedAt < JWKS_RETRY_AFTER_MS) return this.withoutFetching(header, token);
    try {
      const key = await this.remote(header, token);
      this.failedAt = null;
      return key;
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
        this.failedAt = null;
        throw error;
      }
      this.failedAt = Date.now();
      throw new KeySetUnavailable('key set unavailable', { cause: error });
    }
  };

  private withoutFetching: JWTVerifyGetKey = async (header, token) => {
    const jwks = this.remote.fresh ? this.remote.jwks() : undefined;
    if (!jwks) throw new KeySetUnavailable('key set unavailable');
    if (this.fallback?.jwks !== jwks) this.fallback = { jwks, getKey: createLocalJWKSet(jwks) };
    try {
      return await this.fallback.getKey(header, token);
    } catch (error) {
      // A kid the cached set lacks may be a new key the provider could not be asked about.
      if (error instanceof joseErrors.JWKSNoMatchingKey) throw new KeySetUnavailable('key set unavailable', { cause: error });
      throw error;
    }
  };
}

interface Keys {
  secret: KeyObject | null;
  publicKey: KeyObject | null;
  provider: ProviderKeys | null;
}

const keyCache = new WeakMap<JwtConfig, Keys>();

/**
 * Key objects made once per configuration (parsing a PEM or a secret on every request costs a
 * tenth of the API's CPU under load), and one key set per configuration (its cache and cooldown).
 */
function keysOf(config: JwtConfig): Keys {
  let keys = keyCache.get(config);
  if (!keys) {
    keys = {
      secret: config.secret ? createSecretKey(Buffer.from(config.secret, 'utf8')) : null,
      publicKey: config.publicKey ? createPublicKey(config.publicKey) : null,
      provider: config.jwks ? new ProviderKeys(config.jwks.url) : null,
    };
    keyCache.set(config, keys);
  }
  return keys;
}

/** Longest user id (`sub`) and workspace id accepted. */
export const MAX_SUBJECT_LENGTH = 255;

/**
 * The roles a token can carry (its `roles` claim, `JWT_ROLES_CLAIM`): a `viewer` only reads, an
 * `editor` changes everything but approves nothing, an `approver` reads and approves or rejects
 * Jobs, an `admin` does all. A token without the claim has every role (personal use); names
 * the service does not know (a provider's `offline_access`) are ignored.
 */
export const ROLES = ['viewer', 'editor', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What an operation needs, declared beside each route (`access` in `route.ts`): `read` any role,
 * `write` an editor or admin, `approve` an approver or admin. The one authorization check.
 */
export type Access = 'read' | 'write' | 'approve';
export const ROLES_FOR: Record<Access, readonly Role[]> = {
  read: ROLES,
  write: ['editor', 'admin'],
  approve: ['approver', 'admin'],
};

/**
 * The authenticated caller, resolved once per request from the token; nothing else reads it.
 * `workspaceId` is the tenancy key every query is scoped by: `team:<claim>` for a token with a
 * workspace claim, `user:<sub>` (the personal workspace) without one, so a team named like a user
 * never meets that user's personal data. `userId` is the member (`sub`): who created or changed.
 */
export interface Caller {
  userId: string;
  workspaceId: string;
  roles: readonly Role[];
  /** The request's id (`X-Request-Id`, as logged): the audit log's `request_id`. */
  requestId?: string;
}

/** The personal workspace of a member: where a token without a workspace claim works. */
export function personalWorkspace(userId: string): string {
  return `user:${userId}`;
}

/** The workspace key of a team workspace claim. */
export function teamWorkspace(claim: string): string {
  return `team:${claim}`;
}

/** Whether the caller's roles allow an operation of that access. */
export function allows(caller: Pick<Caller, 'roles'>, access: Access): boolean {
  return caller.roles.some((role) => ROLES_FOR[access].includes(role));
}

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
  workspaceInvalid: 'token workspace claim is not valid text',
  rolesInvalid: 'token roles claim is not a list of role names',
  /** The key set (`JWT_JWKS_URL`), fetched again if the cooldown allows, has no key of the token's `kid` and `alg`. */
  unknownKey: 'unknown signing key',
  /** The key set cannot be fetched: answered 503 with `Retry-After`, not 401 (the token may be fine). */
  keySetUnavailable: 'key set unavailable',
} as const;
export type AuthFailure = (typeof AUTH_FAILURES)[keyof typeof AUTH_FAILURES];

/** NUL and the other control characters, which no user id holds (and PostgreSQL cannot store NUL). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Text PostgreSQL can store: no control characters, no unpaired UTF-16 surrogate (lost in UTF-8). */
const isStorableText = (text: string): boolean => !CONTROL_CHARACTERS.test(text) && Buffer.from(text, 'utf8').toString('utf8') === text;

/** A claim by its configured name: a top-level claim of exactly that name, else a dotted path. */
export function claimOf(payload: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  if (!name.includes('.')) return undefined;
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The caller a verified token names: its member (`sub`), its workspace (the workspace claim, else
 * the personal one) and its roles (the roles claim: a list of names, or one string of names
 * separated by spaces or commas; absent = every role).
 */
export function callerOf(payload: Record<string, unknown>, config: Pick<JwtConfig, 'workspaceClaim' | 'rolesClaim'>): Caller | AuthFailure {
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0) return AUTH_FAILURES.noSubject;
  if (sub.length > MAX_SUBJECT_LENGTH) return AUTH_FAILURES.subjectTooLong;
  if (!isStorableText(sub)) return AUTH_FAILURES.subjectNotText;
  let workspaceId = personalWorkspace(sub);
  const workspace = claimOf(payload, config.workspaceClaim);
  if (workspace !== undefined && workspace !== null) {
    const text = typeof workspace === 'number' && Number.isSafeInteger(workspace) ? String(workspace) : workspace;
    if (typeof text !== 'string' || text.length === 0 || text.length > MAX_SUBJECT_LENGTH || !isStorableText(text)) {
      return AUTH_FAILURES.workspaceInvalid;
    }
    workspaceId = teamWorkspace(text);
  }
  let roles: readonly Role[] = ROLES;
  const claimed = claimOf(payload, config.rolesClaim);
  if (claimed !== undefined && claimed !== null) {
    const names = typeof claimed === 'string' ? claimed.split(/[\s,]+/) : claimed;
    if (!Array.isArray(names) || names.some((name) => typeof name !== 'string')) return AUTH_FAILURES.rolesInvalid;
    roles = ROLES.filter((role) => (names as string[]).includes(role));
  }
  return { userId: sub, workspaceId, roles };
}

/** The key and the pinned algorithms a token of that `alg` is checked with, or null when none is configured. */
function keyFor(alg: string, config: JwtConfig): { key: KeyObject | JWTVerifyGetKey; algorithms: string[] } | null {
  const keys = keysOf(config);
  // Each algorithm family is checked only with its own key: no HS/RS confusion, no `none`.
  if (alg === 'HS256' && config.algorithms.includes('HS256') && keys.secret) return { key: keys.secret, algorithms: ['HS256'] };
  if (config.jwks && keys.provider && (config.jwks.algorithms as string[]).includes(alg)) {
    return { key: keys.provider.getKey, algorithms: config.jwks.algorithms };
  }
  const asymmetric = config.algorithms.filter((a) => a !== 'HS256');
  if (keys.publicKey && (asymmetric as string[]).includes(alg)) return { key: keys.publicKey, algorithms: asymmetric };
  return null;
}

/**
 * Verifies a bearer token with the pinned algorithms (jose, one path for the secret, the PEM
 * public key and the provider's key set); returns the caller or a reason.
 */
export async function verifyToken(token: string, config: JwtConfig): Promise<{ caller: Caller } | { failure: AuthFailure }> {
  let header: { alg?: unknown };
  try {
    if (token.split('.').length !== 3) return { failure: AUTH_FAILURES.malformed };
    header = decodeProtectedHeader(token);
  } catch {
    return { failure: AUTH_FAILURES.malformed };
  }
  if (typeof header.alg !== 'string') return { failure: AUTH_FAILURES.malformed };
  const source = keyFor(header.alg, config);
  if (!source) return { failure: AUTH_FAILURES.algorithm };
  try {
    const options = {
      algorithms: source.algorithms,
      ...(config.issuer ? { issuer: config.issuer } : {}),
      ...(config.audience ? { audience: config.audience } : {}),
    };
    const { payload } =
      source.key instanceof KeyObject ? await jwtVerify(token, source.key, options) : await jwtVerify(token, source.key, options);
    if (config.requireExp && payload.exp === undefined) return { failure: AUTH_FAILURES.noExpiry };
    const caller = callerOf(payload, config);
    return typeof caller === 'string' ? { failure: caller } : { caller };
  } catch (error) {
    // A coarse reason only: the library's messages name the expected issuer and audience.
    if (error instanceof joseErrors.JWTExpired) return { failure: AUTH_FAILURES.expired };
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf' && error.reason === 'check_failed') {
      return { failure: AUTH_FAILURES.notYetValid };
    }
    if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
      return { failure: AUTH_FAILURES.unknownKey };
    }
    if (error instanceof KeySetUnavailable) return { failure: AUTH_FAILURES.keySetUnavailable };
    return { failure: AUTH_FAILURES.invalid };
  }
}

/** What a minted token says besides its member: a team workspace, roles (absent: personal, every role). */
export interface TokenClaims {
  workspace?: string;
  roles?: readonly Role[];
}

export function signToken(userId: string, config: JwtConfig, ttlSeconds = 3600, claims: TokenClaims = {}): string {
  if (!config.secret) {
    throw new Error(
      'Tokens can only be minted with JWT_SECRET (HS256) configured; with only JWT_PUBLIC_KEY or JWT_JWKS_URL, ' +
        'tokens come from your identity provider (or set JWT_SECRET beside it)',
    );
  }
  const payload: Record<string, unknown> = {};
  if (claims.workspace !== undefined) payload[config.workspaceClaim] = claims.workspace;
  if (claims.roles !== undefined) payload[config.rolesClaim] = [...claims.roles];
  return jwt.sign(payload, config.secret, {
    algorithm: 'HS256',
    subject: userId,
    expiresIn: ttlSeconds,
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  });
}

/** Reads the bearer token if any; never rejects, so the rate limiter can key on the user. */
export function authenticate(config: JwtConfig): RequestHandler {
  return async (req, _res, next) => {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      req.authFailure = AUTH_FAILURES.missing;
    } else {
      const result = await verifyToken(match[1], config);
      if ('caller' in result) req.caller = { ...result.caller, requestId: typeof req.id === 'string' ? req.id : undefined };
      else req.authFailure = result.failure;
    }
    next();
  };
}

export const requireUser: RequestHandler = (req, _res, next) => {
  if (!req.caller) {
    if (req.authFailure === AUTH_FAILURES.keySetUnavailable) {
      // The token may well be valid: the identity provider's keys cannot be had right now.
      next(new DependencyUnavailable('jwks', `Authentication unavailable: ${AUTH_FAILURES.keySetUnavailable}`));
      return;
    }
    next(new AppError('unauthorized', `Authentication required: ${req.authFailure ?? AUTH_FAILURES.invalid}`));
    return;
  }
  next();
};

/** The authenticated caller; only call behind `requireUser`. */
export function callerOfRequest(req: { caller?: Caller }): Caller {
  if (!req.caller) throw new AppError('unauthorized', 'Authentication required');
  return req.caller;
}
