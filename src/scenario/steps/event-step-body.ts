import { SERVER_EVENT_NAMES, type ServerEventName } from '../../events/server-event.js'
import type { EventFields } from '../scenario.js'
import { parseFields, type References } from '../step-values.js'
import { suggestion } from '../../values/suggestion.js'
import type { YamlCursor } from '../../values/yaml-cursor.js'

/** The `event:` and `where:` that `wait_event` and `expect_events` share, checked against the vocabulary. */
export function eventAndFields(e: Map<string, YamlCursor>, body: YamlCursor, refs: References): { event: ServerEventName; where: EventFields } {
  const eventCursor = e.get('event') ?? body.fail('an `event`')
  const name = eventCursor.string()
  if (!(SERVER_EVENT_NAMES as readonly string[]).includes(name)) eventCursor.fail(`one of ${SERVER_EVENT_NAMES.join(', ')}`, suggestion(name, SERVER_EVENT_NAMES))
  const event = name as ServerEventName
  return { event, where: parseFields(e.get('where'), event, refs) }
}
