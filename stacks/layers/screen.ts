// A packet screen over IP (Benecke; ip-filter without its decision cache): every packet that
// arrives is checked against the rules in order, and the first rule that matches passes or blocks
// it. Passed packets go up (to the application standing for the next hop), blocked ones are
// counted apart from drops: blocking is the screen's work, not a fault. A TCP or UDP packet too
// short to hold the ports and flags the rules read is dropped as malformed.

import { dropGroup } from '../drops.js';
import { ControlOp, Layer, type LayerContext, SendStatus } from '../layer.js';
import type { Msg } from '../message.js';
import { IP_PROTO_TCP, IP_PROTO_UDP } from '../wire/ipv4.js';
import { TcpOffset } from '../wire/tcp.js';
import { UDP_HEADER_BYTES } from '../wire/udp.js';
import type { LayerKind } from '../layer-kind.js';
import { MAX_SCREEN_RULES, RuleTable, ScreenAction, benchmarkRules } from '../screen-rules.js';

/** Why this layer drops a message (reported as screen-<reason>). */
export const SCREEN_DROPS = dropGroup('screen', {
  Short: 'short', // a TCP or UDP packet too short for the ports and flags the rules read
});
const Drop = SCREEN_DROPS.code;

/** The byte that holds TCP's six flags (below them, in the same 16-bit word, the data offset). */
const TCP_FLAGS_BYTE = TcpOffset.dataOffsetFlags + 1;

export class ScreenLayer extends Layer {
  readonly name = 'screen';
  readonly headerBytes = 0;
  /** Packets the rules passed and blocked. */
  passed = 0;
  blocked = 0;

  constructor(
    ctx: LayerContext,
    readonly rules: RuleTable,
  ) {
    super(ctx, SCREEN_DROPS);
  }

  override control(op: ControlOp, arg: number): number {
    if (op === ControlOp.Blocked) return this.blocked;
    if (op === ControlOp.Passed) return this.passed;
    return super.control(op, arg);
  }

  /** A screen forwards what arrives; nothing is sent from above it. */
  push(_msg: Msg): SendStatus {
    return SendStatus.NotConnected;
  }

  pop(msg: Msg): void {
    const protocol = msg.protocol;
    const packet = this.rules.packet;
    packet[0] = msg.srcAddr;
    packet[1] = msg.dstAddr;
    packet[2] = protocol;
    packet[3] = 0;
    packet[4] = 0;
    packet[5] = -1;
    if (protocol === IP_PROTO_TCP || protocol === IP_PROTO_UDP) {
      const at = msg.head;
      if (msg.length < (protocol === IP_PROTO_TCP ? TCP_FLAGS_BYTE + 1 : UDP_HEADER_BYTES)) return this.drops.count(Drop.Short);
      const view = msg.view;
      packet[3] = view.getUint16(at);
      packet[4] = view.getUint16(at + 2);
      if (protocol === IP_PROTO_TCP) packet[5] = view.getUint8(at + TCP_FLAGS_BYTE) & 0x3f;
    }
    if (this.rules.decideLoaded() === ScreenAction.Block) {
      this.blocked++;
      return;
    }
    this.passed++;
    this.above.pop(msg);
  }
}

export const SCREEN_KIND: LayerKind = {
  name: 'screen',
  form: `screen(N), N filter rules from 0 to ${MAX_SCREEN_RULES}, e.g. screen(100)`,
  parseSetting: (setting) =>
    /^\d+$/.test(setting) && Number(setting) <= MAX_SCREEN_RULES ? { rules: Number(setting) } : 'is not a rule count',
  below: ['ip'],
  top: true,
  gateway: true,
  build: ({ ctx, spec, options }) => {
    const rules = spec.rules!;
    const list = options.screenRules ?? benchmarkRules(rules);
    if (list.length !== rules) throw new RangeError(`screen(${rules}) was given ${list.length} rules`);
    return new ScreenLayer(ctx, new RuleTable(list));
  },
  drops: SCREEN_DROPS,
  checks: () => ({ enforced: ['screen rules (first match; blocked packets counted apart)'], computedOnly: [] }),
  fuzzStacks: ['screen(100)/ip/eth'],
};
