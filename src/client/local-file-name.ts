import { SocklabError } from '../errors/socklab-error.js'

/**
 * The name a download is saved under: the last component of what was asked for, so a reply can never
 * write outside the download folder, whatever the server is.
 */
export function localFileName(requested: string): string {
  const name = requested.split(/[\\/]/).pop() ?? ''
  // eslint-disable-next-line no-control-regex
  if (name === '' || name === '.' || name === '..' || /[\u0000-\u001f]/.test(name)) {
    throw new SocklabError('SOCKLAB_TRANSFER_FAILED', `cannot save a file named ${JSON.stringify(requested)}`)
  }
  return name
}
