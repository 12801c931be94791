/** Float64 twin of the Omniglot gather kernel (shaders/omniglot_gather.wgsl): the pixels an image code reads. */
import { omniglotPixel } from '../layout/omniglot_codes';

/** Pixel (y, x) of the image a code names (see omniglotEpisodeCodes), turned and shifted as the gather kernel does. */
export function omniglotCodePixel(
  images: ArrayLike<number>,
  size: number,
  code: number,
  shift: number,
  y: number,
  x: number,
): number {
  const span = 2 * shift + 1;
  const base = Math.floor(code / (span * span));
  const sy = y + shift - (Math.floor(code / span) % span);
  const sx = x + shift - (code % span);
  if (sy < 0 || sy >= size || sx < 0 || sx >= size) return 0;
  const image = Array.prototype.slice.call(
    images,
    Math.floor(base / 4) * size * size,
    (Math.floor(base / 4) + 1) * size * size,
  );
  return omniglotPixel(image, size, base % 4, sy, sx);
}
