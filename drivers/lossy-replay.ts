// The receive side's template source on a lossy wire: it must play a sender, or one lost frame
// would stall the receiver for good. It reads the receiver's ACKs (checksums checked, as a sender
// would), keeps within the window they advertise, and sends again the segment at the ACK after three
// duplicate ACKs (fast retransmit) or when the window is full (what a sender's timer would then
// do; the source is not measured, so it does not wait). Segments keep the templates' boundaries:
// the template frames follow each other in the stream, in a cycle.

import type { FrameSink } from '../stacks/layer.js';
import { seqGt } from '../stacks/layers/tcp/control-block.js';
import type { Msg } from '../stacks/message.js';
import type { Stack } from '../stacks/stack.js';
import { setTcpSeq, tcpAck, tcpWindow } from '../stacks/wire/tcp.js';
import { FaultLink, type Faults } from './fault-link.js';
import { intactSegmentLength } from './segment-check.js';

/** The source's own retransmission counts (it is the sender here; it keeps no congestion window: cwnd 0). */
export interface SourceCounts {
  retransmits: number;
  fastRetransmits: number;
  timeouts: number;
  probes: number;
  cwnd: number;
}

export class LossyReplay {
  /** Frames toward the receiver, and its ACKs back. */
  readonly toReceiver: FaultLink;
  readonly toSource: FaultLink;
  readonly counts: SourceCounts = { retransmits: 0, fastRetransmits: 0, timeouts: 0, probes: 0, cwnd: 0 };
  private nextSeq: number;
  /** The template frame the next new segment is. */
  private nextFrame = 0;
  private lastAck: number;
  private window = 65535;
  private dupAcks = 0;
  /** A fast retransmit went for the current lastAck already. */
  private resent = false;
  /** Where each template frame's data starts in the cycle of templates, and the cycle's length. */
  private readonly starts: number[] = [];
  private readonly cycle: number;

  constructor(
    private readonly receiver: Stack,
    private readonly templates: readonly Uint8Array[],
    /** TCP data bytes of each template frame. */
    private readonly segmentBytes: readonly number[],
    /** The first replayed segment's sequence number. */
    private readonly base: number,
    private readonly tcpAt: number,
    faults: Faults,
  ) {
    this.nextSeq = base | 0;
    this.lastAck = base | 0;
    let at = 0;
    for (const n of segmentBytes) {
      this.starts.push(at);
      at += n;
    }
    this.cycle = at;
    const linkBytes = receiver.linkHeaderBytes;
    this.toReceiver = new FaultLink({ transmit: (frame: Msg) => receiver.receive(frame) }, faults, linkBytes);
    this.toSource = new FaultLink(this.ackReader(), { ...faults, seed: faults.seed + 1 }, linkBytes);
    receiver.attach(this.toSource);
  }

  /** Sends one frame into `frame` and on to the receiver: the next segment, or one sent again. */
  sendOne(frame: Msg): void {
    let seq = this.nextSeq;
    let index = this.nextFrame;
    if (this.dupAcks >= 3 && !this.resent) {
      seq = this.lastAck;
      index = this.frameAt(seq);
      this.resent = true;
      this.counts.fastRetransmits++;
      this.counts.retransmits++;
    } else if (((this.nextSeq + this.segmentBytes[index]! - this.lastAck) | 0) > this.window) {
      this.toReceiver.release();
      seq = this.lastAck;
      index = this.frameAt(seq);
      this.counts.timeouts++;
      this.counts.retransmits++;
    } else {
      this.nextSeq = (seq + this.segmentBytes[index]!) | 0;
      this.nextFrame = (index + 1) % this.templates.length;
    }
    frame.loadFrameView(this.templates[index]!, this.receiver.linkHeaderBytes);
    setTcpSeq(frame.view, frame.head + this.tcpAt, seq);
    this.toReceiver.transmit(frame);
  }

  /** The template frame whose data starts at `seq` (ACKs fall on segment boundaries): the last that starts at or before it. */
  private frameAt(seq: number): number {
    const offset = ((seq - this.base) >>> 0) % this.cycle;
    let index = 0;
    while (index + 1 < this.starts.length && this.starts[index + 1]! <= offset) index++;
    return index;
  }

  /** Takes the receiver's ACK frames: a corrupted one is ignored, as its checksum shows. */
  private ackReader(): FrameSink {
    const linkBytes = this.receiver.linkHeaderBytes;
    return {
      transmit: (frame: Msg) => {
        if (intactSegmentLength(frame, linkBytes, this.tcpAt) < 0) return;
        const view = frame.view;
        const at = frame.head + this.tcpAt;
        const ack = tcpAck(view, at) | 0;
        this.window = tcpWindow(view, at);
        if (seqGt(ack, this.lastAck)) {
          this.lastAck = ack;
          this.dupAcks = 0;
          this.resent = false;
        } else if (ack === this.lastAck && ack !== this.nextSeq) {
          this.dupAcks++;
        }
      },
    };
  }
}
