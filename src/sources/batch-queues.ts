// Reads the depth of per-batch SQS queues, which exist only while a batch's
// stack does.
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist
} from '@aws-sdk/client-sqs'
import type { AwsClients } from '../clients'
import { reading } from '../errors'

export type QueueDepth =
  | { readonly exists: false }
  | {
      readonly exists: true
      readonly visible: number
      readonly inFlight: number
    }

export async function queueUrl(
  name: string,
  aws: AwsClients
): Promise<string | undefined> {
  return reading('sqs', `queue ${name}`, async () => {
    try {
      const answer = await aws.sqs.send(
        new GetQueueUrlCommand({ QueueName: name })
      )
      return answer.QueueUrl
    } catch (error) {
      if (isMissingQueue(error)) return undefined
      throw error
    }
  })
}

export async function readQueueDepth(
  name: string,
  aws: AwsClients
): Promise<QueueDepth> {
  const url = await queueUrl(name, aws)
  if (!url) return { exists: false }
  return reading('sqs', `depth of queue ${name}`, async () => {
    try {
      const answer = await aws.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible'
          ]
        })
      )
      const attributes = answer.Attributes ?? {}
      return {
        exists: true,
        visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
      }
    } catch (error) {
      // Torn down between the two calls.
      if (isMissingQueue(error)) return { exists: false }
      throw error
    }
  })
}

function isMissingQueue(error: unknown): boolean {
  if (error instanceof QueueDoesNotExist) return true
  const name = (error as { name?: string } | null)?.name ?? ''
  return (
    name === 'QueueDoesNotExist' ||
    name === 'AWS.SimpleQueueService.NonExistentQueue'
  )
}
