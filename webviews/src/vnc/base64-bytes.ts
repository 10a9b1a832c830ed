// Base64 both ways for the graphical console's bytes, with the browser's atob/btoa (also in Node).

export function bytesFromBase64(data: string): Uint8Array {
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index += 1) bytes[index] = text.charCodeAt(index);
  return bytes;
}

export function base64FromBytes(bytes: Uint8Array): string {
  let text = '';
  // In slices: String.fromCharCode takes its arguments on the stack.
  for (let start = 0; start < bytes.length; start += 8192) text += String.fromCharCode(...bytes.subarray(start, start + 8192));
  return btoa(text);
}

/**
 * `text`, base64 pieces joined (each may end in padding), as pieces of at most `maximum`
 * characters (a multiple of 4) that each decode on their own.
 */
export function base64Pieces(text: string, maximum: number): string[] {
  const size = maximum - (maximum % 4);
  const pieces: string[] = [];
  for (const whole of text.match(/[^=]+={0,2}|=+/g) ?? []) {
    for (let start = 0; start < whole.length; start += size) pieces.push(whole.slice(start, start + size));
  }
  return pieces;
}
