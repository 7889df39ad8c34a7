import http from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * Test support: a real HTTP server on loopback playing the SMS gateway (the shape of docs/operations.md: POST JSON
 * `{ id, to, text }` with `Authorization: Bearer <token>`). It keeps every request it receives and, like a
 * provider, "delivers" a message when it answers 2xx. Only tests import this file.
 */

/** One request as the test gateway received it. */
export interface GatewayRequest {
  method: string;
  path: string;
  /** Header names in lower case. */
  headers: http.IncomingHttpHeaders;
  /** The raw body, as UTF-8. */
  raw: string;
  /** The parsed JSON body, when it was JSON. */
  body: { id?: unknown; to?: unknown; text?: unknown } | undefined;
  /** The status the gateway answered. */
  status: number;
}

/** A message the gateway accepted (answered 2xx), i.e. one a phone would receive. */
export interface DeliveredSms {
  id: string;
  to: string;
  text: string;
}

/** A running test gateway. */
export interface TestSmsGateway {
  /** `http://127.0.0.1:<port>/v1/sms`, ready for `YIWANG_SMS_URL`. */
  readonly url: string;
  /** The token it accepts, ready for `YIWANG_SMS_TOKEN`. */
  readonly token: string;
  /** Every request, whatever the answer. */
  readonly requests: readonly GatewayRequest[];
  /** Every accepted message, in order. */
  readonly delivered: readonly DeliveredSms[];
  /** Answers the next `count` requests with `status` (e.g. 503 or 400) instead of accepting them. */
  failNext(count: number, status: number): void;
  /** Holds the answer of the next request until `release()` is called (to catch an attempt mid-flight). */
  holdNext(): { arrived: Promise<void>; release(): void };
  /** Resolves with the first accepted message (already delivered or still to come) that matches. */
  waitFor(match: (sms: DeliveredSms) => boolean, timeoutMs?: number): Promise<DeliveredSms>;
  close(): Promise<void>;
}

const PATH = '/v1/sms';

/** Starts the gateway on 127.0.0.1 and a free port. It refuses (401) any request without the right token. */
export async function startTestSmsGateway(options: { token?: string } = {}): Promise<TestSmsGateway> {
  const token = options.token ?? 'test-gateway-token-0123456789';
  const requests: GatewayRequest[] = [];
  const delivered: DeliveredSms[] = [];
  const waiters: { match: (sms: DeliveredSms) => boolean; resolve: (sms: DeliveredSms) => void }[] = [];
  const failures: number[] = [];
  let hold: { arrived: () => void; released: Promise<void> } | undefined;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: GatewayRequest['body'];
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const current = hold;
      hold = undefined;
      if (current) {
        current.arrived();
        await current.released;
      }
      let status = 200;
      if (req.method !== 'POST' || req.url !== PATH) status = 404;
      else if (req.headers.authorization !== `Bearer ${token}`) status = 401;
      else if (!req.headers['content-type']?.startsWith('application/json')) status = 415;
      else if (typeof body?.id !== 'string' || typeof body.to !== 'string' || typeof body.text !== 'string')
        status = 400;
      else if (failures.length > 0) status = failures.shift() as number;
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body,
        status,
      });
      if (status === 200 && body) {
        const sms = { id: String(body.id), to: String(body.to), text: String(body.text) };
        delivered.push(sms);
        for (const waiter of [...waiters]) {
          if (waiter.match(sms)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(sms);
          }
        }
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          status === 200 ? { accepted: true, id: body?.id } : { accepted: false, error: `status ${status}` },
        ),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${PATH}`,
    token,
    requests,
    delivered,
    failNext(count, status) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    holdNext() {
      let arrived!: () => void;
      let release!: () => void;
      const arrival = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      hold = { arrived, released };
      return { arrived: arrival, release };
    },
    waitFor(match, timeoutMs = 15_000) {
      const found = delivered.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (sms: DeliveredSms) => {
            clearTimeout(timer);
            resolve(sms);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(`No matching text message within ${timeoutMs} ms (delivered ${delivered.length}).`),
          );
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
