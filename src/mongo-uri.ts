// A MongoDB URI the gate can use: the driver can parse it, and it names
// the database (without one the driver reads `test`, which holds no
// batches, and the check would pass when it should fail closed).
//
// The driver is loaded only when a mode needs it: `exit` never does, and
// loading it costs about 30 MB of the drain's memory.
import { errorMessage } from './errors'

const SCHEME = /^mongodb(\+srv)?:\/\//
const DATABASE = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^/?#]+)/

/** What is wrong with the URI's shape (never repeating it), if anything. */
export function mongoUriShapeProblem(uri: string): string | undefined {
  if (!SCHEME.test(uri)) {
    return 'it is not a MongoDB connection string (mongodb://… or mongodb+srv://…)'
  }
  if (!DATABASE.test(uri)) return 'it names no database (…/animl)'
  return undefined
}

/** The shape, then whether the driver itself can parse it. */
export async function mongoUriProblem(
  uri: string
): Promise<string | undefined> {
  const shape = mongoUriShapeProblem(uri)
  if (shape) return shape
  const { MongoClient } = await import('mongodb')
  try {
    // Parses only; nothing connects until connect().
    new MongoClient(uri, { serverSelectionTimeoutMS: 1 })
  } catch (error) {
    return `the driver cannot parse it (${errorMessage(error).replace(/\s+/g, ' ')})`
  }
  return undefined
}
