// Stack specs name the layers top first, as the paper writes them: tcp/ip/fddi,
// tcp/md5/ip/fddi, des/tcp/md5/ip/fddi, 3des/tcp/md5/ip/fddi. The parser checks each layer against
// what may stand below the one above it (its kind in stacks/registry.ts), and names the offender
// and the alternatives. A layer that needs a setting takes it in parentheses: screen(100)/ip/eth is
// a packet screen of 100 rules.

import type { CryptoPrimitive, LayerKind, LayerSpec } from './layer-kind.js';
import { AH_KIND, ESP_KIND } from './layers/ipsec.js';
import { SCREEN_KIND } from './layers/screen.js';
import { LAYER_KINDS, LAYER_NAMES, PRIMITIVES_BY_COST, kindOf, layerKind } from './registry.js';

export type { LayerSpec } from './layer-kind.js';
/** A layer's name as a spec writes it (stacks/registry.ts lists them). */
export type LayerName = string;

/** The paper's four stacks, over FDDI. */
export const PAPER_STACKS = ['tcp/ip/fddi', 'tcp/md5/ip/fddi', 'des/tcp/md5/ip/fddi', '3des/tcp/md5/ip/fddi'] as const;

export class StackSpecError extends Error {
  constructor(
    message: string,
    readonly spec: string,
    /** The layer at fault as written ('' when the spec is empty). */
    readonly layer: string,
    /** What may stand in its place. */
    readonly allowed: readonly string[],
  ) {
    super(message);
    this.name = 'StackSpecError';
  }
}

function either(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? 'nothing') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** The names of the layers that may be a stack's top. */
const TOP: readonly string[] = LAYER_KINDS.filter((kind) => kind.top).map((kind) => kind.name);

/** Stack specs, comma-separated; a comma inside a layer's parentheses (esp(3des,md5)) is the layer's. */
export function stackList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if ((ch === ',' && depth === 0) || ch === undefined) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return out.filter((s) => s !== '');
}

/** Parses a spec such as `des/tcp/md5/ip/fddi` into layer names, top first. */
export function parseStackSpec(spec: string): LayerName[] {
  return parseStackLayers(spec).map((l) => l.name);
}

/** Splits `screen(100)` into its name and setting; a bare name has none. */
function splitToken(token: string): { name: string; setting: string | null } {
  const m = /^([^()]*)\((.*)\)$/.exec(token);
  return m === null ? { name: token, setting: null } : { name: m[1]!.trim(), setting: m[2]!.trim() };
}

/** Reads a layer's setting; throws naming the layer and the form it takes. */
function layerSetting(kind: LayerKind, setting: string | null, text: string, i: number): LayerSpec {
  const name = kind.name;
  const form = kind.form ?? name;
  const fail = (what: string): never => {
    throw new StackSpecError(`${what} at position ${i + 1} of stack '${text}': write ${form}`, text, name, [form]);
  };
  if (kind.parseSetting === undefined) {
    if (setting !== null) fail(`'${name}' takes no setting`);
    return { name };
  }
  if (setting === null) return fail(`'${name}' needs its setting`);
  const parsed = kind.parseSetting(setting);
  if (typeof parsed === 'string') return fail(`'${name}(${setting})' ${parsed}`);
  return { name, ...parsed };
}

/** A stack spec parsed once: its layers and what they make of the stack. */
export interface StackShape {
  /** The spec as written (trimmed). */
  readonly text: string;
  readonly layers: readonly LayerSpec[];
  /** The layers' names, top first (des, tcp, md5, ip, fddi). */
  readonly names: readonly LayerName[];
  /** The link layer at the bottom (fddi, eth). */
  readonly link: string;
  /** The transport it ends connections with, or null for a gateway. */
  readonly transport: 'tcp' | 'udp' | null;
  /** It forwards packets rather than ending a connection (a packet screen, an IPsec gateway). */
  readonly gateway: boolean;
  readonly screen: boolean;
  readonly ipsec: boolean;
  /** Every crypto primitive it runs on each packet (a gateway's transforms included), dominant first. */
  readonly primitives: readonly CryptoPrimitive[];
}

