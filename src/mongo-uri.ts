// A MongoDB URI the gate can use: the driver can parse it, and it names
// the database (without one the driver reads `test`, which holds no
// batches, and the check would pass when it should fail closed).
import { MongoClient } from 'mongodb'
import { errorMessage } from './errors'

const DATABASE = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^/?#]+)/

/** Why the URI cannot be used (never repeating it), or undefined. */
export function mongoUriProblem(uri: string): string | undefined {
  if (!/^mongodb(\+srv)?:\/\//.test(uri)) {
    return 'it is not a MongoDB connection string (mongodb://… or mongodb+srv://…)'
  }
  if (!DATABASE.test(uri)) return 'it names no database (…/animl)'
  try {
    // Parses only; nothing connects until connect().
    new MongoClient(uri, { serverSelectionTimeoutMS: 1 })
  } catch (error) {
    return `the driver cannot parse it (${errorMessage(error).replace(/\s+/g, ' ')})`
  }
  return undefined
}
