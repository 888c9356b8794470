/**
 * The y axis of a count chart: `tickCount` equal steps from 0, each step a whole "nice" number
 * (1, 2 or 5 x 10^n), the smallest such that the top reaches `max`.
 */
export function countScale(max: number, tickCount = 4): { top: number; ticks: number[] } {
  const needed = Math.max(1, max) / tickCount;
  let step = 1;
  for (let magnitude = 1; step < needed; magnitude *= 10) {
    step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= needed) ?? 10 * magnitude;
  }
  const ticks = Array.from({ length: tickCount + 1 }, (_, i) => i * step);
  return { top: tickCount * step, ticks };
}
