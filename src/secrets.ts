// Masks a MongoDB URI and every form of its password before anything can
// print them: the runner only masks strings it has been told about.
import * as core from '@actions/core'

const USERINFO = /^mongodb(?:\+srv)?:\/\/([^@/]*)@/

export function secretForms(uri: string): string[] {
  const forms = new Set<string>([uri])
  const userinfo = USERINFO.exec(uri)?.[1]
  const colon = userinfo?.indexOf(':') ?? -1
  if (userinfo !== undefined && colon >= 0) {
    const raw = userinfo.slice(colon + 1)
    forms.add(raw)
    const plain = safeDecode(raw)
    forms.add(plain)
    forms.add(encodeURIComponent(plain))
  }
  return [...forms].filter((form) => form.length > 0)
}

export function maskMongoUri(uri: string): void {
  for (const form of secretForms(uri)) core.setSecret(form)
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
