// The onboarding documents as clients read them: the .mobileconfig through a
// real plist parser, Thunderbird's autoconfig and Autodiscover POX through an
// XML parser, checked the way Thunderbird for Android and iOS check them.
import { XMLParser } from "fast-xml-parser";
import * as plist from "plist";
import { describe, expect, it } from "vitest";
import { autoconfigXml } from "../lib/onboarding/autoconfig.ts";
import { autodiscoverError, autodiscoverXml, requestedAddress } from "../lib/onboarding/autodiscover.ts";
import { mobileconfig, profileFilename } from "../lib/onboarding/mobileconfig.ts";
import type { MailSettings } from "../lib/onboarding/settings.ts";
import { mailSettings } from "../lib/onboarding/settings.ts";

const settings: MailSettings = {
  host: "mail.acme.example",
  imapPort: 1143,
  imapsPort: 1993,
  smtpPort: 1587,
  smtpsPort: 1465,
};
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  isArray: (name) => ["incomingServer", "outgoingServer", "domain", "Protocol"].includes(name),
});

describe("mobileconfig", () => {
  const xml = mobileconfig({
    address: "ana@acme.example",
    displayName: "Ana <Silva> & Co",
    password: "k7dm-q2xa-8hvn-tr4e",
    deviceName: "Ana's iPhone",
    organization: "Acme & Sons",
    settings,
  });
  const p = plist.parse(xml) as Record<string, unknown>;

  it("is a Configuration profile with the required top-level keys", () => {
    expect(xml).toContain('<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"');
    expect(p.PayloadType).toBe("Configuration");
    expect(p.PayloadVersion).toBe(1);
    expect(p.PayloadIdentifier).toMatch(/^[A-Za-z0-9.-]+$/);
    expect(p.PayloadUUID).toMatch(/^[0-9A-F-]{36}$/);
    expect(Array.isArray(p.PayloadContent)).toBe(true);
  });

  it("carries one com.apple.mail.managed payload iOS Mail can use without asking anything", () => {
    const [mail] = p.PayloadContent as Array<Record<string, unknown>>;
    expect(mail.PayloadType).toBe("com.apple.mail.managed");
    expect(mail.PayloadVersion).toBe(1);
    expect(mail.PayloadUUID).not.toBe(p.PayloadUUID);
    expect(String(mail.PayloadIdentifier).startsWith(String(p.PayloadIdentifier))).toBe(true);
    expect(mail).toMatchObject({
      EmailAccountType: "EmailTypeIMAP",
      EmailAddress: "ana@acme.example",
      EmailAccountName: "Ana <Silva> & Co",
      IncomingMailServerHostName: "mail.acme.example",
      IncomingMailServerPortNumber: 1993,
      IncomingMailServerUseSSL: true,
      IncomingMailServerUsername: "ana@acme.example",
      IncomingMailServerAuthentication: "EmailAuthPassword",
      IncomingPassword: "k7dm-q2xa-8hvn-tr4e",
      OutgoingMailServerHostName: "mail.acme.example",
      OutgoingMailServerPortNumber: 1465,
      OutgoingMailServerUseSSL: true,
      OutgoingMailServerUsername: "ana@acme.example",
      OutgoingMailServerAuthentication: "EmailAuthPassword",
      OutgoingPassword: "k7dm-q2xa-8hvn-tr4e",
    });
    expect(typeof mail.IncomingMailServerPortNumber).toBe("number");
  });

  it("keeps the identifier stable per mailbox (a new profile replaces the old) and names a safe file", () => {
    const again = plist.parse(
      mobileconfig({
        address: "ana@acme.example",
        displayName: null,
        password: "x",
        deviceName: "d",
        organization: "o",
        settings,
      }),
    ) as Record<string, unknown>;
    expect(again.PayloadIdentifier).toBe(p.PayloadIdentifier);
    expect(again.PayloadUUID).not.toBe(p.PayloadUUID);
    expect(profileFilename('a"b@x.example')).toBe("a_b@x.example.mobileconfig");
  });
});

