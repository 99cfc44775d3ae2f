// What the registry knows of one kind of layer: how a spec writes it, where it may stand, how it is
// built, why it drops, what it enforces, what crypto it runs and how the fuzzer covers it. Each
// layer's file declares its kind beside its class; stacks/registry.ts lists them. The spec parser,
// the stack builder, the drivers, the fuzzer and the reports read these entries, nothing else.

import type { CryptoProvider } from './crypto/provider.js';
import type { DropGroup } from './drops.js';
import type { Layer, LayerContext, TransportEndpoints } from './layer.js';
import type { StackKeys, StackOptions } from './stack-options.js';
import type { MacAddress } from './wire/address.js';

/** One layer of a spec with its setting, if it takes one. */
export interface LayerSpec {
  name: string;
  /** screen(N): the number of filter rules. */
  rules?: number;
  /** esp(cipher,auth), esp(aead) and ah(auth): the IPsec transforms. */
  cipher?: 'des' | '3des' | 'aes128' | 'aes128gcm';
  auth?: IpsecAuth;
}

/** The authentication transforms of IPsec: HMAC-MD5-96 and HMAC-SHA-256-128. */
export type IpsecAuth = 'md5' | 'sha256';

/** The crypto primitives a layer runs on each packet (bench/primitives.ts measures each alone). */
export type CryptoPrimitive = 'md5' | 'des' | '3des' | 'aes128' | 'aes256' | 'sha1' | 'sha256' | 'aes128gcm' | 'chacha20poly1305';

/** The primitives of the 1996 paper; every other one is today's (the report's "1996 crypto and today's"). */
export const PAPER_PRIMITIVES: readonly CryptoPrimitive[] = ['md5', 'des', '3des'];

/** Everything a layer's constructor may need, prepared once per stack by the builder. */
export interface LayerBuild {
  readonly spec: LayerSpec;
  /** The stack's drop counters and lock. */
  readonly ctx: LayerContext;
  readonly options: StackOptions;
  readonly provider: CryptoProvider;
  readonly keys: StackKeys;
  /** The transport's addresses and ports (host byte order). */
  readonly ends: TransportEndpoints;
  readonly macs: { localMac: MacAddress; remoteMac: MacAddress };
  /** Keeps the IVs of senders sharing a key apart (a worker and connection). */
  readonly instance: number;
}

/** How a run treats received traffic: genuine frames, or templates replayed with new numbers. */
export interface RunKind {
  side: 'send' | 'recv';
  verify: boolean;
}

/** What a layer checks on a run: what drops a packet, and what is computed but only compared. */
export interface Checks {
  enforced: string[];
  computedOnly: string[];
}

export interface LayerKind {
  /** As a spec writes it, lower case. */
  readonly name: string;
  /** How the layer and its setting are written (`screen(N), ...`); absent when it takes none. */
  readonly form?: string;
  /** Reads the setting inside the parentheses: the spec's fields, or what is wrong (a phrase). */
  readonly parseSetting?: (setting: string) => Omit<LayerSpec, 'name'> | string;
  /** What may stand directly below it; empty for a link layer, the bottom of every stack. */
  readonly below: readonly string[];
  /** May be a stack's top layer (what an application or a gateway sees). */
  readonly top: boolean;
  /** On top, the stack forwards packets (a gateway) rather than ending a connection. */
  readonly gateway: boolean;
  /** The transport it is, when it is one ('tcp' or 'udp'): what the drivers need to know. */
  readonly transport?: 'tcp' | 'udp';
  /** Its layer keeps a tunnel's security association (implements SecurityAssociation). */
  readonly securityAssociation?: true;
  readonly build: (b: LayerBuild) => Layer;
  /** The reasons it drops for, as its counters and reports name them. */
  readonly drops: DropGroup;
  /** What it checks on received traffic in a run of this kind (absent: nothing beyond its drops). */
  readonly checks?: (spec: LayerSpec, run: RunKind) => Checks;
  /** The crypto primitives it runs on each packet (absent: none). */
  readonly primitives?: (spec: LayerSpec) => readonly CryptoPrimitive[];
  /** Stacks the fuzzer runs by default to cover this layer, beyond the paper's four on both links. */
  readonly fuzzStacks: readonly string[];
}
