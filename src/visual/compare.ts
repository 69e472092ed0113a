/**
 * Pixel comparison of a snapshot against its baseline: pngjs decodes, pixelmatch counts differing pixels and
 * draws the diff image. Pure (buffers in, numbers and buffers out), so it is tested without a browser.
 *
 * Two thresholds, deliberately separate: pixelmatch's per-pixel colour distance decides whether one pixel
 * differs (anti-aliasing is ignored), and the checkpoint's threshold is the share of differing pixels that is
 * still acceptable.
 */
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, RGBA. */
  data: Uint8Array;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CompareOptions {
  /** Max share (0..1) of differing pixels that still counts as a match. */
  threshold: number;
  /** pixelmatch's per-pixel colour distance (0..1, OKLab HyAB). Default 0.1: ignores sub-visible noise. */
  pixelThreshold?: number;
}

export interface CompareResult {
  diffPixels: number;
  /** Pixels compared: the union of both sizes. */
  totalPixels: number;
  ratio: number;
  mismatch: boolean;
  /** Set when the sizes differ (e.g. a full-page snapshot whose page grew); the extra area counts as different. */
  sizeChanged?: { baseline: { width: number; height: number }; actual: { width: number; height: number } };
  /** Faded actual with differing pixels in DIFF_COLOR. */
  diff: RgbaImage;
}

/** Colour of differing pixels in diff images (pixelmatch's diffColor). */
export const DIFF_COLOR: readonly [number, number, number] = [255, 0, 0];
/** Fills the area one image lacks when sizes differ: a colour pages rarely use, so it reads as different. */
const PAD_COLOR: readonly [number, number, number, number] = [255, 0, 255, 255];
export const DEFAULT_PIXEL_THRESHOLD = 0.1;
/** Default share of differing pixels allowed per checkpoint (0.1 %: a few stray glyph pixels, not a widget). */
export const DEFAULT_THRESHOLD = 0.001;

export function decodePng(buffer: Uint8Array): RgbaImage {
  const png = PNG.sync.read(Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength));
  return { width: png.width, height: png.height, data: png.data };
}

export function encodePng(image: RgbaImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png);
}

/** The image placed at the top-left of a width × height canvas filled with PAD_COLOR. */
export function padTo(image: RgbaImage, width: number, height: number): RgbaImage {
  if (image.width === width && image.height === height) return image;
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(PAD_COLOR, i);
  const rowBytes = image.width * 4;
  for (let y = 0; y < image.height; y++) {
    data.set(image.data.subarray(y * rowBytes, y * rowBytes + rowBytes), y * width * 4);
  }
  return { width, height, data };
}

export function compareImages(baseline: RgbaImage, actual: RgbaImage, opts: CompareOptions): CompareResult {
  const width = Math.max(baseline.width, actual.width);
  const height = Math.max(baseline.height, actual.height);
  const a = padTo(baseline, width, height);
  const b = padTo(actual, width, height);
  const out = new Uint8Array(width * height * 4);
  const diffPixels = pixelmatch(a.data, b.data, out, width, height, {
    threshold: opts.pixelThreshold ?? DEFAULT_PIXEL_THRESHOLD,
    diffColor: [...DIFF_COLOR],
    alpha: 0.25,
  });
  const totalPixels = width * height;
  const ratio = totalPixels === 0 ? 0 : diffPixels / totalPixels;
  const sized = baseline.width !== actual.width || baseline.height !== actual.height;
  return {
    diffPixels,
    totalPixels,
    ratio,
    mismatch: ratio > opts.threshold,
    ...(sized ? { sizeChanged: { baseline: { width: baseline.width, height: baseline.height }, actual: { width: actual.width, height: actual.height } } } : {}),
    diff: { width, height, data: out },
  };
}

/** Smallest box around the pixels drawn in DIFF_COLOR in a diff image (undefined when there are none). */
export function diffBoundingBox(diff: RgbaImage): Box | undefined {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -1;
  let maxY = -1;
  const [r, g, b] = DIFF_COLOR;
  for (let y = 0; y < diff.height; y++) {
    for (let x = 0; x < diff.width; x++) {
      const p = (y * diff.width + x) * 4;
      if (diff.data[p] === r && diff.data[p + 1] === g && diff.data[p + 2] === b) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  return maxX < 0 ? undefined : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}
