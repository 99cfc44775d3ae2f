/** A worker threw or its thread exited: the configuration ended, every thread of its pool gone. */
export class WorkerFailure extends Error {
  /** From the failure reaching the main thread to the other workers stopped and the pool destroyed. */
  endedAfterMs = 0;
}
