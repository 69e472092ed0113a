/** `v` rounded to `digits` decimals (figures people read: calibration costs, health numbers). */
export function roundTo(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