/** Each spec text's shape, parsed the first time it is asked for on this thread. */
const shapes = new Map<string, StackShape>();

/** The shape of `spec`, parsed once (throws StackSpecError, naming the layer, for a bad spec). */
export function stackShape(spec: string): StackShape {
  const known = shapes.get(spec);
  if (known !== undefined) return known;
  const layers = parseStackLayers(spec);
  const kinds = layers.map((l) => kindOf(l.name));
  const used = new Set(layers.flatMap((layer, i) => kinds[i]!.primitives?.(layer) ?? []));
  const top = layers[0]!.name;
  const shape: StackShape = {
    text: spec.trim(),
    layers,
    names: layers.map((l) => l.name),
    link: layers[layers.length - 1]!.name,
    transport: kinds.find((k) => k.transport !== undefined)?.transport ?? null,
    gateway: kinds[0]!.gateway,
    screen: top === SCREEN_KIND.name,
    ipsec: top === ESP_KIND.name || top === AH_KIND.name,
    primitives: PRIMITIVES_BY_COST.filter((p) => used.has(p)),
  };
  shapes.set(spec, shape);
  return shape;
}

/** True for a packet screen (screen(N) on top). */
export function isScreenSpec(spec: string): boolean {
  return stackShape(spec).screen;
}

/** True for an IPsec gateway stack (esp(...) or ah(...) on top). */
export function isIpsecSpec(spec: string): boolean {
  return stackShape(spec).ipsec;
}

/** True for a stack whose connections are TCP's (tcp somewhere below its top). */
export function isTcpSpec(spec: string): boolean {
  return stackShape(spec).transport === 'tcp';
}

/** True for a stack that forwards packets (a packet screen) rather than ending a connection. */
export function isGatewaySpec(spec: string): boolean {
  return stackShape(spec).gateway;
}

/** Parses a spec into its layers with their settings, top first. */
export function parseStackLayers(spec: string): LayerSpec[] {
  const text = spec.trim();
  if (text === '') {
    throw new StackSpecError(`empty stack spec: name the layers top first, e.g. ${PAPER_STACKS[0]}`, spec, '', TOP);
  }
  const tokens = text.split('/').map((t) => t.trim().toLowerCase());
  const layers: LayerKind[] = [];
  const settings: LayerSpec[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const { name: token, setting } = splitToken(tokens[i]!);
    const above = layers[i - 1];
    const allowed = above === undefined ? TOP : above.below;
    const where = above === undefined ? 'as the top layer' : `below ${above.name}`;
    const kind = layerKind(token);
    if (kind === undefined) {
      const shown = token === '' ? 'an empty layer name' : `unknown layer '${token}'`;
      throw new StackSpecError(
        `${shown} at position ${i + 1} of stack '${text}': ${where} may stand ${either(allowed)} (layers: ${LAYER_NAMES.join(', ')})`,
        spec,
        token,
        allowed,
      );
    }
    if (!allowed.includes(token)) {
      const reason =
        above !== undefined && above.below.length === 0
          ? `${above.name} is a link layer, the bottom of a stack: nothing may stand below it`
          : `${where} may stand ${either(allowed)}`;
      throw new StackSpecError(`'${token}' cannot stand ${where} in stack '${text}': ${reason}`, spec, token, allowed);
    }
    layers.push(kind);
    settings.push(layerSetting(kind, setting, text, i));
  }
  const bottom = layers[layers.length - 1]!;
  if (bottom.below.length !== 0) {
    throw new StackSpecError(
      `stack '${text}' ends at '${bottom.name}' without a link layer: below ${bottom.name} may stand ${either(bottom.below)}`,
      spec,
      bottom.name,
      bottom.below,
    );
  }
  return settings;
}

/** Every crypto primitive a stack runs on each packet (a gateway's transforms included), dominant first. */
export function cryptoPrimitives(spec: string): CryptoPrimitive[] {
  return [...stackShape(spec).primitives];
}

/** The primitive that dominates a stack's cost: its cipher, else its digest; null for neither. */
export function dominantPrimitive(spec: string): CryptoPrimitive | null {
  return cryptoPrimitives(spec)[0] ?? null;
}
