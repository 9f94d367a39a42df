// What needs a person's attention even when the verdict is pass: stalled
// and failed batches, images held because their batch's queue is gone, and
// objects that could not be moved. Raised as annotations, so they show on
// the run page, and counted at the top of the job summary.
import * as core from '@actions/core'
import { formatDuration } from './duration'
import type { Report, ReportBatch } from './report'

export type NoticeKind = 'stalled' | 'failed' | 'orphaned' | 'not-moved'

/** Every notice of one kind: a bounded sample of messages and the total. */
export interface NoticeGroup {
  readonly kind: NoticeKind
  readonly level: 'warning' | 'error'
  readonly title: string
  readonly total: number
  readonly messages: readonly string[]
}

/** Annotations of one kind past this many are folded into one count. */
export const MAX_PER_KIND = 10

const TITLE: Record<NoticeKind, string> = {
  stalled: 'Stalled batch',
  failed: 'Failed batch',
  orphaned: 'Images held, batch queue gone',
  'not-moved': 'Object not moved'
}

// Plural nouns for the "…and N more" line of each kind.
const MORE: Record<NoticeKind, string> = {
  stalled: 'stalled batches',
  failed: 'failed batches',
  orphaned: 'batches with held images',
  'not-moved': 'objects not moved'
}

/** The groups that have at least one notice, in a fixed order. */
export function notices(report: Report): NoticeGroup[] {
  const groups = [
    batchGroup(report.batches, 'stalled'),
    batchGroup(report.batches, 'failed'),
    ...drainGroups(report.drain)
  ]
  return groups.filter((group) => group.total > 0)
}

function group(
  kind: NoticeKind,
  level: NoticeGroup['level'],
  messages: string[],
  total = messages.length
): NoticeGroup {
  return { kind, level, title: TITLE[kind], total, messages }
}

function batchGroup(
  batches: readonly ReportBatch[],
  kind: 'stalled' | 'failed'
): NoticeGroup {
  const messages = batches
    .filter((batch) => batch.status === kind)
    .map((batch) => {
      const age =
        batch.ageSeconds === undefined
          ? ''
          : `, last step ${formatDuration(batch.ageSeconds * 1_000)} ago`
      const project = batch.projectId ? `project ${batch.projectId}, ` : ''
      return (
        `${batch.id} (${project}${batch.phase}${age}): ${batch.reason}. ` +
        'It does not block the deploy; look at it in Animl.'
      )
    })
  return group(kind, 'warning', messages)
}

// The drain report keeps counts and bounded samples: the totals come from
// the counts, the messages from the samples.
function drainGroups(drain: Report['drain']): NoticeGroup[] {
  if (!drain) return []
  const verb = drain.dryRun ? 'would stay' : 'stay'
  const orphaned = Object.entries(drain.orphanedBatches).map(
    ([id, count]) =>
      `${count} ${count === 1 ? 'image' : 'images'} of ${id} ${verb} in ` +
      'the parking lot: its SQS queue is gone, so inference would fail.'
  )
  const failed = drain.failed.map(
    (failure) =>
      `${failure.key}: ${failure.error}. It is still in the parking lot; ` +
      'run exit again.'
  )
  return [
    group('orphaned', 'warning', orphaned),
    group('not-moved', 'error', failed, drain.counts.failed)
  ]
}

/** Raises at most MAX_PER_KIND annotations of each kind, then a count. */
export function annotate(groups: readonly NoticeGroup[]): void {
  for (const { kind, level, title, total, messages } of groups) {
    for (const message of messages.slice(0, MAX_PER_KIND)) {
      core[level](message, { title })
    }
    const shown = Math.min(MAX_PER_KIND, messages.length)
    if (total > shown) {
      core[level](
        `…and ${total - shown} more ${MORE[kind]}: see the job summary and the JSON report.`,
        { title }
      )
    }
  }
}
