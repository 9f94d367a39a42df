// Which parked objects go back, and which stay (and why).
import type { AwsClients } from '../clients'
import { batchIdOf, batchQueueName, isIngestible } from '../keys'
import { queueUrl } from '../sources/batch-queues'
import type { HoldReason, Parked } from './types'

export type Decision =
  { action: 'hold'; reason: HoldReason; batchId?: string } | { action: 'move' }

export async function decide(
  object: Pick<Parked, 'key' | 'size'>,
  queues: { exists(batchId: string): Promise<boolean> }
): Promise<Decision> {
  if (object.key.endsWith('/') && object.size === 0) {
    return { action: 'hold', reason: 'folder-marker' }
  }
  if (!isIngestible(object.key))
    return { action: 'hold', reason: 'unsupported' }
  const batchId = batchIdOf(object.key)
  if (batchId && !(await queues.exists(batchId))) {
    return { action: 'hold', reason: 'orphaned-batch', batchId }
  }
  return { action: 'move' }
}

/** Whether a batch's queue still exists, asked once per batch. */
export class QueueExistence {
  private readonly known = new Map<string, Promise<boolean>>()
  constructor(
    private readonly stage: string,
    private readonly aws: AwsClients
  ) {}

  exists(batchId: string): Promise<boolean> {
    let answer = this.known.get(batchId)
    if (!answer) {
      const name = batchQueueName(this.stage, batchId)
      answer = queueUrl(name, this.aws).then((url) => url !== undefined)
      this.known.set(batchId, answer)
    }
    return answer
  }
}
