import { t, type Lang, type TextKey, type Vars } from '../i18n/index.js';
import type { BotDeps } from './deps.js';
import type { Button, Inbound, Reply } from './messages.js';
import type { Session } from './session.js';
import { choiceNumber } from './text.js';

/** One turn: what the resident sent, what the bot remembers, and the replies being built. */
export class Context {
  readonly replies: Reply[] = [];
  /** The text as typed, trimmed; '' for a button press without text. */
  readonly text: string;
  /** A pressed button's payload, or the payload of a shown button whose label was typed. */
  readonly payload: string | undefined;

  constructor(
    readonly inbound: Inbound,
    readonly session: Session,
    readonly deps: BotDeps,
  ) {
    this.text = (inbound.text ?? '').trim();
    const numbered = inbound.numberedChoices ? choiceNumber(this.text) : undefined;
    this.payload =
      inbound.payload ??
      (numbered ? session.buttons[numbered - 1]?.payload : undefined) ??
      session.buttons.find((b) => b.label.toLowerCase() === this.text.toLowerCase())?.payload;
  }

  get lang(): Lang {
    return this.session.lang;
  }

  t(key: TextKey, vars?: Vars): string {
    return t(this.lang, key, vars);
  }

  reply(text: string, buttons?: Button[]): void {
    this.replies.push(buttons?.length ? { text, buttons } : { text });
  }

  button(key: TextKey, payload: string, vars?: Vars): Button {
    return { label: this.t(key, vars), payload };
  }
}
