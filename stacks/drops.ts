// Why a layer dropped a message. A malformed or unwanted packet is counted here, never thrown:
// conservation (offered = delivered + dropped) is checked against these counters. Each header's
// reasons are declared once, by the layer file that checks that header (a drop group), and reported
// as `<header>-<reason>` (tcp-checksum, des-padding).

/** The reasons for which one header's checks drop a message, in the order of their codes. */
export interface DropGroup {
  /** The header's name: the first word of every reason's report name. */
  readonly header: string;
  readonly reasons: readonly string[];
}

/** A drop group with each reason's code (its index in the group), for the layer's hot path. */
export type CodedDropGroup<C extends Record<string, string>> = DropGroup & { readonly code: { readonly [K in keyof C]: number } };

/** Declares a header's drop reasons: `dropGroup('des', { Length: 'length', Padding: 'padding' })`. */
export function dropGroup<const C extends Record<string, string>>(header: string, reasons: C): CodedDropGroup<C> {
  const names = Object.values(reasons);
  const code = Object.fromEntries(Object.keys(reasons).map((key, i) => [key, i])) as { [K in keyof C]: number };
  return { header, reasons: names, code };
}

/** The report name of each reason of a group (`des-padding`). */
export function reasonNames(group: DropGroup): string[] {
  return group.reasons.map((reason) => `${group.header}-${reason}`);
}

/** The most reasons one stack's counters hold (every header's together are about 40). */
const MAX_REASONS = 256;

/**
 * Per-reason drop counters of one stack instance (a Float64Array: exact far past 2^32). A layer
 * takes its group's view at set-up; the groups of a stack share one array.
 */
export class DropCounters {
  private readonly counts = new Float64Array(MAX_REASONS);
  private readonly names: string[] = [];
  private readonly groups = new Map<string, GroupDrops>();

  /** The counters of one header's reasons (made on first use; one per header and stack). */
  group(group: DropGroup): GroupDrops {
    let drops = this.groups.get(group.header);
    if (drops === undefined) {
      if (this.names.length + group.reasons.length > MAX_REASONS)
        throw new RangeError(`more than ${MAX_REASONS} drop reasons in one stack`);
      drops = new GroupDrops(this.counts, this.names.length);
      this.names.push(...reasonNames(group));
      this.groups.set(group.header, drops);
    }
    return drops;
  }

  get total(): number {
    let sum = 0;
    for (let i = 0; i < this.names.length; i++) sum += this.counts[i]!;
    return sum;
  }

  /** Non-zero counters by name (for reports and tests). */
  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.names.length; i++) if (this.counts[i]! > 0) out[this.names[i]!] = this.counts[i]!;
    return out;
  }

  reset(): void {
    this.counts.fill(0);
  }
}

/** One header's counters: `count(code)` with the code its drop group gave the reason. */
export class GroupDrops {
  constructor(
    private readonly counts: Float64Array,
    private readonly base: number,
  ) {}

  count(code: number): void {
    this.counts[this.base + code]!++;
  }
}

/** Drop counters by name (a DropCounters record), for messages. */
export function describeDrops(drops: Record<string, number>): string {
  const entries = Object.entries(drops);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}
