import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as Verifier } from 'standardwebhooks';

/** One request the receiver got, and whether its signature verified with `standardwebhooks`. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
  /** The verified body (`{id, type, timestamp, data}`); null when it did not verify. */
  event: { id: string; type: string; timestamp: string; data: Record<string, unknown> } | null;
  status: number;
  path: string;
}

/**
 * A real HTTP receiver on 127.0.0.1 that verifies each request with the `standardwebhooks`
 * package (not our code), with `secret`. `answers` are the status codes of the next requests
 * (then 200).
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  answers: number[] = [];
  secrets = new Map<string, string>();
  private server: Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const secret = this.secrets.get(req.url ?? '/') ?? '';
        let event: Received['event'];
        try {
          event = new Verifier(secret).verify(body, req.headers as Record<string, string>) as Received['event'];
        } catch {
          event = null;
        }
        const status = this.answers.shift() ?? 200;
        this.received.push({ headers: req.headers, body, verified: event !== null, event, status, path: req.url ?? '/' });
        if (status >= 300 && status < 400) res.setHeader('location', 'http://169.254.169.254/');
        res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const s = this.server;
    this.server = null;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** What arrived at a path (each test's webhook has its own). */
  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }
}
