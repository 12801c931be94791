/**
 * The forecasts any learned forecaster must beat, from the same context it reads: the last value carried
 * forward, and the value one season earlier (seasonal naive, Hyndman & Athanasopoulos, "Forecasting:
 * Principles and Practice", §5.2). Plain float64 arithmetic on the host.
 */

/** The last observed value, repeated for `horizon` steps. */
export function lastValue(context: ArrayLike<number>, horizon: number): number[] {
  return new Array<number>(horizon).fill(context[context.length - 1]);
}

/**
 * Each future step takes the value of the same season in the last observed cycle:
 * ŷ_{T+h} = y_{T+h−m(⌊(h−1)/m⌋+1)}. Falls back to the last value when the context is shorter than a season.
 */
export function seasonalNaive(context: ArrayLike<number>, horizon: number, season: number): number[] {
  const n = context.length;
  if (n < season) return lastValue(context, horizon);
  return Array.from({ length: horizon }, (_, j) => context[n - season + (j % season)]);
}
