// report.md's gateway sections (packet screen, IPsec gateway, crashes, their models).

import { type RunRow, type SummaryRow } from './rows.js';
import {
  beneckeRows,
  beneckeTable,
  crashTable,
  gatewayTable,
  scalingRows,
  scalingTable,
  shiehLaiRows,
  shiehLaiTable,
} from './model-report.js';

/** The packet screen and the scaling models (sections only when the run has their figures). */
export function gatewaySections(summary: readonly SummaryRow[], runs: readonly RunRow[] = []): string[] {
  const gateways = gatewayTable(summary);
  const benecke = beneckeTable(beneckeRows(summary));
  const shiehLai = shiehLaiTable(shiehLaiRows(runs));
  const crash = crashTable(runs);
  const scaling = scalingTable(scalingRows(summary));
  return [
    ...(gateways
      ? [
          '## Packet screen and dispatch (Benecke; Shieh & Lai)',
          '',
          'Packets of the traffic mix (many TCP and UDP flows; 16 to 1472 bytes of user data for the screen, ' +
            'the given datagram size for IPsec) processed per second by all workers together; Mbit/s counts their ' +
            "IP bytes (the inner datagrams' for IPsec). Load max/mean: the busiest worker's share of the traffic " +
            '÷ the mean share (1 = even). Selection: µs per packet to receive a packet and decide it is another ' +
            "worker's.",
          '',
          gateways,
          '',
        ]
      : []),
    ...(benecke
      ? [
          "### Benecke's model: G(n) = (Bsel + Bfil) / (Bsel + Bfil / n), calibrated at n = 1",
          '',
          "Bsel: the selection cost timed at n = 1; Bfil: the rest of a packet's time at n = 1. Error = " +
            '(predicted − measured) ÷ measured. Rows without a measured speedup are predictions only.',
          '',
          benecke,
          '',
        ]
      : []),
    ...(crash
      ? [
          '### Crash and reconfiguration (Benecke §7)',
          '',
          'A worker stops at the given moment (it processes nothing more and sends no heartbeat). With static ' +
            "selection its share of the packets is lost from then on (Benecke's Pcrash: about 1/n); with a " +
            'heartbeat the survivors notice after three silent periods and divide the hash space among themselves ' +
            'from an agreed packet on. Loss: packets offered to the gateway that no worker processed, as a ' +
            'survivor counted them.',
          '',
          crash,
          '',
        ]
      : []),
    ...(shiehLai
      ? [
          "### Shieh & Lai's model: µ(n, s) = n·P·s / (R(s) + n·Q(s)), fitted",
          '',
          'Fitted to every run of the IPsec gateways whose workers all see every packet: 1/µ is a line in 1/n ' +
            'for each frame size s. The unit of work is processing one byte (R(s) = s), so P is bytes per second ' +
            'of IPsec work one worker does and Q(s) what every worker pays for every packet, in bytes of that ' +
            'work. Spreads: 90% intervals over the per-run fits. The µ columns are **predicted** (with Q(s) = 0 ' +
            'where its fit fell below 0).',
          '',
          shiehLai,
          '',
        ]
      : []),
    ...(scaling
      ? [
          '## Scaling beyond this machine (predicted)',
          '',
          "Amdahl's law S(n) = 1 / (σ + (1 − σ)/n) and the Universal Scalability Law S(n) = n / (1 + α(n − 1) + " +
            'βn(n − 1)) fitted to each measured speedup curve (oversubscribed points left out). The ×4 … ×16 ' +
            'columns are **predicted**, not measured. With speedups at one worker count above 1, β cannot be told ' +
            'from α and is set to 0.',
          '',
          scaling,
          '',
        ]
      : []),
  ];
}
