// The drain of the parking lot; see drain.ts.
export { drainParkingLot, type DrainClock } from './drain'
export { decide } from './decide'
export { emptyDrain, heldTotal } from './spool'
export {
  reportDrain,
  writeJsonStreaming,
  type ReportDrain
} from './report-json'
export type * from './types'
