/**
 * Temporary files that must not outlive an interrupted process: while one is registered,
 * SIGINT and SIGTERM remove every registered file and end the process with the usual
 * status (130, 143). With none registered, the signals keep their default behaviour.
 *
 * @module
 */

const pending = new Set<string>();
const SIGNALS = [["SIGINT", 130], ["SIGTERM", 143]] as const;
const listeners = new Map<Deno.Signal, () => void>();

function removeAllAndExit(status: number): void {
  for (const p of pending) {
    try {
      Deno.removeSync(p);
    } catch {
      // already gone
    }
  }
  pending.clear();
  uninstall();
  Deno.exit(status);
}

function install(): void {
  for (const [signal, status] of SIGNALS) {
    const fn = () => removeAllAndExit(status);
    try {
      Deno.addSignalListener(signal, fn);
      listeners.set(signal, fn);
    } catch {
      // signal not supported on this platform (SIGTERM on Windows)
    }
  }
}

function uninstall(): void {
  for (const [signal, fn] of listeners) Deno.removeSignalListener(signal, fn);
  listeners.clear();
}

/** Registers a temporary file to remove on SIGINT/SIGTERM. */
export function trackTempFile(path: string): void {
  if (pending.size === 0) install();
  pending.add(path);
}

/** Unregisters a temporary file (renamed into place or removed). */
export function untrackTempFile(path: string): void {
  if (pending.delete(path) && pending.size === 0) uninstall();
}
