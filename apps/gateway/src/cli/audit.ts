// `postern audit list`: a tenant's audit log, newest first (auditPage, the
// portal's Audit log page), or with --device one phone's timeline (deviceTimeline,
// the portal's device page: "why isn't this phone syncing").
import { auditDetails, auditPage, deviceTimeline, getTenant } from "@postern/db/provisioning";
import type { CommandDef } from "./commands.ts";
import { type CliContext, table } from "./context.ts";
import { intOpt, uuidArg } from "./options.ts";

/** `user:<id>` as the member's email, as the portal shows it; other actors (cli, device:…, system) as they are. */
async function actorNames(ctx: CliContext, tenantId: string, actors: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(actors.filter((a) => a.startsWith("user:")).map((a) => a.slice(5)))];
  if (!ids.length) return new Map();
  const users = await ctx.prov.prisma.user.findMany({
    where: { id: { in: ids }, memberships: { some: { tenantId } } },
    select: { id: true, email: true },
  });
  return new Map(users.map((u) => [`user:${u.id}`, u.email]));
}

export const AUDIT_COMMAND: CommandDef = {
  name: "audit list",
  summary: "A tenant's audit log, newest first; with --device, that phone's timeline",
  options: {
    tenant: { type: "string", required: true, help: "tenant slug" },
    device: { type: "string", help: "a device id: its timeline (sign-ins, failures, revocation, mailbox sync)" },
    limit: { type: "string", help: "at most this many entries (default 50)" },
  },
  async run(ctx, o) {
    const limit = intOpt(o.limit, "limit", 1, 10_000) ?? 50;
    const deviceId = o.device === undefined ? undefined : uuidArg(String(o.device), "a device id (see device list)");
    const tenant = await getTenant(ctx.prov, String(o.tenant));
    if (deviceId) {
      const {
        device: d,
        entries,
        lastCommands,
      } = await deviceTimeline(ctx.prov, {
        tenantId: tenant.id,
        id: deviceId,
      });
      const device = {
        id: d.id,
        name: d.name,
        platform: d.platform,
        mailbox: d.mailbox.address,
        createdAt: d.createdAt,
        lastSeenAt: d.lastSeenAt,
        lastSeenIp: d.lastSeenIp,
        lastClient: d.lastClient,
        revokedAt: d.revokedAt,
      };
      const shown = entries.slice(0, limit);
      // What the phone last asked and was told (auth/activity.ts), newest first.
      ctx.out({ device, entries: shown, lastCommands }, () =>
        [
          `${d.name} (${d.platform}) on ${d.mailbox.address}${d.revokedAt ? " — revoked" : ""}`,
          table(shown, ["at", "kind", "title", "detail"]),
          "",
          lastCommands.length ? "Last commands:" : "Last commands: none yet",
          ...(lastCommands.length
            ? [
                table(
                  lastCommands.map((c) => ({
                    at: c.at,
                    command: `${c.proto} ${c.command}`,
                    folder: c.folder ?? null,
                    result: `${c.status}${c.code ? ` [${c.code}]` : ""}${c.text ? ` ${c.text}` : ""}`,
                    ms: c.ms ?? null,
                  })),
                  ["at", "command", "folder", "result", "ms"],
                ),
              ]
            : []),
        ].join("\n"),
      );
      return;
    }
    // The portal's pages, followed back until there are enough.
    const rows: Awaited<ReturnType<typeof auditPage>>["rows"] = [];
    let before: bigint | undefined;
    do {
      const page = await auditPage(ctx.prov, { tenantId: tenant.id, before });
      rows.push(...page.rows);
      before = page.next ?? undefined;
    } while (before !== undefined && rows.length < limit);
    const events = rows.slice(0, limit);
    const names = await actorNames(
      ctx,
      tenant.id,
      events.map((e) => e.actor),
    );
    const value = events.map((e) => ({
      id: e.id,
      at: e.createdAt,
      actor: e.actor,
      who: names.get(e.actor) ?? (e.actor === "cli" ? "admin CLI" : e.actor),
      action: e.action,
      target: e.target,
      data: e.data,
      ip: e.ip,
    }));
    ctx.out(value, () =>
      table(
        value.map((e) => ({ ...e, details: auditDetails(e.data) })),
        ["at", "who", "action", "target", "details"],
      ),
    );
  },
};
