/**
 * Hand-made JWTs for the security tests: signed directly with node:crypto so that any header
 * and any claim (a numeric `sub`, `alg: none`, an HMAC keyed with a public key) can be built,
 * whatever a JWT library would refuse to produce.
 */
import { createHmac, createSign, KeyObject } from 'node:crypto';

const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export type Claims = Record<string, unknown>;

const now = (): number => Math.floor(Date.now() / 1000);

/** Claims valid for an hour, for `sub`, plus any extras (which may override). */
export function claims(sub: unknown, extra: Claims = {}): Claims {
  return { sub, iat: now(), exp: now() + 3600, ...extra };
}

/** An HMAC-SHA256 token keyed with any bytes or text (`alg` in the header is yours to set). */
export function hmacToken(payload: Claims, key: string | Buffer, header: Claims = { alg: 'HS256', typ: 'JWT' }, hash = 'sha256'): string {
  const data = `${part(header)}.${part(payload)}`;
  return `${data}.${createHmac(hash, key).update(data).digest('base64url')}`;
}

/** An RSASSA-PKCS1-v1_5 token (RS256 unless told otherwise). */
export function rsaToken(
  payload: Claims,
  privateKey: KeyObject,
  header: Claims = { alg: 'RS256', typ: 'JWT' },
  hash = 'RSA-SHA256',
): string {
  const data = `${part(header)}.${part(payload)}`;
  return `${data}.${createSign(hash).update(data).sign(privateKey).toString('base64url')}`;
}

/** An ES256 token (JOSE signature: raw r||s, 64 bytes). */
export function ecToken(payload: Claims, privateKey: KeyObject): string {
  const data = `${part({ alg: 'ES256', typ: 'JWT' })}.${part(payload)}`;
  const signature = createSign('SHA256').update(data).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${data}.${signature.toString('base64url')}`;
}

/** An unsigned token: `alg: none` (in the given spelling) and an empty or junk signature. */
export function unsignedToken(payload: Claims, alg = 'none', signature = ''): string {
  return `${part({ alg, typ: 'JWT' })}.${part(payload)}.${signature}`;
}
