/**
 * At most `size` turns run at once in one process; the others wait in the order they came. Past a
 * few dozen, more turns at once add no throughput (the process has one thread), only a longer
 * wait for everything else it runs: each round trip of a delivery or an intake job waits behind
 * every turn in flight. With 500 residents at once that made a case number take seconds.
 */
export class TurnSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(turn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await turn();
    } finally {
      // The slot passes straight to the longest waiting turn.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
