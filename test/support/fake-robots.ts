// Outside servers the alerts talk to, over real connections: a WeCom group robot and a DingTalk
// robot (one HTTP server, as their documentation describes them) and an SMTP sink (smtp-server).
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type RobotMessage = { robot: 'wecom' | 'dingtalk'; key: string; body: { msgtype: string; markdown?: { content?: string; title?: string; text?: string }; text?: { content: string } } };

export type FakeRobots = {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  base: string;
  wecomUrl(key: string): string;
  dingtalkUrl(token: string): string;
  /** Messages the robots accepted. */
  accepted: RobotMessage[];
  /** Requests refused (bad signature, stale timestamp, a failure asked for). */
  refused: string[];
  /** The next n requests to this robot key fail with HTTP 500. */
  failNext(key: string, n: number): void;
  close(): Promise<void>;
};

/**
 * WeCom: POST /cgi-bin/webhook/send?key=KEY, JSON {"msgtype":"text"|"markdown", …}, answer {"errcode":0,"errmsg":"ok"}.
 * DingTalk: POST /robot/send?access_token=T&timestamp=MS&sign=S where S = base64(HMAC-SHA256(secret,
 * "MS\nsecret")) and MS within an hour of the robot's clock (`now`), else errcode 310000.
 */
export async function startFakeRobots(opts: { dingtalkSecrets: Record<string, string>; now: () => Date }): Promise<FakeRobots> {
  const accepted: RobotMessage[] = [];
  const refused: string[] = [];
  const failures = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://robot');
      const answer = (status: number, errcode: number, errmsg: string) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ errcode, errmsg }));
      };
      const robot = url.pathname === '/cgi-bin/webhook/send' ? 'wecom' : url.pathname === '/robot/send' ? 'dingtalk' : null;
      const key = (robot === 'wecom' ? url.searchParams.get('key') : url.searchParams.get('access_token')) ?? '';
      if (req.method !== 'POST' || !robot) return answer(404, 404, 'not found');
      const failing = failures.get(key) ?? 0;
      if (failing > 0) {
        failures.set(key, failing - 1);
        refused.push(`${robot}:${key}:asked to fail`);
        return answer(500, -1, 'system busy');
      }
      if (robot === 'dingtalk') {
        const secret = opts.dingtalkSecrets[key] ?? '';
        const timestamp = url.searchParams.get('timestamp') ?? '';
        const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
        if (Math.abs(Number(timestamp) - opts.now().getTime()) > 3_600_000) {
          refused.push(`dingtalk:${key}:timestamp`);
          return answer(200, 310000, 'invalid timestamp');
        }
        if (url.searchParams.get('sign') !== expected) {
          refused.push(`dingtalk:${key}:sign`);
          return answer(200, 310000, 'sign not match');
        }
      }
      let body: RobotMessage['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answer(200, 40035, 'invalid json');
      }
      if (!['text', 'markdown'].includes(body.msgtype)) return answer(200, 40008, 'invalid message type');
      accepted.push({ robot, key, body });
      return answer(200, 0, 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    wecomUrl: (key) => `${base}/cgi-bin/webhook/send?key=${key}`,
    dingtalkUrl: (token) => `${base}/robot/send?access_token=${token}`,
    accepted,
    refused,
    failNext: (key, n) => void failures.set(key, n),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export type Mail = { from: string; to: string[]; subject: string; text: string };

// RFC 2047 encoded words in a header (=?UTF-8?B?…?= or =?UTF-8?Q?…?=).
function decodeHeader(value: string): string {
  return value.replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replaceAll('_', ' ')),
  );
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => `%${hex}`);
  return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
}

/** A one-part text message as nodemailer writes it: headers (folded lines joined), then the body in its transfer encoding. */
function parseMail(raw: string, envelope: { from: string; to: string[] }): Mail {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  const body = rest.join('\n\n');
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  const text = encoding === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : body;
  return { ...envelope, subject: decodeHeader(headers.get('subject') ?? ''), text: text.replace(/\r\n/g, '\n').trim() };
}

export type SmtpSink = { port: number; mails: Mail[]; close(): Promise<void> };

/** An SMTP server on this machine that keeps every message (plain SMTP, no authentication, no STARTTLS). */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        mails.push(parseMail(Buffer.concat(chunks).toString('utf8'), { from, to: session.envelope.rcptTo.map((r) => r.address) }));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
