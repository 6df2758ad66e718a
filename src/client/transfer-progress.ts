/** Told how a `get` goes, as its bytes arrive (the client's progress bar is one). */
export interface TransferProgress {
  start(name: string, size: number | undefined): void
  advance(bytes: number): void
  stop(): void
}
