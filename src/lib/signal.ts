/**
 * Something that happened, for whoever listens: the composition root connects the pieces that must
 * react (the workers) after building them, so no object is patched after construction.
 */
export class Signal {
  readonly #listeners: Array<() => Promise<void> | void> = [];

  on(listener: () => Promise<void> | void): void {
    this.#listeners.push(listener);
  }

  /** Tells every listener, and resolves once all of them have finished. */
  async emit(): Promise<void> {
    await Promise.all(this.#listeners.map((l) => l()));
  }
}
