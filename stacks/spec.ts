// Stack specs name the layers top first, as the paper writes them: tcp/ip/fddi,
// tcp/md5/ip/fddi, des/tcp/md5/ip/fddi, 3des/tcp/md5/ip/fddi. The parser checks each layer against
// what may stand below the one above it, and names the offender and the alternatives. A layer
// that needs a setting takes it in parentheses: screen(100)/ip/eth is a packet screen of 100 rules.

export const LAYER_NAMES = ['des', '3des', 'tcp', 'udp', 'md5', 'screen', 'esp', 'ah', 'ip', 'fddi', 'eth'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

/** One layer of a spec with its setting, if it takes one. */
export interface LayerSpec {
  name: LayerName;
  /** screen(N): the number of filter rules. */
  rules?: number;
  /** esp(cipher,auth) and ah(auth): the IPsec transforms. */
  cipher?: 'des' | '3des';
  auth?: 'md5';
}

/** The most rules a screen may have (ip-filter lists of a few thousand rules were the large ones). */
export const MAX_SCREEN_RULES = 10_000;

/** How each layer that takes a setting is written, for messages. */
const SETTING_FORMS: Partial<Record<LayerName, string>> = {
  screen: 'screen(N), N filter rules from 0 to 10000, e.g. screen(100)',
  esp: 'esp(cipher,auth): esp(3des,md5) or esp(des,md5) (CBC with HMAC-MD5-96)',
  ah: 'ah(auth): ah(md5) (HMAC-MD5-96)',
};

/** What may stand directly below each layer. A link layer is the bottom: nothing below it. */
const BELOW: Record<LayerName, readonly LayerName[]> = {
  des: ['tcp', 'udp'],
  '3des': ['tcp', 'udp'],
  tcp: ['md5', 'ip'],
  udp: ['md5', 'ip'],
  md5: ['ip'],
  screen: ['ip'],
  esp: ['ip'],
  ah: ['ip'],
  ip: ['fddi', 'eth'],
  fddi: [],
  eth: [],
};

/**
 * A stack delivers to an application, so its top is a transport or a cipher above one; or it is
 * a gateway's layer (a packet screen) that passes packets on.
 */
const TOP: readonly LayerName[] = ['des', '3des', 'tcp', 'udp', 'screen', 'esp', 'ah'];
/** Layers on top of which a stack forwards packets rather than ending a connection. */
const GATEWAY_TOPS: readonly LayerName[] = ['screen', 'esp', 'ah'];
const LINKS: readonly LayerName[] = ['fddi', 'eth'];

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

function isLayerName(name: string): name is LayerName {
  return (LAYER_NAMES as readonly string[]).includes(name);
}

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
function layerSetting(name: LayerName, setting: string | null, text: string, i: number): LayerSpec {
  const form = SETTING_FORMS[name];
  const fail = (what: string): never => {
    throw new StackSpecError(`${what} at position ${i + 1} of stack '${text}': write ${form ?? name}`, text, name, [form ?? name]);
  };
  if (form === undefined) {
    if (setting !== null) fail(`'${name}' takes no setting`);
    return { name };
  }
  if (setting === null) return fail(`'${name}' needs its setting`);
  const args = setting.split(',').map((a) => a.trim());
  if (name === 'esp') {
    if (args.length !== 2 || (args[0] !== 'des' && args[0] !== '3des') || args[1] !== 'md5') fail(`'esp(${setting})' is not a transform`);
    return { name, cipher: args[0] as 'des' | '3des', auth: 'md5' };
  }
  if (name === 'ah') {
    if (args.length !== 1 || args[0] !== 'md5') fail(`'ah(${setting})' is not a transform`);
    return { name, auth: 'md5' };
  }
  // screen(N)
  if (!/^\d+$/.test(setting) || Number(setting) > MAX_SCREEN_RULES) fail(`'${name}(${setting})' is not a rule count`);
  return { name, rules: Number(setting) };
}

/** True for a packet screen (screen(N) on top). */
export function isScreenSpec(spec: string): boolean {
  return parseStackSpec(spec)[0] === 'screen';
}

/** True for an IPsec gateway stack (esp(...) or ah(...) on top). */
export function isIpsecSpec(spec: string): boolean {
  const top = parseStackSpec(spec)[0];
  return top === 'esp' || top === 'ah';
}

/** True for a stack that forwards packets (a packet screen) rather than ending a connection. */
export function isGatewaySpec(spec: string): boolean {
  return GATEWAY_TOPS.includes(parseStackSpec(spec)[0]!);
}

/** Parses a spec into its layers with their settings, top first. */
export function parseStackLayers(spec: string): LayerSpec[] {
  const text = spec.trim();
  if (text === '') {
    throw new StackSpecError(`empty stack spec: name the layers top first, e.g. ${PAPER_STACKS[0]}`, spec, '', TOP);
  }
  const tokens = text.split('/').map((t) => t.trim().toLowerCase());
  const layers: LayerName[] = [];
  const settings: LayerSpec[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const { name: token, setting } = splitToken(tokens[i]!);
    const above = layers[i - 1];
    const allowed = above === undefined ? TOP : BELOW[above];
    const where = above === undefined ? 'as the top layer' : `below ${above}`;
    if (!isLayerName(token)) {
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
        above !== undefined && LINKS.includes(above)
          ? `${above} is a link layer, the bottom of a stack: nothing may stand below it`
          : `${where} may stand ${either(allowed)}`;
      throw new StackSpecError(`'${token}' cannot stand ${where} in stack '${text}': ${reason}`, spec, token, allowed);
    }
    layers.push(token);
    settings.push(layerSetting(token, setting, text, i));
  }
  const bottom = layers[layers.length - 1]!;
  if (!LINKS.includes(bottom)) {
    throw new StackSpecError(
      `stack '${text}' ends at '${bottom}' without a link layer: below ${bottom} may stand ${either(BELOW[bottom])}`,
      spec,
      bottom,
      BELOW[bottom],
    );
  }
  return settings;
}

/** The primitive that dominates a stack's cost: its cipher, else its digest; null for neither. */
/** Every crypto primitive a stack runs on each packet (a gateway's transforms included), dominant first. */
export function cryptoPrimitives(spec: string): ('md5' | 'des' | '3des')[] {
  const top = parseStackLayers(spec)[0]!;
  const used = top.name === 'esp' ? [top.cipher!, 'md5'] : top.name === 'ah' ? ['md5'] : parseStackSpec(spec);
  return (['3des', 'des', 'md5'] as const).filter((p) => used.includes(p));
}

export function dominantPrimitive(spec: string): 'md5' | 'des' | '3des' | null {
  const top = parseStackLayers(spec)[0]!;
  if (top.name === 'esp') return top.cipher!;
  if (top.name === 'ah') return 'md5';
  const layers = parseStackSpec(spec);
  if (layers.includes('3des')) return '3des';
  if (layers.includes('des')) return 'des';
  if (layers.includes('md5')) return 'md5';
  return null;
}
