// What a stack is built from: its two ends' addresses, keys, crypto provider, and the state blocks
// and locks that packet-level parallelism shares. Read by the stack builder and every layer kind.

import type { CounterBlock } from './counter-block.js';
import type { CryptoProviderName } from './crypto/index.js';
import type { DropCounters } from './drops.js';
import type { Lock } from './layer.js';
import type { TcpControlBlock } from './layers/tcp/control-block.js';
import type { ConnectionArena } from './connection-arena.js';
import type { SegmentBacklog } from './layers/tcp/backlog.js';
import type { BufferPool } from './message.js';
import type { ReplayWindow } from './replay-window.js';
import type { ScreenRule } from './screen-rules.js';

/**
 * What TCP's lock covers under packet-level parallelism: `state`, only the connection state
 * (checksums outside: crypto and checksums of different segments overlap); `segment`, all of TCP's
 * work on a segment (the paper's "single locked, serial component").
 */
export type TcpLockScope = 'state' | 'segment';

export interface Endpoint {
  mac: string;
  ip: string;
  port: number;
}

export interface StackKeys {
  /** 8 bytes. */
  des: Uint8Array;
  /** 24 bytes: K1, K2, K3 for EDE. */
  tdes: Uint8Array;
  /** Keyed MD5 when set; plain MD5 (the paper's choice) when absent. */
  md5?: Uint8Array;
  /** IPsec's HMAC-MD5-96 key (esp, ah): 16 bytes. */
  hmac?: Uint8Array;
  /** Today's ciphers (EXAMPLE_KEYS' when absent): AES-128 and AES-256 (CBC), AES-128-GCM, ChaCha20-Poly1305. */
  aes128?: Uint8Array;
  aes256?: Uint8Array;
  aes128gcm?: Uint8Array;
  chacha20poly1305?: Uint8Array;
  /** HMAC-SHA1-96 (20 bytes) and HMAC-SHA-256-128 (32 bytes) keys of the sha1 and sha256 layers. */
  sha1?: Uint8Array;
  sha256?: Uint8Array;
  /** esp(aes128gcm)'s salt (RFC 4106: 4 bytes of the keying material, the nonce's first). */
  gcmSalt?: Uint8Array;
}

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/**
 * Keys of the published examples (FIPS 81, NIST SP 800-67, SP 800-38A F.2, the GCM test cases, RFC
 * 8439 2.8.2, RFC 2202 and RFC 4231): for tests and benchmarks, not secrets.
 */
export const EXAMPLE_KEYS: Required<Omit<StackKeys, 'md5'>> = {
  des: hex('0123456789abcdef'),
  tdes: hex('0123456789abcdef23456789abcdef01456789abcdef0123'),
  hmac: hex('000102030405060708090a0b0c0d0e0f'),
  aes128: hex('2b7e151628aed2a6abf7158809cf4f3c'),
  aes256: hex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'),
  aes128gcm: hex('feffe9928665731c6d6a8f9467308308'),
  chacha20poly1305: hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
  sha1: hex('0b'.repeat(20)),
  sha256: hex('0b'.repeat(32)),
  gcmSalt: hex('cafebabe'),
};

export interface StackOptions {
  local: Endpoint;
  remote: Endpoint;
  crypto?: CryptoProviderName;
  keys?: StackKeys;
  /** AH security parameter index (both ends use the same SA). */
  spi?: number;
  /** TCP initial send sequence number. */
  iss?: number;
  /** Keeps the IVs of senders sharing a key apart (a worker id). */
  instance?: number;
  drops?: DropCounters;
  /** False: MD5 digests are computed and compared but mismatches only counted (template replay). */
  enforceDigest?: boolean;
  /** Guards shared state under packet-level parallelism; a no-op otherwise. */
  lock?: Lock;
  /** TCP's maximum segment lifetime in ms (TIME_WAIT lasts twice it; default 30 s). */
  tcpMslMs?: number;
  /** TCP's smallest retransmission timeout in ms (default 200, as Linux's rto_min). */
  tcpMinRtoMs?: number;
  /** What TCP's lock covers: its state only (default) or all its work on a segment. */
  tcpLockScope?: TcpLockScope;
  /** State blocks to use instead of private ones (shared memory under packet-level parallelism). */
  state?: {
    tcb?: TcpControlBlock;
    ipIdent?: CounterBlock;
    ahSequence?: CounterBlock;
    saSequence?: CounterBlock;
    replay?: ReplayWindow;
    /** The backlog design: where TCP's input queues a segment that finds the lock held (its owner is `lock`). */
    backlog?: SegmentBacklog;
  };
  /** IPsec receive side: false computes ICVs but only counts mismatches (template replay). */
  enforceIcv?: boolean;
  /** Where TCP takes its own three messages from (beside a shared control block's ring, under PLP). */
  messages?: BufferPool;
  /**
   * Where TCP takes its control block and messages from when `state.tcb` and `messages` do not say:
   * the thread's connections share its buffer and its pool of ring pages. Without, a block of its own.
   */
  arena?: ConnectionArena;
  /** screen(N): these rules instead of the benchmark's N (tests); their count must be N. */
  screenRules?: readonly ScreenRule[];
}

/** Two ends of one point-to-point link, for tests and drivers. */
export function endpointPair(): [StackOptions, StackOptions] {
  const a: Endpoint = { mac: '02:00:00:00:00:01', ip: '10.0.0.1', port: 5001 };
  const b: Endpoint = { mac: '02:00:00:00:00:02', ip: '10.0.0.2', port: 5002 };
  return [
    { local: a, remote: b, iss: 0x1000_0000, instance: 1 },
    { local: b, remote: a, iss: 0x7000_0000, instance: 2 },
  ];
}

export const DEFAULT_SPI = 0x100;
