// `postern device add|enroll|list|revoke`: phones on a mailbox. `add` prints
// an app password once; `enroll` issues the portal's single-use setup link
// (createEnrollment, as the portal's "Add a phone" does) and shows it as a
// QR code the phone's camera opens.
import {
  addDevice,
  createEnrollment,
  ENROLLMENT_TTL_MS,
  findMailbox,
  listDevices,
  revokeDevice,
} from "@postern/db/provisioning";
import QRCode from "qrcode";
import type { CommandDef } from "./commands.ts";
import { table } from "./context.ts";
import { UsageError } from "./errors.ts";
import { str } from "./options.ts";
import { portalUrl, portalUrlConfigured } from "./portal-url.ts";

export const DEVICE_COMMANDS: CommandDef[] = [
  {
    name: "device add",
    summary: "Add a device (phone) to a mailbox; prints its app password once",
    options: {
      mailbox: { type: "string", required: true, help: "mailbox address" },
      name: { type: "string", required: true, help: 'device name, e.g. "Ana\'s iPhone"' },
      platform: { type: "string", help: "ios|android|other" },
    },
    async run(ctx, o) {
      const { device, password } = await addDevice(ctx.prov, {
        mailbox: String(o.mailbox),
        name: String(o.name),
        platform: str(o.platform),
      });
      ctx.out({ id: device.id, mailbox: device.mailbox, name: device.name, platform: device.platform, password }, () =>
        [
          `device ${device.id} added to ${device.mailbox}`,
          `app password (shown once): ${password}`,
          "Log in with the mailbox address and this password.",
        ].join("\n"),
      );
    },
  },
  {
    name: "device enroll",
    summary: "Issue a single-use setup link (valid 15 minutes) for a phone, shown as a QR code",
    options: {
      mailbox: { type: "string", required: true, help: "mailbox address" },
      name: { type: "string", required: true, help: 'device name, e.g. "Ana\'s iPhone"' },
      "no-qr": { type: "boolean", help: "print the link only, no QR code" },
    },
    async run(ctx, o) {
      const mailbox = await findMailbox(ctx.prov, String(o.mailbox));
      const e = await createEnrollment(ctx.prov, {
        tenantId: mailbox.tenantId,
        mailboxId: mailbox.id,
        name: String(o.name),
        createdBy: ctx.prov.actor,
      });
      const url = portalUrl(`/enroll/${e.token}`);
      const minutes = ENROLLMENT_TTL_MS / 60_000;
      const value = { id: e.id, mailbox: e.mailbox.address, name: String(o.name).trim(), url, expiresAt: e.expiresAt };
      // Same error correction as the portal's QR code; `small` draws two rows per line.
      const qr =
        ctx.json || o["no-qr"]
          ? ""
          : await QRCode.toString(url, { type: "terminal", small: true, errorCorrectionLevel: "M" });
      ctx.out(value, () =>
        [
          ...(qr ? [qr] : []),
          `Setup link for a phone on ${e.mailbox.address} (works once, for ${minutes} minutes):`,
          url,
          ...(portalUrlConfigured() ? [] : ["(NEXTAUTH_URL is not set: the link assumes the portal on this machine)"]),
          "Open it on the phone (scan the code with its camera); it installs the account and its own app password.",
        ].join("\n"),
      );
    },
  },
  {
    name: "device list",
    summary: "List a mailbox's devices",
    options: { mailbox: { type: "string", required: true, help: "mailbox address" } },
    async run(ctx, o) {
      const rows = (await listDevices(ctx.prov, { mailbox: String(o.mailbox) })).map((d) => ({
        id: d.id,
        name: d.name,
        platform: d.platform,
        createdAt: d.createdAt,
        lastSeenAt: d.lastSeenAt,
        revokedAt: d.revokedAt,
        revoked: Boolean(d.revokedAt),
      }));
      ctx.out(rows, () => table(rows, ["id", "name", "platform", "createdAt", "lastSeenAt", "revokedAt"]));
    },
  },
  {
    name: "device revoke",
    summary: "Revoke a device: its password stops working and its sessions end",
    positionals: ["ID"],
    options: {},
    async run(ctx, _o, pos) {
      if (pos.length !== 1) throw new UsageError("device revoke takes exactly one device ID");
      const d = await revokeDevice(ctx.prov, { id: pos[0] });
      ctx.out({ id: d.id, revokedAt: d.revokedAt, revoked: true }, () => `revoked device ${d.id}`);
    },
  },
];
