// Errors the gate reports by name. A SourceError says which source could
// not be read, so the operator knows where to look; the gate then fails
// closed.

export class InputError extends Error {
  override name = 'InputError'
}

export type SourceName = 'ssm' | 'mongodb' | 'batch' | 'sqs' | 's3'

export class SourceError extends Error {
  override name = 'SourceError'
  constructor(
    readonly source: SourceName,
    readonly what: string,
    cause: unknown
  ) {
    super(`Could not read ${what} (${source}): ${errorMessage(cause)}`, {
      cause
    })
  }
}

/** A one-line message for anything thrown, Error or not. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    // Our own errors read as sentences; a library's name says what it was.
    const ours = error instanceof InputError || error instanceof SourceError
    const name =
      !ours && error.name && error.name !== 'Error' ? `${error.name}: ` : ''
    const text = error.message || String(error)
    return `${name}${text}`.split('\n')[0] ?? ''
  }
  return String(error)
}

/** Wraps a read so that any failure names its source. */
export async function reading<T>(
  source: SourceName,
  what: string,
  read: () => Promise<T>
): Promise<T> {
  try {
    return await read()
  } catch (error) {
    if (error instanceof SourceError) throw error
    throw new SourceError(source, what, error)
  }
}
