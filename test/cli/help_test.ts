import assert from "node:assert/strict";
import { join } from "node:path";
import { COMMANDS, HELP } from "../../src/cli/main.ts";
import { defaultCycleOut } from "../../src/cli/cycle_command.ts";
import { BACKEND_NAMES } from "../../src/backends/select.ts";
import { REPO } from "../run_deno.ts";
import { runCli } from "./run_cli.ts";

const README = await Deno.readTextFile(join(REPO, "README.md"));

Deno.test("help: every command lists -h and each of its flags, with a value placeholder and a default", () => {
  for (const [name, c] of Object.entries(COMMANDS)) {
    assert.match(c.help, new RegExp(`^squeeze ${name} — `), name);
    assert.match(c.help, /^ {2}-h, --help +this text$/m, `${name} lists -h`);
    for (const [flag, spec] of Object.entries(c.options)) {
      if (flag === "help") continue;
      const line = c.help.split("\n").find((l) => l.trimStart().startsWith(`--${flag} `));
      assert.ok(line, `${name} --help lists --${flag}`);
      if (spec.type === "string") {
        assert.match(line, new RegExp(`--${flag} [A-Z]+ `), `${name} --${flag} names its value`);
        const block = c.help.slice(c.help.indexOf(line)).split(/\n {2}-/)[0];
        assert.match(block, /\[[^\]]*\]|required/, `${name} --${flag} gives a default`);
      }
    }
  }
  assert.match(HELP, /^ {2}finetune +train a pruned model/m);
});

Deno.test("help: `help prune` prints prune's help; `help` lists the commands; unknown names are errors", async () => {
  for (const name of Object.keys(COMMANDS)) {
    const r = await runCli(["help", name]);
    assert.equal(r.code, 0);
    assert.equal(r.out, COMMANDS[name].help);
    assert.equal((await runCli([name, "--help"])).out, COMMANDS[name].help);
  }
  assert.equal((await runCli(["help"])).out, HELP);
  const bad = await runCli(["help", "prune9"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /squeeze help: unknown command "prune9"/);
});

Deno.test("README and help agree: the command table, backend choices, the cycle output folder", () => {
  const cli = README.slice(README.indexOf("## The CLI"), README.indexOf("## Using the module"));
  for (const name of Object.keys(COMMANDS)) {
    assert.match(cli, new RegExp(`^\\| \`${name}[ \`]`, "m"), `README's CLI table lists ${name}`);
  }
  const choices = BACKEND_NAMES.join("|");
  assert.ok(cli.includes(`--backend ${BACKEND_NAMES.join("\\|")}`), "README: cycle --backend");
  for (const name of ["train", "cycle", "finetune"]) {
    assert.ok(COMMANDS[name].help.includes(BACKEND_NAMES.join(" | ")), `${name}: ${choices}`);
  }
  const folder = defaultCycleOut("784-300-100-10", "mnist", 0);
  assert.ok(README.includes(`${folder}/minimized.safetensors`), `README names ${folder}`);
  assert.ok(COMMANDS.cycle.help.includes(folder));
  assert.doesNotMatch(README, /runs\/cycle-784-300-100-10-s0/);
});
