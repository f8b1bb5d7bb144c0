// Thunderbird autoconfig (config-v1.1.xml). Thunderbird for Android rejects
// any socketType but SSL and STARTTLS, and reads only the first imap and
// smtp servers: implicit TLS first, STARTTLS second.
import type { MailSettings } from "./settings.ts";
import { xmlEscape } from "./xml.ts";

export function autoconfigXml(opts: {
  domain: string;
  organization: string;
  settings: MailSettings;
  helpUrl: string;
}): string {
  const { domain, settings: s } = opts;
  const d = xmlEscape(domain);
  const host = xmlEscape(s.host);
  const server = (tag: "incomingServer" | "outgoingServer", type: string, port: number, socket: string) =>
    [
      `    <${tag} type="${type}">`,
      `      <hostname>${host}</hostname>`,
      `      <port>${port}</port>`,
      `      <socketType>${socket}</socketType>`,
      "      <username>%EMAILADDRESS%</username>",
      "      <authentication>password-cleartext</authentication>",
      ...(tag === "outgoingServer"
        ? [
            "      <addThisServer>true</addThisServer>",
            "      <useGlobalPreferredServer>false</useGlobalPreferredServer>",
          ]
        : []),
      `    </${tag}>`,
    ].join("\n");
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${d}">`,
    `    <domain>${d}</domain>`,
    `    <displayName>${xmlEscape(opts.organization)} mail</displayName>`,
    `    <displayShortName>${xmlEscape(opts.organization)}</displayShortName>`,
    server("incomingServer", "imap", s.imapsPort, "SSL"),
    server("incomingServer", "imap", s.imapPort, "STARTTLS"),
    server("outgoingServer", "smtp", s.smtpsPort, "SSL"),
    server("outgoingServer", "smtp", s.smtpPort, "STARTTLS"),
    `    <documentation url="${xmlEscape(opts.helpUrl)}">`,
    `      <descr lang="en">Use the app password from your setup link, not your mail system's password.</descr>`,
    "    </documentation>",
    "  </emailProvider>",
    "</clientConfig>",
    "",
  ].join("\n");
}