describe("Thunderbird autoconfig", () => {
  const doc = parser.parse(
    autoconfigXml({ domain: "acme.example", organization: "Acme", settings, helpUrl: "https://portal.example/help" }),
  );

  it("passes Thunderbird for Android's parser rules", () => {
    const cc = doc.clientConfig;
    expect(cc["@version"]).toBe("1.1");
    const p = cc.emailProvider;
    // emailProvider@id must be a valid host name; at least one domain.
    expect(p["@id"]).toMatch(/^[a-z0-9.-]+$/);
    expect(p.domain).toContain("acme.example");
    // Every server: hostname, port in range, username, socketType SSL or STARTTLS, a usable authentication.
    for (const s of [...p.incomingServer, ...p.outgoingServer]) {
      expect(s.hostname).toBe("mail.acme.example");
      expect(s.port).toBeGreaterThan(0);
      expect(s.port).toBeLessThan(65536);
      expect(["SSL", "STARTTLS"]).toContain(s.socketType);
      expect(s.username).toBe("%EMAILADDRESS%");
      expect(["password-cleartext", "password-encrypted", "OAuth2"]).toContain(s.authentication);
    }
  });

  it("offers implicit TLS first (the one a client takes), then STARTTLS", () => {
    const p = doc.clientConfig.emailProvider;
    const imap = p.incomingServer.filter((s: { "@type": string }) => s["@type"] === "imap");
    const smtp = p.outgoingServer.filter((s: { "@type": string }) => s["@type"] === "smtp");
    expect([imap[0].port, imap[0].socketType]).toEqual([1993, "SSL"]);
    expect([imap[1].port, imap[1].socketType]).toEqual([1143, "STARTTLS"]);
    expect([smtp[0].port, smtp[0].socketType]).toEqual([1465, "SSL"]);
    expect([smtp[1].port, smtp[1].socketType]).toEqual([1587, "STARTTLS"]);
  });
});

describe("Autodiscover POX", () => {
  it("reads the address from a request and answers with IMAP and SMTP over SSL", () => {
    const body = `<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>Ana@Acme.example</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`;
    expect(requestedAddress(body)).toBe("ana@acme.example");
    expect(requestedAddress("<nothing/>")).toBeNull();
    const doc = parser.parse(autodiscoverXml({ address: "ana@acme.example", settings }));
    expect(doc.Autodiscover["@xmlns"]).toBe("http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006");
    const r = doc.Autodiscover.Response;
    expect(r["@xmlns"]).toBe("http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a");
    expect(r.Account.AccountType).toBe("email");
    expect(r.Account.Action).toBe("settings");
    const [imap, smtp] = r.Account.Protocol;
    expect(imap).toMatchObject({
      Type: "IMAP",
      Server: "mail.acme.example",
      Port: 1993,
      SSL: "on",
      LoginName: "ana@acme.example",
      AuthRequired: "on",
    });
    expect(smtp).toMatchObject({
      Type: "SMTP",
      Server: "mail.acme.example",
      Port: 1465,
      Encryption: "SSL",
      LoginName: "ana@acme.example",
    });
    expect(parser.parse(autodiscoverError("Invalid Request")).Autodiscover.Response.Error.ErrorCode).toBe(600);
  });
});

describe("gateway settings", () => {
  it("uses the gateway's defaults and its environment variables", () => {
    expect(mailSettings({ POSTERN_PUBLIC_HOST: "m.example" } as unknown as NodeJS.ProcessEnv)).toEqual({
      host: "m.example",
      imapPort: 1143,
      imapsPort: 1993,
      smtpPort: 1587,
      smtpsPort: 1465,
    });
    expect(
      mailSettings({
        POSTERN_PUBLIC_HOST: "m.example",
        IMAPS_PORT: "993",
        SMTPS_PORT: "465",
      } as unknown as NodeJS.ProcessEnv),
    ).toMatchObject({ imapsPort: 993, smtpsPort: 465 });
  });
});
