/** Test helper: runs Deno in a child process and collects its exit code and output. */

/** What a child `deno` process did. */
export interface DenoRun {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs `deno <args>` (no colours, never prompting for permissions). */
export async function runDeno(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<DenoRun> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: opts.cwd,
    env: { NO_COLOR: "1", ...opts.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: r.code, stdout: text(r.stdout), stderr: text(r.stderr) };
}

/** The repository's root folder. */
export const REPO = new URL("..", import.meta.url).pathname;
