// Why the drain asks V8 for a small heap. Measured (docs/benchmark.md):
// the drain's live heap stays at ~25 MB whatever the lot's size, but
// under its allocation rate (an SDK request and a parsed answer per
// object) V8 sized for throughput: the young generation grew to its 32 MB
// semi-spaces and the old one to about 4 times its live size between full
// collections, so RSS reached 315 MB at 10,000 objects — garbage not yet
// collected, not retained objects.
//
// A runner starts `node dist/index.js` with no flags, and heap limits
// (--max-semi-space-size, --max-old-space-size) are fixed when V8 starts:
// set later they are ignored (measured: no effect). These two are GC
// heuristics V8 reads at each decision, so setting them at run time works
// on Node 24: the young generation stops growing, and the old one is
// collected once it is 30% over its live size. Node documents changing
// flags after start as undefined behaviour; should a later Node ignore
// them, only the RSS changes (the bench shows it), never what is moved.
import { setFlagsFromString } from 'node:v8'

let applied = false

export function preferSmallHeap(): void {
  if (applied) return
  applied = true
  setFlagsFromString('--semi-space-growth-factor=1')
  setFlagsFromString('--heap-growing-percent=30')
}

// At load, before the action has allocated much: set only when the drain
// starts, the young generation had already grown (measured at 10,000
// objects: 182 MB peak, against 154 MB when set at start).
preferSmallHeap()
