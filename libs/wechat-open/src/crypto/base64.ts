/**
 * Decodes standard base64 (RFC 4648 §4: `+` and `/`, `=` padding, no line breaks) and returns
 * null unless `text` is exactly the canonical encoding of the bytes: the alphabet only, a length
 * that is a multiple of 4, no more padding than needed, and zero in the unused low bits of the
 * last character. A text with those bits set decodes to the same bytes as another text, so it
 * would carry a second valid signature for one message.
 *
 * Node's decoder is lenient (it skips characters outside the alphabet, takes the URL-safe `-` and
 * `_`, ignores missing padding and stray bits); re-encoding its output natively and comparing is
 * exact and costs less than checking the alphabet character by character in JavaScript.
 */
export function decodeCanonicalBase64(text: string): Buffer | null {
  if (text.length === 0 || text.length % 4 !== 0) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}
