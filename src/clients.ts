// One factory for the AWS clients. Credentials and endpoint overrides come
// from the runner's environment (AWS_ENDPOINT_URL_<SERVICE> included), so
// the same build rehearses against a local emulator.
import { BatchClient } from '@aws-sdk/client-batch'
import { S3Client } from '@aws-sdk/client-s3'
import { SQSClient } from '@aws-sdk/client-sqs'
import { SSMClient } from '@aws-sdk/client-ssm'

export interface AwsClients {
  readonly ssm: SSMClient
  readonly batch: BatchClient
  readonly s3: S3Client
  readonly sqs: SQSClient
  destroy(): void
}

const USER_AGENT = 'animl-maintenance-gate'

export function createAwsClients(
  region: string,
  env: NodeJS.ProcessEnv = process.env
): AwsClients {
  const common = {
    region,
    customUserAgent: USER_AGENT,
    maxAttempts: 5,
    retryMode: 'adaptive',
    // A hung connection must not hold a deploy: fail, then retry.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 }
  }
  const s3Endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL
  const clients = {
    ssm: new SSMClient(common),
    batch: new BatchClient(common),
    // Emulators serve buckets by path, not by host name. Standard retries
    // for S3: adaptive mode's client-side limiter drops to 0.5 requests a
    // second after the first SlowDown of a burst and climbs back slowly
    // (measured: a 300-object drain at 30 % SlowDown moved 1 image in
    // 15 s); the drain already bounds its own concurrency and rate.
    s3: new S3Client({
      ...common,
      retryMode: 'standard',
      forcePathStyle: s3Endpoint !== undefined
    }),
    // Queue URLs from an emulator name hosts that may not resolve: send
    // every call to the configured endpoint instead.
    sqs: new SQSClient({ ...common, useQueueUrlAsEndpoint: false })
  }
  return {
    ...clients,
    destroy() {
      for (const client of Object.values(clients)) client.destroy()
    }
  }
}
