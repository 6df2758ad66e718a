import type { Socket } from 'node:net'
import type { Piece, Stage, StageContext } from './conditions/condition-kind.js'
import { conditionKind, type Condition } from './conditions/condition-kinds.js'

/** Bytes read and not yet passed on before the relay stops reading this side (as a full network would). */
export const RELAY_QUEUE_BYTES = 4 * 1024 * 1024

const END = Symbol('end')

/** Told of bytes as they are read from the source, and as they are written to the other side. */
export interface ByteCounters {
  read(bytes: number): void
  /** `data`: what was written, for a milestone that looks for text on the stream. */
  carried(bytes: number, data: Buffer): void
  /** How many bytes may go out before a milestone armed on the count is reached (Infinity: none). */
  room(): number
}

/**
 * One direction of a relayed connection: bytes read from `source` go through the direction's conditions in
 * order and are written to `dest`, with backpressure at both ends. Conditions may be replaced at any time
 * (the next piece read takes the new ones, each with fresh state). An end of stream (FIN) passes as an end.
 */
export class LinkDirection {
  /** Bytes written to the other side so far. */
  bytes = 0
  readonly #source: Socket
  readonly #dest: Socket
  readonly #context: StageContext
  readonly #count: ByteCounters
  #stages: Stage[] = []
  readonly #queue: Array<Piece | typeof END> = []
  #queued = 0
  #wake?: () => void
  /** The queued path is handling a piece (the straight path must wait for it). */
  #busy = false

  constructor(source: Socket, dest: Socket, conditions: readonly Condition[], context: StageContext, count: ByteCounters) {
    this.#source = source
    this.#dest = dest
    this.#context = context
    this.#count = count
    this.set(conditions)
    source.on('end', () => (this.#straight() ? dest.end() : this.#push(END)))
    dest.on('drain', () => {
      // The straight path's backpressure; the queued path resumes reading itself as its queue empties.
      if (this.#queued <= RELAY_QUEUE_BYTES / 2 && source.isPaused()) source.resume()
    })
    void this.#run()
  }

  /**
   * Bytes read from the source (its owner reads it: 'data' events, or `onread` into large buffers).
   * `written`, if given, is called once they are flushed to the other side (their buffer may be reused);
   * a piece that waits in the queue is never reused, and `written` is then not called.
   */
  receive(data: Buffer, written?: () => void): void {
    this.#count.read(data.length)
    if (this.#straight(data.length)) return this.#write(data, written)
    // A queued piece may be cut into parts and written over time: its buffer is left to the collector.
    this.#push({ data, at: performance.now() })
    this.#queued += data.length
    if (this.#queued > RELAY_QUEUE_BYTES) this.#source.pause()
  }

  /**
   * With no condition and nothing waiting, bytes go straight through, as a pipe would: no queue, no
   * timestamps, no promise per chunk. Anything queued is written first, so bytes never overtake each other.
   */
  #straight(length = 0): boolean {
    return this.#stages.length === 0 && this.#queue.length === 0 && !this.#busy && this.#count.room() >= length
  }

  #write(data: Buffer, written?: () => void): void {
    this.bytes += data.length
    this.#count.carried(data.length, data)
    if (!this.#dest.write(data, written)) this.#source.pause()
  }

  set(conditions: readonly Condition[]): void {
    this.#stages = conditions.map((c) => conditionKind(c).stage(c, this.#context))
  }

  #push(item: Piece | typeof END): void {
    this.#queue.push(item)
    this.#wake?.()
  }

  async #run(): Promise<void> {
    const { signal } = this.#context
    while (!signal.aborted) {
      const item = this.#queue.shift()
      if (item === undefined) {
        await new Promise<void>((resolve) => (this.#wake = resolve))
        this.#wake = undefined
        continue
      }
      const stages = this.#stages
      if (item === END) {
        for (const stage of stages) await stage.end?.()
        if (!signal.aborted) this.#dest.end()
        return
      }
      this.#queued -= item.data.length
      if (this.#source.isPaused() && this.#queued <= RELAY_QUEUE_BYTES / 2 && this.#dest.writableNeedDrain === false) this.#source.resume()
      this.#busy = true
      await this.#through(stages, 0, item)
      this.#busy = false
    }
  }

  /** Passes a piece through stages[i…], then writes it out, waiting while the other side is full. */
  async #through(stages: readonly Stage[], i: number, piece: Piece): Promise<void> {
    if (this.#context.signal.aborted) return
    if (i < stages.length) return stages[i]!.pass(piece, (next) => this.#through(stages, i + 1, next))
    // A milestone inside the piece: the bytes up to it go out, its action is performed, then the rest
    // (unless the action ended the connection), so that it fires exactly at its byte.
    const room = this.#count.room()
    if (room < piece.data.length) {
      await this.#through(stages, i, { ...piece, data: piece.data.subarray(0, room) })
      await new Promise((resolve) => setImmediate(resolve))
      return this.#through(stages, i, { ...piece, data: piece.data.subarray(room) })
    }
    this.bytes += piece.data.length
    this.#count.carried(piece.data.length, piece.data)
    if (this.#dest.write(piece.data)) return
    await new Promise<void>((resolve) => {
      const done = () => {
        this.#dest.off('drain', done)
        this.#dest.off('close', done)
        resolve()
      }
      this.#dest.on('drain', done)
      this.#dest.on('close', done)
    })
  }
}
