// The wire between two kernels (the Linux-to-Linux transfer): frames from one bridge go to the
// other as they come, each way, through this process, as our stack's frames do. The datagram
// Node hands over is its own, so it is sent on as it is.

import type * as dgram from 'node:dgram';
import { bridgeSocket } from '../drivers/tap.js';

/** One end: our port on the loopback and the bridge's. */
export interface RelayEnd {
  port: number;
  bridgePort: number;
}

export class Relay {
  frames = 0;

  private constructor(private readonly sockets: [dgram.Socket, dgram.Socket]) {
    const [a, b] = sockets;
    a.on('message', (frame) => {
      this.frames++;
      b.send(frame);
    });
    b.on('message', (frame) => {
      this.frames++;
      a.send(frame);
    });
  }

  static async open(a: RelayEnd, b: RelayEnd): Promise<Relay> {
    return new Relay([await bridgeSocket(a.port, a.bridgePort), await bridgeSocket(b.port, b.bridgePort)]);
  }

  close(): Promise<void> {
    return Promise.all(this.sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
  }
}
