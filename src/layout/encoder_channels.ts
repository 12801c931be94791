/**
 * The conv encoder's channels as a config carries them: comma-separated counts, one per stride-2
 * convolution ("32,64,64"). null when the text is not such a list (each count an integer from 1 to 4096).
 */
export function parseChannels(text: string | number[]): number[] | null {
  const parts = Array.isArray(text) ? text.map(String) : text.split(',').map((s) => s.trim());
  if (!parts.length || parts.length > 8) return null;
  const out = parts.map((s) => (/^\d+$/.test(s) ? Number(s) : NaN));
  return out.every((n) => Number.isInteger(n) && n >= 1 && n <= 4096) ? out : null;
}
