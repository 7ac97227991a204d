/** A logger of a long command's phases on stderr, each with the seconds since it started. */
export function phaseLogger(cmd: string): (what: string) => void {
  const t0 = performance.now();
  return (what) =>
    console.error(`squeeze ${cmd} [${((performance.now() - t0) / 1000).toFixed(1)}s] ${what}`);
}
