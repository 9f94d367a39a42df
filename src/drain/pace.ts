// Bounded concurrency and an optional rate cap for the copies: every
// moved image fires ingest-image, whose reserved concurrency is 100.

/** At most `limit` tasks at once; `start` waits for a free slot. */
export class Pool {
  private running = 0
  private readonly waiting: (() => void)[] = []
  private readonly idleWaiters: (() => void)[] = []

  constructor(private readonly limit: number) {}

  /** Waits for a free slot, starts the task, returns its completion. */
  async start(task: () => Promise<void>): Promise<{ done: Promise<void> }> {
    while (this.running >= this.limit) {
      await new Promise<void>((done) => this.waiting.push(done))
    }
    this.running++
    const done = task().finally(() => {
      this.running--
      this.waiting.shift()?.()
      if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w()
    })
    return { done }
  }

  get active(): number {
    return this.running
  }

  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve()
    return new Promise((done) => this.idleWaiters.push(done))
  }
}

/** Spaces calls at least 1/perSecond apart; 0 means no cap. */
export class Rate {
  private next = 0
  constructor(
    private readonly perSecond: number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly now: () => number = Date.now
  ) {}

  async take(): Promise<void> {
    if (this.perSecond <= 0) return
    const at = Math.max(this.now(), this.next)
    this.next = at + 1_000 / this.perSecond
    const wait = at - this.now()
    if (wait > 0) await this.sleep(wait)
  }
}
