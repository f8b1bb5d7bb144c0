// An Apple configuration profile (com.apple.mail.managed) that adds the
// mailbox to iOS Mail: IMAP over implicit TLS, SMTP submission over implicit
// TLS (Apple leaves open whether UseSSL on 587 means STARTTLS, so the
// implicit-TLS ports are the unambiguous choice), the address as the user
// name and the device's app password in both password keys.
import { randomUUID } from "node:crypto";
import type { MailSettings } from "./settings.ts";
import { xmlEscape } from "./xml.ts";

export interface ProfileInput {
  address: string;
  displayName: string | null;
  password: string;
  deviceName: string;
  organization: string;
  settings: MailSettings;
}

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

function plist(v: PlistValue, indent: string): string {
  if (typeof v === "string") return `<string>${xmlEscape(v)}</string>`;
  if (typeof v === "number") return `<integer>${Math.trunc(v)}</integer>`;
  if (typeof v === "boolean") return v ? "<true/>" : "<false/>";
  const inner = `${indent}  `;
  if (Array.isArray(v)) return `<array>\n${v.map((x) => `${inner}${plist(x, inner)}`).join("\n")}\n${indent}</array>`;
  const entries = Object.entries(v).map(([k, x]) => `${inner}<key>${xmlEscape(k)}</key>${plist(x, inner)}`);
  return `<dict>\n${entries.join("\n")}\n${indent}</dict>`;
}

/** Reverse-DNS identifier: the same identifier replaces an installed profile for the same mailbox. */
function identifier(host: string, address: string): string {
  const rev = host
    .split(".")
    .reverse()
    .join(".")
    .replace(/[^A-Za-z0-9.-]/g, "-");
  return `${rev}.postern.mail.${address.replace(/[^A-Za-z0-9]/g, "-")}`;
}

export function mobileconfig(p: ProfileInput): string {
  const id = identifier(p.settings.host, p.address);
  const account: Record<string, PlistValue> = {
    PayloadType: "com.apple.mail.managed",
    PayloadVersion: 1,
    PayloadIdentifier: `${id}.account`,
    PayloadUUID: randomUUID().toUpperCase(),
    PayloadDisplayName: `Mail: ${p.address}`,
    PayloadDescription: `Configures ${p.address} in Mail`,
    PayloadOrganization: p.organization,
    EmailAccountType: "EmailTypeIMAP",
    EmailAccountDescription: `${p.organization} mail`,
    EmailAccountName: p.displayName || p.address,
    EmailAddress: p.address,
    IncomingMailServerHostName: p.settings.host,
    IncomingMailServerPortNumber: p.settings.imapsPort,
    IncomingMailServerUseSSL: true,
    IncomingMailServerUsername: p.address,
    IncomingMailServerAuthentication: "EmailAuthPassword",
    IncomingPassword: p.password,
    OutgoingMailServerHostName: p.settings.host,
    OutgoingMailServerPortNumber: p.settings.smtpsPort,
    OutgoingMailServerUseSSL: true,
    OutgoingMailServerUsername: p.address,
    OutgoingMailServerAuthentication: "EmailAuthPassword",
    OutgoingPassword: p.password,
  };
  const profile: Record<string, PlistValue> = {
    PayloadType: "Configuration",
    PayloadVersion: 1,
    PayloadIdentifier: id,
    PayloadUUID: randomUUID().toUpperCase(),
    PayloadDisplayName: `${p.organization} mail (${p.address})`,
    PayloadDescription: `Adds ${p.address} to Mail on ${p.deviceName}. Installed by Postern.`,
    PayloadOrganization: p.organization,
    PayloadContent: [account],
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    `<plist version="1.0">`,
    plist(profile, ""),
    "</plist>",
    "",
  ].join("\n");
}

export function profileFilename(address: string): string {
  return `${address.replace(/[^A-Za-z0-9@._-]/g, "_")}.mobileconfig`;
}
