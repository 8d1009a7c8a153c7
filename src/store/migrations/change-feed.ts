/** The in-process side of Store.onRequestChanged: listeners called with a request id. */
export class ChangeFeed {
  readonly #listeners = new Set<(id: string) => void>()

  subscribe(listener: (id: string) => void): () => void {
    // Wrapped so the same function subscribed twice is called twice and unsubscribes once.
    const entry = (id: string): void => listener(id)
    this.#listeners.add(entry)
    return () => {
      this.#listeners.delete(entry)
    }
  }

  /** Calls every listener; one that throws neither stops the others nor fails the store call. */
  emit(id: string): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(id)
      } catch (error) {
        console.error(`warden store: a request-changed listener threw: ${String(error)}`)
      }
    }
  }

  get size(): number {
    return this.#listeners.size
  }

  clear(): void {
    this.#listeners.clear()
  }
}
