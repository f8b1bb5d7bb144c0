// What the portal's pages show, one query shape per page, always scoped by
// tenant and paginated: a tenant with thousands of mailboxes and devices
// gets pages of PAGE_SIZE rows, counted with the indexes on tenant_id.
import type { ProvisioningContext } from "./context.ts";
import { notFound } from "./errors.ts";

export const PAGE_SIZE = 50;

export interface PageInput {
  tenantId: string;
  /** 1-based. */
  page?: number;
  /** Substring of the address (mailboxes) or device/mailbox name (devices). */
  q?: string;
}

function paging(page: number | undefined) {
  const p = Math.max(1, Math.floor(page ?? 1));
  return { page: p, skip: (p - 1) * PAGE_SIZE, take: PAGE_SIZE };
}

export interface SyncProgress {
  folder?: string;
  folders?: number;
  foldersDone?: number;
  done?: number;
  total?: number;
}

/** Folder and message counts for some mailboxes, in one grouped query. */
async function mailboxCounts(ctx: ProvisioningContext, ids: string[]) {
  if (!ids.length) return new Map<string, { folders: number; messages: number }>();
  const rows = await ctx.prisma.$queryRaw<Array<{ mailbox_id: string; folders: number; messages: number }>>`
    SELECT f.mailbox_id::text AS mailbox_id,
           count(DISTINCT f.id)::int AS folders,
           count(m.uid)::int AS messages
    FROM folder f LEFT JOIN message m ON m.folder_id = f.id
    WHERE f.mailbox_id = ANY(${ids}::uuid[]) AND NOT f.no_select
    GROUP BY f.mailbox_id`;
  return new Map(rows.map((r) => [r.mailbox_id, { folders: r.folders, messages: r.messages }]));
}

export async function mailboxPage(ctx: ProvisioningContext, input: PageInput) {
  const { page, skip, take } = paging(input.page);
  const where = {
    tenantId: input.tenantId,
    ...(input.q ? { address: { contains: input.q.trim().toLowerCase() } } : {}),
  };
  const [total, rows] = await Promise.all([
    ctx.prisma.mailbox.count({ where }),
    ctx.prisma.mailbox.findMany({
      where,
      orderBy: { address: "asc" },
      skip,
      take,
      include: {
        backend: { select: { id: true, name: true, kind: true } },
        _count: { select: { devices: { where: { revokedAt: null } } } },
      },
    }),
  ]);
  const counts = await mailboxCounts(
    ctx,
    rows.map((r) => r.id),
  );
  return {
    page,
    pageSize: PAGE_SIZE,
    total,
    rows: rows.map((r) => ({
      ...r,
      progress: (r.syncProgress ?? {}) as SyncProgress,
      folders: counts.get(r.id)?.folders ?? 0,
      messages: counts.get(r.id)?.messages ?? 0,
      activeDevices: r._count.devices,
    })),
  };
}

export async function mailboxDetail(ctx: ProvisioningContext, input: { tenantId: string; id: string }) {
  const m = await ctx.prisma.mailbox.findFirst({
    where: { id: input.id, tenantId: input.tenantId },
    include: { backend: { select: { id: true, name: true, kind: true, host: true } } },
  });
  if (!m) throw notFound("No such mailbox in this workspace");
  const [counts, devices, hasSecret] = await Promise.all([
    mailboxCounts(ctx, [m.id]),
    ctx.prisma.device.findMany({ where: { mailboxId: m.id }, orderBy: { createdAt: "desc" }, take: 200 }),
    ctx.prisma.mailbox.findUnique({ where: { id: m.id }, select: { secretCipher: true } }),
  ]);
  return {
    ...m,
    progress: (m.syncProgress ?? {}) as SyncProgress,
    folders: counts.get(m.id)?.folders ?? 0,
    messages: counts.get(m.id)?.messages ?? 0,
    devices,
    // Whether a password is stored — never the password.
    hasPassword: Boolean(hasSecret?.secretCipher),
  };
}

export async function devicePage(ctx: ProvisioningContext, input: PageInput & { mailboxId?: string }) {
  const { page, skip, take } = paging(input.page);
  const q = input.q?.trim();
  const where = {
    tenantId: input.tenantId,
    ...(input.mailboxId ? { mailboxId: input.mailboxId } : {}),
    ...(q
      ? {
          OR: [
            { name: { contains: q, mode: "insensitive" as const } },
            { mailbox: { address: { contains: q.toLowerCase() } } },
          ],
        }
      : {}),
  };
  const [total, rows] = await Promise.all([
    ctx.prisma.device.count({ where }),
    ctx.prisma.device.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      skip,
      take,
      include: { mailbox: { select: { id: true, address: true } } },
    }),
  ]);
  return { page, pageSize: PAGE_SIZE, total, rows };
}

/** The audit log, newest first, in pages before an event id (keyset: fast at any depth). */
export async function auditPage(ctx: ProvisioningContext, input: { tenantId: string; before?: bigint }) {
  const rows = await ctx.prisma.auditEvent.findMany({
    where: { tenantId: input.tenantId, ...(input.before ? { id: { lt: input.before } } : {}) },
    orderBy: { id: "desc" },
    take: PAGE_SIZE + 1,
  });
  return { rows: rows.slice(0, PAGE_SIZE), next: rows.length > PAGE_SIZE ? rows[PAGE_SIZE - 1].id : null };
}

