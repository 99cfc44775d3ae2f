// Where the kernel peer and our stack sit: one /24 inside the namespaces, the kernel's TAP device at
// .1 and the far end (our stack, or a second kernel) at .2, each with a fixed MAC, and the
// loopback ports of the bridges that carry their frames.

import type { Endpoint } from '../stacks/stack.js';
import type { TapAddress } from './bridge.js';

export const SUBNET_PREFIX = 24;
/** The kernel's end: its TAP device. */
export const KERNEL: Endpoint = { mac: '02:00:00:00:00:01', ip: '10.77.0.1', port: 5001 };
/** The far end: our stack, or the second kernel's TAP device in the Linux-to-Linux transfer. */
export const FAR: Endpoint = { mac: '02:00:00:00:00:02', ip: '10.77.0.2', port: 5002 };

/** The kernel's TAP device as the bridge configures it. */
export const KERNEL_TAP: TapAddress = { mac: KERNEL.mac, ip: KERNEL.ip, prefix: SUBNET_PREFIX, peerIp: FAR.ip, peerMac: FAR.mac };
/** The second kernel's TAP device (Linux to Linux): at the far end's addresses. */
export const SECOND_KERNEL_TAP: TapAddress = { mac: FAR.mac, ip: FAR.ip, prefix: SUBNET_PREFIX, peerIp: KERNEL.ip, peerMac: KERNEL.mac };

/** Loopback UDP ports: the kernel's bridge (socat's end, ours), the second kernel's, and the echo's (the bridge alone). */
export const BRIDGE_PORTS = { kernel: 47001, kernelOurs: 47002, second: 47003, secondOurs: 47004, echo: 47005, echoOurs: 47006 } as const;
