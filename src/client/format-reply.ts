import { CLIENT_REPLY_PREFIX } from '../protocol/original-text.js'
import type { Reply } from './reply.js'

/** How a reply is printed: `Server: <reply>`, as the original client printed it. */
export function formatReply(reply: Reply): string {
  switch (reply.kind) {
    case 'text':
      return `${CLIENT_REPLY_PREFIX}${reply.text}`
    case 'error':
      return `${CLIENT_REPLY_PREFIX}${reply.message} [${reply.code}]`
    case 'saved': {
      const note = reply.verified ? '' : '; not verified: the server sent no size or checksum'
      return `${CLIENT_REPLY_PREFIX}saved ${reply.name} (${reply.bytes} bytes, sha256 ${reply.sha256}${note})`
    }
    case 'bye':
      return ''
  }
}
