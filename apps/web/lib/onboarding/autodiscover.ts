// Microsoft Autodiscover, plain old XML (POX), for Outlook's IMAP/SMTP
// setup: request schema 2006, response schema 2006a with IMAP on the
// implicit-TLS port and SMTP submission on the implicit-TLS port.
import type { MailSettings } from "./settings.ts";
import { xmlEscape } from "./xml.ts";

const RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
const OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

/** The address in a POX request, or null when the body is not one. */
export function requestedAddress(body: string): string | null {
  const m = /<(?:\w+:)?EMailAddress>\s*([^<\s]+)\s*<\/(?:\w+:)?EMailAddress>/i.exec(body);
  return m ? m[1].trim().toLowerCase() : null;
}

export function autodiscoverXml(opts: { address: string; settings: MailSettings }): string {
  const login = xmlEscape(opts.address);
  const host = xmlEscape(opts.settings.host);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${RESPONSE_NS}">`,
    `  <Response xmlns="${OUTLOOK_NS}">`,
    "    <Account>",
    "      <AccountType>email</AccountType>",
    "      <Action>settings</Action>",
    "      <Protocol>",
    "        <Type>IMAP</Type>",
    `        <Server>${host}</Server>`,
    `        <Port>${opts.settings.imapsPort}</Port>`,
    "        <DomainRequired>off</DomainRequired>",
    `        <LoginName>${login}</LoginName>`,
    "        <SPA>off</SPA>",
    "        <SSL>on</SSL>",
    "        <AuthRequired>on</AuthRequired>",
    "      </Protocol>",
    "      <Protocol>",
    "        <Type>SMTP</Type>",
    `        <Server>${host}</Server>`,
    `        <Port>${opts.settings.smtpsPort}</Port>`,
    "        <DomainRequired>off</DomainRequired>",
    `        <LoginName>${login}</LoginName>`,
    "        <SPA>off</SPA>",
    "        <Encryption>SSL</Encryption>",
    "        <AuthRequired>on</AuthRequired>",
    "        <UsePOPAuth>off</UsePOPAuth>",
    "        <SMTPLast>off</SMTPLast>",
    "      </Protocol>",
    "    </Account>",
    "  </Response>",
    "</Autodiscover>",
    "",
  ].join("\n");
}

/** Autodiscover's error answer (code 600: invalid request). */
export function autodiscoverError(message: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${RESPONSE_NS}">`,
    "  <Response>",
    `    <Error Time="${new Date().toISOString().slice(11, 19)}" Id="1">`,
    "      <ErrorCode>600</ErrorCode>",
    `      <Message>${xmlEscape(message)}</Message>`,
    "      <DebugData />",
    "    </Error>",
    "  </Response>",
    "</Autodiscover>",
    "",
  ].join("\n");
}
