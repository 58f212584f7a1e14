import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import type { RequestHandler } from 'express';
import jwt, { Algorithm } from 'jsonwebtoken';
import type { JwtConfig } from '@scheduler/config';
import { AppError } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who is calling (member, workspace, roles), set by `authenticate` from a valid token. */
    caller?: Caller;
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

/** Verifies a bearer token with the pinned algorithms; returns the caller or a reason. */
export function verifyToken(token: string, config: JwtConfig): { caller: Caller } | { failure: AuthFailure } {
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
    const caller = callerOf(payload, config);
    return typeof caller === 'string' ? { failure: caller } : { caller };
  } catch (error) {
    // A coarse reason only: the library's messages name the expected issuer and audience.
    if (error instanceof jwt.TokenExpiredError) return { failure: AUTH_FAILURES.expired };
    if (error instanceof jwt.NotBeforeError) return { failure: AUTH_FAILURES.notYetValid };
    return { failure: AUTH_FAILURES.invalid };
  }
}

/** What a minted token says besides its member: a team workspace, roles (absent: personal, every role). */
export interface TokenClaims {
  workspace?: string;
  roles?: readonly Role[];
}

export function signToken(userId: string, config: JwtConfig, ttlSeconds = 3600, claims: TokenClaims = {}): string {
  if (!config.secret) throw new Error('Tokens can only be minted with JWT_SECRET (HS256) configured');
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
  return (req, _res, next) => {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      req.authFailure = AUTH_FAILURES.missing;
    } else {
      const result = verifyToken(match[1], config);
      if ('caller' in result) req.caller = result.caller;
      else req.authFailure = result.failure;
    }
    next();
  };
}

export const requireUser: RequestHandler = (req, _res, next) => {
  if (!req.caller) {
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
