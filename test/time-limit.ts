// Every test that starts threads or processes runs under a time limit, so a hung pool or child
// fails its test instead of hanging the suite (and CI). A limit is a guard, never a measurement.

/** Time limit for one child process run by a test (spawnSync / execFileSync `timeout`). */
export const PROCESS_LIMIT_MS = 180_000;

/** Resolves as `work` does, or rejects naming `what` when it takes longer than `ms`. */
export async function withinLimit<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within the ${ms / 1000} s limit (hung?)`)), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}
