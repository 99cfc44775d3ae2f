// The packet screen's rules, as ip-filter writes them (Benecke §2): each names a source and a
// destination (address and mask), a protocol, port ranges and TCP flags, and says pass or block.
// They are checked in order and the first that matches decides; a packet no rule matches passes
// (ip-filter's default with no rule). The table is one Int32Array, built at set-up: matching
// allocates nothing.

import { IP_PROTO_TCP, IP_PROTO_UDP } from './wire/ipv4.js';
import { parseIpv4 } from './wire/address.js';
import { TcpFlag } from './wire/tcp.js';

export const ScreenAction = { Pass: 0, Block: 1 } as const;
export type ScreenAction = (typeof ScreenAction)[keyof typeof ScreenAction];

export interface ScreenRule {
  action: 'pass' | 'block';
  /** 'any' or an address with an optional prefix length: 10.1.0.0/16, 192.0.2.7. */
  from: string;
  to: string;
  /** 'any', 'tcp' or 'udp'. */
  proto: 'any' | 'tcp' | 'udp';
  /** Inclusive port ranges; a rule with ports matches only TCP and UDP packets. */
  fromPorts?: [number, number];
  toPorts?: [number, number];
  /** TCP flags: the packet's flags under `mask` must equal `set` (ip-filter's "flags S/SA"); TCP only. */
  flags?: { set: number; mask: number };
}

/** Int32 words per rule in the table. */
const W = 12;
const enum F {
  Action = 0,
  SrcAddr = 1,
  SrcMask = 2,
  DstAddr = 3,
  DstMask = 4,
  Proto = 5,
  SrcLo = 6,
  SrcHi = 7,
  DstLo = 8,
  DstHi = 9,
  FlagMask = 10,
  FlagSet = 11,
}

function addressAndMask(text: string): [number, number] {
  if (text === 'any') return [0, 0];
  const [addr, bits] = text.split('/');
  const prefix = bits === undefined ? 32 : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new RangeError(`screen rule: bad prefix in '${text}'`);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) | 0;
  const value = parseIpv4(addr!) | 0;
  if ((value & mask) !== value) throw new RangeError(`screen rule: '${text}' has host bits outside its prefix`);
  return [value, mask];
}

function portRange(range: [number, number] | undefined, what: string): [number, number] {
  if (range === undefined) return [0, 0xffff];
  const [lo, hi] = range;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi > 0xffff || lo > hi)
    throw new RangeError(`screen rule: bad ${what} port range ${lo}-${hi}`);
  return [lo, hi];
}

/** The most rules a screen may have (ip-filter lists of a few thousand rules were the large ones). */
export const MAX_SCREEN_RULES = 10_000;

export class RuleTable {
  readonly words: Int32Array;
  readonly count: number;

  constructor(readonly rules: readonly ScreenRule[]) {
    this.count = rules.length;
    this.words = new Int32Array(Math.max(1, rules.length) * W);
    rules.forEach((rule, i) => {
      const o = i * W;
      const t = this.words;
      t[o + F.Action] = rule.action === 'block' ? ScreenAction.Block : ScreenAction.Pass;
      [t[o + F.SrcAddr], t[o + F.SrcMask]] = addressAndMask(rule.from);
      [t[o + F.DstAddr], t[o + F.DstMask]] = addressAndMask(rule.to);
      t[o + F.Proto] = rule.proto === 'tcp' ? IP_PROTO_TCP : rule.proto === 'udp' ? IP_PROTO_UDP : 0;
      [t[o + F.SrcLo], t[o + F.SrcHi]] = portRange(rule.fromPorts, 'source');
      [t[o + F.DstLo], t[o + F.DstHi]] = portRange(rule.toPorts, 'destination');
      t[o + F.FlagMask] = rule.flags?.mask ?? 0;
      t[o + F.FlagSet] = rule.flags?.set ?? 0;
      if ((t[o + F.FlagSet]! & ~t[o + F.FlagMask]!) !== 0) throw new RangeError('screen rule: flags set outside their mask');
    });
  }

  /**
   * The packet the rules are checked against: source, destination, protocol, source port,
   * destination port, TCP flags (-1 for other protocols). The screen writes it field by field:
   * addresses above 2^30 passed as arguments would be boxed on every call.
   */
  readonly packet = new Int32Array(6);