export async function tenantOverview(ctx: ProvisioningContext, tenantId: string) {
  const [backends, mailboxes, devices, members, attention] = await Promise.all([
    ctx.prisma.backend.count({ where: { tenantId } }),
    ctx.prisma.mailbox.count({ where: { tenantId } }),
    ctx.prisma.device.count({ where: { tenantId, revokedAt: null } }),
    ctx.prisma.membership.count({ where: { tenantId } }),
    ctx.prisma.mailbox.findMany({
      where: { tenantId, syncState: { in: ["error", "needs_attention"] } },
      orderBy: { updatedAt: "desc" },
      take: 5,
      select: { id: true, address: true, syncState: true, lastError: true },
    }),
  ]);
  const attentionTotal = attention.length
    ? await ctx.prisma.mailbox.count({ where: { tenantId, syncState: { in: ["error", "needs_attention"] } } })
    : 0;
  return { backends, mailboxes, devices, members, attention, attentionTotal };
}

export type TimelineEntry = {
  at: Date;
  kind: "created" | "enrolled" | "seen" | "revoked" | "sync" | "audit";
  tone: "info" | "good" | "warn" | "bad";
  title: string;
  detail?: string;
};

/**
 * "Why isn't this phone syncing": what Postern knows about one device, newest
 * first — audit events about it (added, enrolled, revoked; its first
 * sign-in and sign-ins from a new address or client; failed sign-ins to its
 * mailbox, as the gateway records them), when it was last seen and with which
 * client, and the sync state of its mailbox.
 */
/**
 * One of a device's recent commands, as the gateway writes them into
 * `device.last_commands`, newest first (apps/gateway/src/auth/activity.ts).
 */
export interface DeviceCommand {
  /** ISO time the command completed. */
  at: string;
  proto: "imap" | "smtp";
  command: string;
  /** IMAP OK/NO/BAD, or the SMTP reply code. */
  status: string;
  ms?: number;
  folder?: string;
  code?: string;
  text?: string;
}

export async function deviceTimeline(ctx: ProvisioningContext, input: { tenantId: string; id: string }) {
  const device = await ctx.prisma.device.findFirst({
    where: { id: input.id, tenantId: input.tenantId },
    include: {
      mailbox: {
        select: { id: true, address: true, syncState: true, lastError: true, lastSyncAt: true, updatedAt: true },
      },
    },
  });
  if (!device) throw notFound("No such device in this workspace");
  const events = await ctx.prisma.auditEvent.findMany({
    where: {
      tenantId: input.tenantId,
      OR: [
        { target: device.id },
        { actor: `device:${device.id}` },
        // Failed sign-ins match no device: the mailbox's are shown on each of its phones.
        { target: device.mailbox.id, action: "mailbox.login_failed" },
      ],
    },
    orderBy: { id: "desc" },
    take: 100,
  });
  const entries: TimelineEntry[] = events.map((e) => {
    const failed = /fail|denied|reject/.test(e.action);
    return {
      at: e.createdAt,
      kind: e.action === "device.enroll" ? "enrolled" : e.action === "device.revoke" ? "revoked" : "audit",
      tone: failed ? "bad" : e.action === "device.revoke" ? "warn" : "info",
      title: describeAction(e.action),
      detail: e.ip ? `from ${e.ip}` : undefined,
    };
  });
  if (!events.some((e) => e.action === "device.add" || e.action === "device.enroll")) {
    entries.push({ at: device.createdAt, kind: "created", tone: "info", title: "Device added" });
  }
  if (device.lastSeenAt) {
    entries.push({
      at: device.lastSeenAt,
      kind: "seen",
      tone: "good",
      title: "Last signed in to the gateway",
      detail: [device.lastClient, device.lastSeenIp ? `from ${device.lastSeenIp}` : null].filter(Boolean).join(" · "),
    });
  }
  const mb = device.mailbox;
  if (mb.syncState === "error" || mb.syncState === "needs_attention") {
    entries.push({
      at: mb.updatedAt,
      kind: "sync",
      tone: "bad",
      title: `Mailbox sync problem (${mb.address})`,
      detail: mb.lastError ?? undefined,
    });
  } else if (mb.lastSyncAt) {
    entries.push({ at: mb.lastSyncAt, kind: "sync", tone: "good", title: `Mailbox last synced with its backend` });
  }
  entries.sort((a, b) => b.at.getTime() - a.at.getTime());
  return { device, entries, lastCommands: (device.lastCommands ?? []) as unknown as DeviceCommand[] };
}

const ACTIONS: Record<string, string> = {
  "device.add": "Device added",
  "device.enroll": "Enrolled from a setup link",
  "device.revoke": "Revoked: its password stopped working and its sessions ended",
  "device.login": "Signed in",
  "device.login_failed": "Sign-in failed",
  "mailbox.login_failed": "A sign-in to this mailbox failed (wrong or old app password)",
};

export function describeAction(action: string): string {
  return ACTIONS[action] ?? action;
}

/** An audit event's data in one line ("name: Ana's phone · platform: ios"), as the portal and the CLI show it. */
export function auditDetails(data: unknown): string {
  if (!data || typeof data !== "object") return "";
  return Object.entries(data as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
}
