// Every kind of layer, once. A new layer is its own file (the class and its kind) plus one line
// here; the spec parser, the stack builder, drops, enforcement, the fuzzer and the reports read
// this list. The order is the one error messages list the layers in.

import { reasonNames } from './drops.js';
import type { CryptoPrimitive, LayerKind } from './layer-kind.js';
import { AES128GCM_KIND, CHACHA20POLY1305_KIND } from './layers/aead-records.js';
import { AES128_KIND, AES256_KIND, DES_KIND, TDES_KIND } from './layers/cbc-records.js';
import { SHA1_KIND, SHA256_KIND } from './layers/hmac-ah.js';
import { AH_KIND, ESP_KIND } from './layers/ipsec.js';
import { IP_KIND } from './layers/ipv4.js';
import { ETH_KIND, FDDI_KIND } from './layers/link.js';
import { MD5_KIND } from './layers/md5-ah.js';
import { SCREEN_KIND } from './layers/screen.js';
import { TCP_KIND } from './layers/tcp/tcp-layer.js';
import { UDP_KIND } from './layers/udp.js';

export const LAYER_KINDS: readonly LayerKind[] = [
  DES_KIND,
  TDES_KIND,
  AES128_KIND,
  AES256_KIND,
  AES128GCM_KIND,
  CHACHA20POLY1305_KIND,
  TCP_KIND,
  UDP_KIND,
  MD5_KIND,
  SHA1_KIND,
  SHA256_KIND,
  SCREEN_KIND,
  ESP_KIND,
  AH_KIND,
  IP_KIND,
  FDDI_KIND,
  ETH_KIND,
];

const BY_NAME = new Map(LAYER_KINDS.map((kind) => [kind.name, kind]));

/** The kind of a layer name, or undefined for a name no layer has. */
export function layerKind(name: string): LayerKind | undefined {
  return BY_NAME.get(name);
}

/** The kind of a layer name the spec parser accepted (throws for any other: a programming error). */
export function kindOf(name: string): LayerKind {
  const kind = BY_NAME.get(name);
  if (kind === undefined) throw new Error(`no layer is named '${name}'`);
  return kind;
}

/** The layer names, in registry order. */
export const LAYER_NAMES: readonly string[] = LAYER_KINDS.map((kind) => kind.name);

/** Crypto primitives from the dearest per byte to the cheapest: a stack's dominant one comes first. */
export const PRIMITIVES_BY_COST: readonly CryptoPrimitive[] = [
  '3des',
  'des',
  'aes256',
  'aes128',
  'sha256',
  'sha1',
  'md5',
  'chacha20poly1305',
  'aes128gcm',
];

/** Every drop reason's report name, each header's once (FDDI and Ethernet share the link's). */
export const DROP_REASON_NAMES: readonly string[] = [
  ...new Map(LAYER_KINDS.map((kind) => [kind.drops.header, kind.drops])).values(),
].flatMap(reasonNames);

/** The header a drop reason belongs to: the first word of its name (`tcp-checksum` → `tcp`). */
export function dropLayer(reason: string): string {
  return reason.split('-')[0]!;
}
