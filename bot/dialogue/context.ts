import type { Intent } from '../../nlp-models/index.js';
import { t, type Lang, type TextKey, type Vars } from '../../core/i18n/index.js';
import type { BotDeps } from './deps.js';
import type { Button, Inbound, Reply } from '../../core/messages.js';
import type { Session } from './session.js';
import { choiceNumber } from './text.js';

/** One turn: what the resident sent, what the bot remembers, and the replies being built. */
export class Context {
  readonly replies: Reply[] = [];
  /** The text as typed, trimmed; '' for a button press without text. */
  readonly text: string;
  /** A pressed button's payload, or the payload of a shown button whose label was typed. */
  readonly payload: string | undefined;
  /** What a short typed message means (cancel, help, yes…), when it is one of those. */
  readonly intent: Intent | undefined;

  constructor(
    readonly inbound: Inbound,
    readonly session: Session,
    readonly deps: BotDeps,
    /** The handoff holding the conversation while a member of staff talks to the resident. */
    readonly heldBy: string | null = null,
  ) {
    this.text = (inbound.text ?? '').trim();
    const numbered = inbound.numberedChoices ? choiceNumber(this.text) : undefined;
    this.payload =
      inbound.payload ??
      (numbered ? session.buttons[numbered - 1]?.payload : undefined) ??
      session.buttons.find((b) => b.label.toLowerCase() === this.text.toLowerCase())?.payload;
    this.intent = this.payload === undefined ? deps.nlu.recognizeIntent(this.text)?.intent : undefined;
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
