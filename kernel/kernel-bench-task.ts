// What the kernel baseline measures and how its runner (kernel-bench.ts, inside the namespace)
// reports it to the launcher (bench/kernel-command.ts): a module of types and names only, so the
// launcher can import it without starting the runner.

export const TRANSFERS = ['ours-to-linux', 'linux-to-ours', 'linux-to-linux', 'bridge'] as const;
export type Transfer = (typeof TRANSFERS)[number];

export interface KernelBenchTask {
  rounds: number;
  /** Bytes per transfer. */
  bytes: number;
  seed: number;
  /** The second kernel's namespace (the Linux-to-Linux sender). */
  secondNamespace: string;
  /** How long the echo runs each round. */
  echoMs: number;
  limitMs: number;
}

export interface KernelSample {
  event: 'sample';
  /** 0 for the warm-up round (not reported), then 1, 2, ... */
  round: number;
  transfer: Transfer;
  /** Data Mbit/s at the receiver, first byte to last (the bridge: frames back × 1460 bytes). */
  mbits: number;
  bytes: number;
  seconds: number;
  /** Segments our stack sent again (ours → Linux), or frames the echo lost. */
  retransmits: number;
}
