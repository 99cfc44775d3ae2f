// MAC and IPv4 addresses: parsed once at set-up into numbers the data path compares directly.

export interface MacAddress {
  /** The first two bytes, big-endian. */
  readonly hi: number;
  /** The last four bytes, big-endian, unsigned. */
  readonly lo: number;
}

export function parseMac(text: string): MacAddress {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new RangeError(`bad MAC address '${text}': expected six hex bytes such as 02:00:00:00:00:01`);
  }
  const b = parts.map((p) => parseInt(p, 16));
  return { hi: (b[0]! << 8) | b[1]!, lo: ((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0 };
}

export function formatMac(mac: MacAddress): string {
  const bytes = [mac.hi >>> 8, mac.hi & 0xff, mac.lo >>> 24, (mac.lo >>> 16) & 0xff, (mac.lo >>> 8) & 0xff, mac.lo & 0xff];
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function reverseBits8(x: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((x >>> i) & 1) << (7 - i);
  return r;
}

/**
 * The same address with the bits of each byte reversed: FDDI sends addresses most significant bit
 * first, so its headers (and LINKTYPE_FDDI captures, which Wireshark bit-swaps back) hold this
 * non-canonical form of an Ethernet-order address. Applying it twice gives the address back.
 */
export function nonCanonicalMac(mac: MacAddress): MacAddress {
  const hi = (reverseBits8(mac.hi >>> 8) << 8) | reverseBits8(mac.hi & 0xff);
  let lo = 0;
  for (let shift = 24; shift >= 0; shift -= 8) lo = lo * 256 + reverseBits8((mac.lo >>> shift) & 0xff);
  return { hi, lo };
}

export function writeMac(view: DataView, offset: number, mac: MacAddress): void {
  view.setUint16(offset, mac.hi);
  view.setUint32(offset + 2, mac.lo);
}

export function macEquals(view: DataView, offset: number, mac: MacAddress): boolean {
  return view.getUint16(offset) === mac.hi && view.getUint32(offset + 2) === mac.lo;
}

export function readMac(view: DataView, offset: number): MacAddress {
  return { hi: view.getUint16(offset), lo: view.getUint32(offset + 2) };
}

/** Dotted quad to an unsigned 32-bit number. */
export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new RangeError(`bad IPv4 address '${text}': expected a dotted quad such as 10.0.0.1`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0) >>> 0;
}

export function formatIpv4(addr: number): string {
  return [addr >>> 24, (addr >>> 16) & 0xff, (addr >>> 8) & 0xff, addr & 0xff].join('.');
}
