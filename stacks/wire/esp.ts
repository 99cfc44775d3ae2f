// IP Encapsulating Security Payload (RFC 2406 §2): SPI, sequence number, then the payload (for a
// CBC cipher, RFC 2405/2451/3602: an IV of one block and the ciphertext; for AES-GCM, RFC 4106: an
// 8-byte IV and the ciphertext), whose plaintext ends with padding, the pad length and the next
// header; then the ICV (12 bytes for HMAC-MD5-96, RFC 2403; 16 for HMAC-SHA-256-128 and GCM's tag).

export const ESP_HEADER_BYTES = 8;
export const ESP_IV_BYTES = 8;
export const ESP_TRAILER_BYTES = 2;
export const ESP_ICV_BYTES = 12;
export const EspOffset = { spi: 0, seq: 4, iv: 8 } as const;
/** IP protocol numbers: ESP 50; IPv4 in IPv4, the next header of a tunnel-mode packet, 4. */
export const IP_PROTO_ESP = 50;
export const IP_PROTO_IPIP = 4;

/** Bytes of padding (1, 2, 3, … as RFC 2406 §2.4 says) so that payload + padding + 2 fills `block`-byte blocks (8 by default). */
export function espPadding(payload: number, block = 8): number {
  return (block - ((payload + ESP_TRAILER_BYTES) % block)) % block;
}

/**
 * Bytes ESP adds around a payload in all: `front` (SPI, sequence number, IV), padding to `block`,
 * pad length and next header, and the ICV. The defaults are DES or 3DES with HMAC-MD5-96.
 */
export function espOverhead(payload: number, block = 8, front = ESP_HEADER_BYTES + ESP_IV_BYTES, icv = ESP_ICV_BYTES): number {
  return front + espPadding(payload, block) + ESP_TRAILER_BYTES + icv;
}

/** The largest payload whose packet fits `room` bytes (what the layer below takes), with `front`, padding to `block` and `icv`. */
export function espCapacity(room: number, block: number, front: number, icv: number): number {
  const sealed = room - front - icv;
  return sealed - (sealed % block) - ESP_TRAILER_BYTES;
}
