#!/usr/bin/env -S npx tsx
// postern — the admin CLI. `pnpm postern help` lists the commands.
import { parseArgs } from "node:util";
import { ProvisioningError } from "@postern/db/provisioning";
import { COMMANDS, type CommandDef, UsageError } from "./commands.ts";
import { openCliContext } from "./context.ts";

function usage(): string {
  const lines = ["usage: postern <command> [options] [--json]", "", "commands:"];
  for (const c of COMMANDS)
    lines.push(`  ${`${c.name}${c.positionals ? ` ${c.positionals.join(" ")}` : ""}`.padEnd(24)} ${c.summary}`);
  lines.push("", "Run `postern <command> --help` for its options.");
  return lines.join("\n");
}

function commandHelp(c: CommandDef): string {
  const lines = [
    `usage: postern ${c.name}${c.positionals ? ` ${c.positionals.join(" ")}` : ""} [options] [--json]`,
    "",
    c.summary,
    "",
  ];
  for (const [name, o] of Object.entries(c.options)) {
    const flag = o.type === "boolean" ? `--${name}` : `--${name} VALUE`;
    lines.push(`  ${flag.padEnd(26)} ${o.help}${o.required ? " (required)" : ""}`);
  }
  lines.push(`  ${"--json".padEnd(26)} print JSON only, for scripts`);
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  if (!argv.length || argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
    console.log(usage());
    return argv.length ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => argv.slice(0, 2).join(" ") === c.name) ?? COMMANDS.find((c) => argv[0] === c.name);
  if (!cmd) throw new UsageError(`unknown command "${argv.slice(0, 2).join(" ")}"; run \`postern help\``);
  const rest = argv.slice(cmd.name.split(" ").length);
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(commandHelp(cmd));
    return 0;
  }
  const options = Object.fromEntries(
    Object.entries(cmd.options).map(([k, o]) => [k, o.multiple ? { type: o.type, multiple: true } : { type: o.type }]),
  ) as Record<string, { type: "string" | "boolean"; multiple?: boolean }>;
  options.json = { type: "boolean" };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split("\n")[0]);
  }
  const values = parsed.values as Record<string, unknown>;
  for (const [k, o] of Object.entries(cmd.options)) {
    if (o.required && (values[k] === undefined || values[k] === "")) throw new UsageError(`missing --${k} (${o.help})`);
  }
  if (!cmd.positionals && parsed.positionals.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  }
  const ctx = await openCliContext({ json: Boolean(values.json) });
  try {
    await cmd.run(ctx, values, parsed.positionals);
  } finally {
    await ctx.close();
  }
  // A command that finished but failed (a sync that did not, an import row refused) set the exit status.
  return Number(process.exitCode ?? 0);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`postern: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof ProvisioningError) {
      process.stderr.write(`postern: ${err.message}\n`);
      process.exit(err.code === "notFound" ? 3 : 1);
    }
    process.stderr.write(`postern: ${(err as Error).message ?? err}\n`);
    process.exit(1);
  },
);
