/** Simulated residents filing complete reports through the web chat API over real HTTP. */
import { randomBytes } from 'node:crypto';
import { hashToken } from '../../bot/channels/webchat/sessions.js';
import { sleep } from './services.js';

type Reply = { id?: string; text: string; buttons?: { label: string; payload: string }[] };

export type Tally = { requests: number; unavailable: number; refused: number; failures: string[]; restarts: number };

export class Resident {
  /** A name for the reports; the server knows the resident only by the token it issued. */
  readonly userId = `chaos_${randomBytes(5).toString('hex')}`;
  /** Reports the bot said it received (已收到您的留言): each must become exactly one case. */
  acknowledged = 0;
  private token: string | undefined;

  constructor(
    private readonly base: () => string,
    private readonly tally: Tally,
  ) {}

  /** The resident's session, opened once (asked again while the bot is down or answers 503). */
  private async headers(until: number): Promise<Record<string, string> | undefined> {
    while (!this.token && Date.now() < until) {
      this.tally.requests++;
      const res = await fetch(`${this.base()}/api/webchat/sessions`, { method: 'POST', signal: AbortSignal.timeout(15_000) }).catch(() => undefined);
      if (res?.status === 201) this.token = ((await res.json()) as { token: string }).token;
      else if (res && ![503, 429].includes(res.status)) this.tally.failures.push(`POST /api/webchat/sessions answered ${res.status}`);
      else await sleep(300);
    }
    return this.token ? { authorization: `Bearer ${this.token}` } : undefined;
  }

  /** How PostgreSQL knows the resident: the hash of the token it issued (undefined before one was issued). */
  get tokenHash(): string | undefined {
    return this.token && hashToken(this.token);
  }

  /** One message, sent again (same messageId) until it is answered: after a 503, or while the bot is down. */
  private async send(content: { text?: string; payload?: string }, until: number): Promise<Reply[] | undefined> {
    const who = await this.headers(until);
    if (!who) return undefined;
    const messageId = randomBytes(8).toString('hex');
    while (Date.now() < until) {
      this.tally.requests++;
      let res: Response;
      try {
        res = await fetch(`${this.base()}/api/webchat/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...who },
          body: JSON.stringify({ ...content, messageId }),
          signal: AbortSignal.timeout(15_000),
        });
      } catch {
        // The bot process is down or was killed mid-turn.
        this.tally.refused++;
        await sleep(300);
        continue;
      }
      const body = (await res.json().catch(() => ({}))) as { replies?: Reply[]; error?: string };
      if (res.status === 200) return body.replies ?? [];
      if (res.status === 503) {
        this.tally.unavailable++;
        const after = Number(res.headers.get('retry-after'));
        if (!(after > 0) || !body.error) this.tally.failures.push(`503 without retry-after or message: ${JSON.stringify(body)}`);
        await sleep(Math.min(after || 1, 2) * 500);
        continue;
      }
      if (res.status === 429) {
        await sleep(1000);
        continue;
      }
      this.tally.failures.push(`POST ${JSON.stringify(content)} answered ${res.status}: ${JSON.stringify(body)}`);
      return undefined;
    }
    return undefined;
  }

  /** Files reports one after another until `until`; a step answered unexpectedly (a lost draft) starts over. */
  async fileReports(until: number): Promise<void> {
    const n = () => 1 + Math.floor(Math.random() * 300);
    const steps: { content: () => { text?: string; payload?: string }; expect: RegExp }[] = [
      { content: () => ({ text: `城东区八一路${n()}号小区门口路面塌陷了一个星期没人管` }), expect: /类别|选择/ },
      { content: () => ({ payload: 'topic:城乡建设' }), expect: /手机号码/ },
      { content: () => ({ text: '13912345678' }), expect: /确认/ },
      { content: () => ({ payload: 'confirm' }), expect: /已收到您的留言/ },
    ];
    while (Date.now() < until) {
      let i = 0;
      for (; i < steps.length; i++) {
        const replies = await this.send(steps[i]!.content(), until);
        if (!replies) return;
        const text = replies.map((r) => `${r.text} ${(r.buttons ?? []).map((b) => b.label).join(' ')}`).join('\n');
        if (!steps[i]!.expect.test(text)) break;
      }
      if (i === steps.length) this.acknowledged++;
      if (i < steps.length) {
        this.tally.restarts++;
        if (!(await this.send({ text: '取消' }, until))) return;
      }
    }
  }

  /** Reads the resident's page from the start, as a reloaded page does; the status of the first answer that is not 200, else 200. */
  async readPage(): Promise<number> {
    const who = await this.headers(Date.now() + 15_000);
    if (!who) return 0;
    let cursor: string | undefined;
    for (;;) {
      const query = new URLSearchParams(cursor ? { after: cursor } : {});
      const res = await fetch(`${this.base()}/api/webchat/messages?${query}`, { headers: who });
      if (res.status !== 200) return res.status;
      const page = (await res.json()) as { messages: Reply[]; cursor: string };
      if (page.messages.length === 0 || page.cursor === cursor) return 200;
      cursor = page.cursor;
    }
  }
}

/** The case numbers a message announces as the resident's own (accepted, assigned, merged). */
export function announcedCases(text: string): string[] {
  return [...text.matchAll(/案件编号：(QH\d{10,})|（编号 (QH\d{10,})）/g)].map((m) => (m[1] ?? m[2])!);
}
