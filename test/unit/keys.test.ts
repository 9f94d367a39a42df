import { describe, expect, it } from 'vitest'
import { batchIdOf, copySource, isIngestible } from '../../src/keys'
import { batchIdOfTask } from '../../src/sources/batch-jobs'
import { secretForms } from '../../src/secrets'

const BATCH = 'batch-0b6f2d4e-1c1a-4f6e-9a57-2f0d8f1f0c11'

describe('keys', () => {
  it('finds the batch id at the start of a key only', () => {
    expect(batchIdOf(`${BATCH}/site 12/DCIM/IMG_0001.JPG`)).toBe(BATCH)
    expect(batchIdOf(`${BATCH}.zip`)).toBe(BATCH)
    expect(batchIdOf(`x/${BATCH}/IMG.JPG`)).toBeNull()
    expect(
      batchIdOf('batch-0B6F2D4E-1c1a-4f6e-9a57-2f0d8f1f0c11/a.jpg')
    ).toBeNull()
    expect(batchIdOf('RCNX0042.JPG')).toBeNull()
  })

  it('takes .jpg, .jpeg and .png in any case', () => {
    for (const key of [
      'a.jpg',
      'b.JPG',
      'c.jpeg',
      'd.JpEg',
      'e.png',
      'f.PNG'
    ]) {
      expect(isIngestible(key)).toBe(true)
    }
    for (const key of ['notes.txt', 'Thumbs.db', 'a.jpg.zip', 'png', 'dir/']) {
      expect(isIngestible(key)).toBe(false)
    }
  })

  it('encodes each key segment of a copy source, keeping the slashes', () => {
    expect(copySource('lot', 'a b/c+d#e%f?g/Café ü.JPG')).toBe(
      'lot/a%20b/c%2Bd%23e%25f%3Fg/Caf%C3%A9%20%C3%BC.JPG'
    )
  })

  it('reads the batch id from a job TASK', () => {
    expect(
      batchIdOfTask(JSON.stringify({ Bucket: 'b', Key: `${BATCH}.zip` }))
    ).toBe(BATCH)
    expect(
      batchIdOfTask(JSON.stringify({ Bucket: 'b', Key: 'other.zip' }))
    ).toBeNull()
    expect(batchIdOfTask('not json')).toBeNull()
    expect(batchIdOfTask(undefined)).toBeNull()
  })
})

describe('secretForms', () => {
  it('masks the URI, the password raw, decoded and re-encoded', () => {
    const forms = secretForms('mongodb://gate:p%40ss%2Fw0rd@db:27017/animl')
    expect(forms).toEqual(
      expect.arrayContaining([
        'mongodb://gate:p%40ss%2Fw0rd@db:27017/animl',
        'p%40ss%2Fw0rd',
        'p@ss/w0rd'
      ])
    )
  })

  it('masks a URI without credentials as a whole', () => {
    expect(secretForms('mongodb://db:27017/animl')).toEqual([
      'mongodb://db:27017/animl'
    ])
  })
})
