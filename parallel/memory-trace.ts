// Memory through a steady window: heap used and RSS at its start and end, and for long windows a
// trace (a leak shows as a slope, not two points). The engines read it; the workers publish heaps.

/** Heap used and RSS (bytes) at the start and end of a steady window, and through a long one. */
export interface MemoryBetween {
  heapStart: number;
  heapEnd: number;
  rssStart: number;
  rssEnd: number;
  trace?: MemoryPoint[];
}

export function memoryBetween(start: NodeJS.MemoryUsage, end: NodeJS.MemoryUsage, trace?: MemoryTrace): MemoryBetween {
  return {
    heapStart: start.heapUsed,
    heapEnd: end.heapUsed,
    rssStart: start.rss,
    rssEnd: end.rss,
    ...(trace?.points.length ? { trace: trace.points } : {}),
  };
}

/** Heap used (every thread's) and RSS, in bytes, `seconds` into a steady window. */
export interface MemoryPoint {
  seconds: number;
  heap: number;
  rss: number;
}

/** Steady windows this long or longer get a memory trace: a leak shows as a slope, not two points. */
export const MEMORY_TRACE_MIN_SECONDS = 10;
const MEMORY_TRACE_POINTS = 20;

/** Memory through a long steady window: a point every twentieth of it (none for a short window). */
export class MemoryTrace {
  readonly points: MemoryPoint[] = [];
  private nextAt = 0;
  private readonly every: number;

  constructor(windowSeconds: number) {
    this.every = windowSeconds >= MEMORY_TRACE_MIN_SECONDS ? windowSeconds / MEMORY_TRACE_POINTS : Infinity;
  }

  /** Whether a point is due `seconds` into the window (the caller then reads memory and adds it). */
  due(seconds: number): boolean {
    return this.every !== Infinity && seconds >= this.nextAt;
  }

  add(seconds: number, heap: number, rss: number): void {
    this.points.push({ seconds, heap, rss });
    this.nextAt = seconds + this.every;
  }
}