  /** The index of the first rule that matches `packet`, or -1. */
  firstMatchLoaded(): number {
    const t = this.words;
    const p = this.packet;
    const src = p[0]!;
    const dst = p[1]!;
    const protocol = p[2]!;
    const srcPort = p[3]!;
    const dstPort = p[4]!;
    const flags = p[5]!;
    const hasPorts = protocol === IP_PROTO_TCP || protocol === IP_PROTO_UDP;
    for (let i = 0, o = 0; i < this.count; i++, o += W) {
      if ((src & t[o + F.SrcMask]!) !== t[o + F.SrcAddr]) continue;
      if ((dst & t[o + F.DstMask]!) !== t[o + F.DstAddr]) continue;
      const proto = t[o + F.Proto]!;
      if (proto !== 0 && proto !== protocol) continue;
      const srcLo = t[o + F.SrcLo]!;
      const srcHi = t[o + F.SrcHi]!;
      const dstLo = t[o + F.DstLo]!;
      const dstHi = t[o + F.DstHi]!;
      if (srcLo !== 0 || srcHi !== 0xffff || dstLo !== 0 || dstHi !== 0xffff) {
        if (!hasPorts || srcPort < srcLo || srcPort > srcHi || dstPort < dstLo || dstPort > dstHi) continue;
      }
      const mask = t[o + F.FlagMask]!;
      if (mask !== 0 && (protocol !== IP_PROTO_TCP || (flags & mask) !== t[o + F.FlagSet])) continue;
      return i;
    }
    return -1;
  }

  /** The action for `packet`: the first matching rule's, else pass. */
  decideLoaded(): ScreenAction {
    const i = this.firstMatchLoaded();
    return i < 0 ? ScreenAction.Pass : (this.words[i * W + F.Action] as ScreenAction);
  }

  private load(src: number, dst: number, protocol: number, srcPort: number, dstPort: number, flags: number): void {
    const p = this.packet;
    p[0] = src;
    p[1] = dst;
    p[2] = protocol;
    p[3] = srcPort;
    p[4] = dstPort;
    p[5] = flags;
  }

  /** firstMatchLoaded for the packet given (tests, and callers off the data path). */
  firstMatch(src: number, dst: number, protocol: number, srcPort: number, dstPort: number, flags: number): number {
    this.load(src, dst, protocol, srcPort, dstPort, flags);
    return this.firstMatchLoaded();
  }

  decide(src: number, dst: number, protocol: number, srcPort: number, dstPort: number, flags: number): ScreenAction {
    this.load(src, dst, protocol, srcPort, dstPort, flags);
    return this.decideLoaded();
  }
}

/**
 * The rule set `screen(N)` stands for: N rules, the same for every run. Like a site's list, most
 * rules concern hosts, nets and services the benchmark's traffic mix never touches, so most packets
 * are checked against every rule (Benecke's worst case: no caching of decisions); a few block part
 * of the mix, so passed and blocked packets are both counted. Rule i of the first N − 1 is, by i mod 4:
 *   block from 192.0.2.h (TEST-NET-1, never in the mix)
 *   block tcp to a 172.16.k.0/24 net port 6000-6063 (X11; the mix has none)
 *   block udp from 10.1.0.0/16 to port 161-162 (SNMP; none)
 *   pass tcp to a 172.16.k.0/24 net port 22 flags S/SA (new ssh connections: a few)
 * and the last rule blocks udp to port 5000-5009 (a share of the mix's UDP).
 */
export function benchmarkRules(count: number): ScreenRule[] {
  const rules: ScreenRule[] = [];
  for (let i = 0; i + 1 < count; i++) {
    const net = `172.16.${(i * 37) & 63}.0/24`;
    switch (i % 4) {
      case 0:
        rules.push({ action: 'block', from: `192.0.2.${(i * 101) & 255}`, to: 'any', proto: 'any' });
        break;
      case 1:
        rules.push({ action: 'block', from: 'any', to: net, proto: 'tcp', toPorts: [6000, 6063] });
        break;
      case 2:
        rules.push({ action: 'block', from: '10.1.0.0/16', to: 'any', proto: 'udp', toPorts: [161, 162] });
        break;
      default:
        rules.push({
          action: 'pass',
          from: 'any',
          to: net,
          proto: 'tcp',
          toPorts: [22, 22],
          flags: { set: TcpFlag.SYN, mask: TcpFlag.SYN | TcpFlag.ACK },
        });
    }
  }
  if (count > 0) rules.push({ action: 'block', from: 'any', to: 'any', proto: 'udp', toPorts: [5000, 5009] });
  return rules;
}
