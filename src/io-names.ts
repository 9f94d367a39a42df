// Every input and output the action declares, in one place. A test keeps
// this list and action.yml equal in both directions.
export const INPUTS = {
  mode: 'mode',
  stage: 'stage',
  region: 'region',
  frontendFlag: 'frontend-flag',
  apiFlag: 'api-flag',
  ingestionFlag: 'ingestion-flag',
  mongodbUri: 'mongodb-uri',
  parkingLotBucket: 'parking-lot-bucket',
  ingestionBucket: 'ingestion-bucket',
  batchJobQueue: 'batch-job-queue',
  staleAfter: 'stale-after',
  waitTimeout: 'wait-timeout',
  pollInterval: 'poll-interval',
  dryRun: 'dry-run',
  settleTime: 'settle-time',
  concurrency: 'concurrency',
  maxRate: 'max-rate',
  resumeTimeout: 'resume-timeout',
  timeout: 'timeout',
  maxMaintenance: 'max-maintenance',
  allowMixedStages: 'allow-mixed-stages',
  frontendProbe: 'frontend-probe',
  apiProbe: 'api-probe',
  ingestionProbe: 'ingestion-probe',
  probeTimeout: 'probe-timeout',
  statusObject: 'status-object',
  statusMessage: 'status-message',
  expectedEnd: 'expected-end',
  signOutUserPool: 'sign-out-user-pool',
  signOutRate: 'sign-out-rate',
  reportPath: 'report-path'
} as const

export const OUTPUTS = {
  verdict: 'verdict',
  blocking: 'blocking',
  report: 'report'
} as const

export const MODES = ['enter', 'check', 'exit'] as const
export type Mode = (typeof MODES)[number]
