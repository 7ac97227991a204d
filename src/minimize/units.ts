/** Indices `0..n-1` not in `drop`. */
export function keepIndices(n: number, drop: ReadonlySet<number>): number[] {
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (!drop.has(i)) keep.push(i);
  return keep;
}
