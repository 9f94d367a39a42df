// Reads one input. A runner sets INPUT_<NAME> for every input, defaults
// included, and an input set to '' stays '' (an empty flag input leaves
// that flag out). Only when nothing set the variable at all (a hand run,
// local-action) does action.yml's default apply.
import { INPUT_DEFAULTS } from './input-defaults'

export function readInput(
  name: string,
  env: NodeJS.ProcessEnv = process.env
): string {
  const variable = `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
  return (env[variable] ?? INPUT_DEFAULTS[name] ?? '').trim()
}
