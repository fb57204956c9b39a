/**
 * What transactions learn that stays true once committed, remembered per database so later
 * transactions need not read it again: today a ledger account's id and kind (an account, once
 * created, is never changed or removed). A transaction's lessons are kept only once it commits, since
 * one that rolls back may have created what it learned. Bounded: past `capacity` the facts learned
 * longest ago are forgotten (and read again when needed).
 */
export class CommittedFacts {
  private readonly known = new Map<string, unknown>();

  constructor(readonly capacity = 100_000) {}

  get(key: string): unknown {
    return this.known.get(key);
  }

  /** Keeps what a committed transaction learned. */
  keep(lessons: ReadonlyMap<string, unknown>): void {
    for (const [key, value] of lessons) {
      this.known.delete(key);
      this.known.set(key, value);
    }
    for (const oldest of this.known.keys()) {
      if (this.known.size <= this.capacity) break;
      this.known.delete(oldest);
    }
  }

  get size(): number {
    return this.known.size;
  }
}
