// IP Encapsulating Security Payload (RFC 2406 §2): SPI, sequence number, then the payload (for
// DES/3DES-CBC, RFC 2405/2451: an 8-byte IV and the ciphertext), whose plaintext ends with
// padding, the pad length and the next header; then the ICV (12 bytes for HMAC-MD5-96, RFC 2403).

export const ESP_HEADER_BYTES = 8;
export const ESP_IV_BYTES = 8;
export const ESP_TRAILER_BYTES = 2;
export const ESP_ICV_BYTES = 12;
export const EspOffset = { spi: 0, seq: 4, iv: 8 } as const;
/** IP protocol numbers: ESP 50; IPv4 in IPv4, the next header of a tunnel-mode packet, 4. */
export const IP_PROTO_ESP = 50;
export const IP_PROTO_IPIP = 4;

/** Bytes of padding (1, 2, 3, … as RFC 2406 §2.4 says) so that payload + padding + 2 fills 8-byte blocks. */
export function espPadding(payload: number): number {
  return (8 - ((payload + ESP_TRAILER_BYTES) % 8)) % 8;
}

/** Bytes ESP adds around a payload in all. */
export function espOverhead(payload: number): number {
  return ESP_HEADER_BYTES + ESP_IV_BYTES + espPadding(payload) + ESP_TRAILER_BYTES + ESP_ICV_BYTES;
}
