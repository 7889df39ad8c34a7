import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/*
 * Test support: a real SMTP server on loopback (smtp-server, a development dependency) that keeps what it receives
 * and decodes just enough MIME to read what nodemailer writes. Only tests import this file.
 */

/** One message as the test server received and decoded it. */
export interface ReceivedMail {
  /** The SMTP envelope (MAIL FROM / RCPT TO), which is where the mail really goes. */
  envelope: { from: string; to: string[] };
  /** Header names in lower case, values unfolded and with encoded words decoded. */
  headers: Map<string, string>;
  subject: string;
  messageId: string;
  text: string;
  html: string | undefined;
  /** The user the client authenticated as, if it did. */
  user: string | undefined;
  raw: string;
}

/** A running test SMTP server. */
export interface TestSmtpServer {
  readonly port: number;
  /** `smtp://[user:password@]127.0.0.1:port`, ready for `YIWANG_SMTP_URL`. */
  readonly url: string;
  readonly messages: readonly ReceivedMail[];
  /** Answers the next `count` messages with `451 4.3.0 Temporary failure` (the client should retry later). */
  failNext(count?: number): void;
  /** Resolves with the first message (already received or still to come) that matches. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

function qpBytes(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      out.push(text.charCodeAt(i));
    }
  }
  return Buffer.from(out);
}

const ENCODED_WORD = /=\?[^?]+\?([BbQq])\?([^?]*)\?=/g;

/** RFC 2047 encoded words (UTF-8, as nodemailer writes them); a run of adjacent words is decoded as one. */
function decodeWords(value: string): string {
  return value.replace(/(?:=\?[^?]+\?[BbQq]\?[^?]*\?=\s*)+/g, (run) => {
    const trailing = /\s*$/.exec(run)?.[0] ?? '';
    const bytes = [...run.matchAll(ENCODED_WORD)].map(([, encoding, data = '']) =>
      encoding?.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : qpBytes(data.replace(/_/g, ' ')),
    );
    return Buffer.concat(bytes).toString('utf8') + trailing;
  });
}

interface MimePart {
  headers: Map<string, string>;
  text: string | undefined;
  html: string | undefined;
}

function parsePart(raw: string): MimePart {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  const type = (headers.get('content-type') ?? 'text/plain').toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(headers.get('content-type') ?? '')?.[1] ?? '';
    const parts = body
      .split(`--${boundary}`)
      .slice(1)
      .filter((part) => !part.startsWith('--'))
      .map((part) => parsePart(part.replace(/^\r\n/, '')));
    return {
      headers,
      text: parts.find((p) => p.text !== undefined)?.text,
      html: parts.find((p) => p.html !== undefined)?.html,
    };
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const decoded =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? qpBytes(body.replace(/=\r\n/g, '')).toString('utf8')
        : body;
  // The SMTP transfer ends the body with a line break of its own.
  const content = decoded.replace(/\r\n$/, '').replace(/\r\n/g, '\n');
  return type.startsWith('text/html')
    ? { headers, text: undefined, html: content }
    : { headers, text: content, html: undefined };
}

/**
 * Starts an SMTP server on 127.0.0.1 and a free port. Without `auth` any client may send; with it, only that user
 * (over plain text, as a loopback test allows). STARTTLS is off: the built-in certificate is public and pointless.
 */
export async function startTestSmtpServer(
  options: { auth?: { user: string; password: string } } = {},
): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const waiters: { match: (mail: ReceivedMail) => boolean; resolve: (mail: ReceivedMail) => void }[] = [];
  let failures = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      const ok =
        options.auth && auth.username === options.auth.user && auth.password === options.auth.password;
      if (ok) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (failures > 0) {
          failures--;
          const error = Object.assign(new Error('Temporary failure, try again later'), { responseCode: 451 });
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const part = parsePart(raw);
        const mail: ReceivedMail = {
          envelope: {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          headers: part.headers,
          subject: part.headers.get('subject') ?? '',
          messageId: part.headers.get('message-id') ?? '',
          text: part.text ?? '',
          html: part.html,
          user: typeof session.user === 'string' ? session.user : undefined,
          raw,
        };
        messages.push(mail);
        for (const waiter of [...waiters]) {
          if (waiter.match(mail)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(mail);
          }
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  const credentials = options.auth
    ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.password)}@`
    : '';
  return {
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    messages,
    failNext(count = 1) {
      failures = count;
    },
    waitFor(match, timeoutMs = 15_000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (mail: ReceivedMail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`No matching mail within ${timeoutMs} ms (received ${messages.length}).`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
