/** Shapes of the 3×3, padding-1 convolutions (no shader import, so that references and tests can use it). */

/** Channels-last images [batch, height, width, channels] under a 3×3 kernel, padding 1, `stride`. */
export interface Im2colShape {
  batch: number;
  height: number;
  width: number;
  channels: number;
  stride: number;
}

/** Output side of a 3×3, padding-1 convolution. */
export const convOut = (side: number, stride: number) => Math.floor((side - 1) / stride) + 1;
