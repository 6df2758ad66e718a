/** One line of the benchmark table: a figure, the baseline measured in the same run, and their ratio. */
export interface Figure {
  id: string
  name: string
  unit: string
  value: number | null
  /** Spread of the repetitions, (max - min) / median. */
  spread?: number
  baseline?: { name: string; value: number | null; unit?: string }
  /** value / baseline, or the inverse where lower is better; see `ratioMeaning`. */
  ratio?: number | null
  ratioMeaning?: string
  goal?: string
  met?: boolean | null
  notes?: string
}

export interface FigureGroup {
  id: string
  title: string
  /** When this group was measured (a run with --only keeps the other groups of an earlier run). */
  measuredAt?: string
  figures: Figure[]
  skipped?: string
}

export interface BenchOptions {
  quick: boolean
  root: string
  entry: string
  image: string
  docker: boolean
  python: boolean
  iperf3: boolean
  scratch: string
  log(message: string): void
}
