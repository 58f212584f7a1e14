import http from 'node:http';
import https from 'node:https';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { checkWebhookTarget, type HostResolver, systemResolver } from '@scheduler/entities';

/** At most this much of a receiver's response body is read (the rest is dropped). */
export const RESPONSE_READ_LIMIT_BYTES = 64 * 1024;

/** What one attempt came to. */
export interface SendResult {
  /** The receiver's status; null when no response came. */
  statusCode: number | null;
  durationMs: number;
  /** Null for a 2xx. */
  error: string | null;
  /** True when the address was refused by the SSRF guard (no connection was made). */
  blocked: boolean;
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  resolve?: HostResolver;
}

/**
 * POSTs one signed body. The host is resolved here and every address checked (the SSRF guard of
 * `@scheduler/entities`); the socket connects to a checked address only (a `lookup` that answers
 * with it, so nothing resolves the name again behind the check). No redirect is followed: a 3xx
 * is a failure. `timeoutMs` bounds the whole attempt; at most `RESPONSE_READ_LIMIT_BYTES` of the
 * response are read.
 */
export async function sendWebhook(url: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<SendResult> {
  const started = Date.now();
  const target = new URL(url);
  const checked = await checkWebhookTarget(target, options.allowPrivateNetworks, options.resolve ?? systemResolver);
  if (checked.problem) return { statusCode: null, durationMs: Date.now() - started, error: `refused: ${checked.problem}`, blocked: true };
  const addresses: LookupAddress[] = checked.addresses;
  const lookup: LookupFunction = (_host, opts, callback) => {
    if (opts.all) (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ statusCode, durationMs: Date.now() - started, error, blocked: false });
    };
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'content-scheduler-webhooks/1',
        },
        lookup,
        agent: false,
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read >= RESPONSE_READ_LIMIT_BYTES) res.destroy();
        });
        const done = () => {
          const code = res.statusCode ?? null;
          if (code !== null && code >= 200 && code < 300) finish(code, null);
          else if (code !== null && code >= 300 && code < 400) finish(code, `redirect (${code}) not followed`);
          else finish(code, `receiver answered ${code}`);
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish(null, error.code ? `${error.code}: ${error.message}` : error.message));
    req.end(body);
  });
}
