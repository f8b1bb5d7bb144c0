// The benchmark's mail: deterministic (message i is the same bytes on every
// run and for both servers), realistic in shape — 2–60 KB, log-uniform like a
// real mailbox; plain, alternative and with attachments; the headers a
// delivered message carries (Received, DKIM, Authentication-Results, lists).
import { Prng, seedFor } from "./prng.ts";

export interface BenchMessage {
  index: number;
  raw: Buffer;
  /** INTERNALDATE: strictly increasing with index, so "newest" is "highest sequence number". */
  date: Date;
  flags: string[];
}

export const SEED = 20261126;
export const MAILBOX_ADDRESS = "bench@postern.test";
const EPOCH = Date.UTC(2024, 5, 1);
const STEP_MS = 90 * 60_000;
const MIN_SIZE = 2 * 1024;
const MAX_SIZE = 60 * 1024;

const FIRST = ["Ana", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Lukas"];
const LAST = ["Silva", "Okafor", "Martin", "Novak", "Schmidt", "Tanaka", "Rossi", "Kowalski", "Haddad", "Brown"];
const UTF8_NAMES = [
  "=?UTF-8?Q?Jos=C3=A9_Garc=C3=ADa?=",
  "=?UTF-8?Q?Zo=C3=AB_M=C3=BCller?=",
  "=?UTF-8?B?0JDQvdC90LA=?=",
];
const DOMAINS = ["acme.example", "globex.example", "initech.example", "umbrella.example", "mail.example.org"];
const LISTS = ["announce", "dev", "news", "offers", "digest"];
const TOPICS = [
  "Q3 budget review",
  "Invoice 2024-0417",
  "Meeting on Thursday",
  "Your order has shipped",
  "Contract draft v3",
  "Holiday schedule",
  "Server maintenance window",
  "Weekly report",
  "Lunch next week?",
  "Photos from the offsite",
  "Password expiry notice",
  "Proposal for the Henderson account",
];
const WORDS = (
  "the of and to in is that for it as with was on be at by this have from or one had not but what all were when " +
  "we there can an your which their said if do will each about how up out them then she many some so these would " +
  "other into has more her two like him see time could no make than first been its who now people my made over did " +
  "down only way find use may water long little very after words called just where most know get through back much " +
  "before go good new write our used me man too any day same right look think also around another came come work " +
  "three word must because does part even place well such here take why things help put years different away again " +
  "off went old number budget meeting project customer invoice schedule report review deadline quarter team office"
).split(" ");
const ATTACHMENTS: Array<[string, string]> = [
  ["report-2024-Q3.pdf", "application/pdf"],
  ["invoice.pdf", "application/pdf"],
  ["IMG_2041.jpg", "image/jpeg"],
  ["scan_0007.png", "image/png"],
  ["contract.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  ["figures.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** Message `index` of the benchmark's stream. */
export function benchMessage(index: number, seed = SEED): BenchMessage {
  const r = new Prng(seedFor(seed, index));
  const date = new Date(EPOCH + index * STEP_MS + r.int(0, STEP_MS - 60_000));
  const target = Math.round(MIN_SIZE * (MAX_SIZE / MIN_SIZE) ** r.next());
  const from = person(r);
  const cc = person(r);
  const list = r.chance(0.15) ? r.pick(LISTS) : null;
  const reply = !list && r.chance(0.25);
  const subject = `${reply ? "Re: " : ""}${list ? `[${list}] ` : ""}${r.pick(TOPICS)}`;
  const msgId = `<${hex(r, 16)}.${index}@${from.domain}>`;

  const headers = [
    `Return-Path: <${from.address}>`,
    received(r, "mx.postern.test", "Postfix", date, 3),
    received(r, `smtp-out.${from.domain}`, "Exim 4.96", date, 1),
    `Authentication-Results: mx.postern.test; dkim=pass header.d=${from.domain}; spf=pass smtp.mailfrom=${from.domain}`,
    ...(r.chance(0.7) ? [dkim(r, from.domain)] : []),
    `From: ${from.display} <${from.address}>`,
    `To: Bench User <${MAILBOX_ADDRESS}>`,
    ...(r.chance(0.3) ? [`Cc: ${cc.display} <${cc.address}>`] : []),
    `Subject: ${subject}`,
    `Date: ${rfc5322Date(date)}`,
    `Message-ID: ${msgId}`,
    ...(reply ? [`In-Reply-To: <${hex(r, 16)}@${DOMAINS[0]}>`, `References: <${hex(r, 16)}@${DOMAINS[0]}>`] : []),
    ...(list
      ? [`List-Id: <${list}.${from.domain}>`, `List-Unsubscribe: <https://${from.domain}/unsubscribe/${hex(r, 12)}>`]
      : []),
    ...(r.chance(0.4)
      ? [`X-Mailer: ${r.pick(["Apple Mail (2.3774)", "Microsoft Outlook 16.0", "Thunderbird 128"])}`]
      : []),
    "MIME-Version: 1.0",
  ];
  const head = `${headers.join("\r\n")}\r\n`;
  const room = Math.max(512, target - head.length);
  const kind = r.next();
  const body =
    kind < 0.45
      ? `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${text(r, room)}`
      : kind < 0.75
        ? alternative(r, room)
        : mixed(r, room);
  const flags: string[] = [];
  if (r.chance(0.7)) flags.push("\\Seen");
  if (flags.length && r.chance(0.15)) flags.push("\\Answered");
  if (r.chance(0.07)) flags.push("\\Flagged");
  return { index, raw: Buffer.from(head + body, "utf8"), date, flags };
}

function person(r: Prng) {
  const first = r.pick(FIRST);
  const last = r.pick(LAST);
  const domain = r.pick(DOMAINS);
  const display = r.chance(0.1) ? r.pick(UTF8_NAMES) : `${first} ${last}`;
  return { display, address: `${first.toLowerCase()}.${last.toLowerCase()}@${domain}`, domain };
}

function received(r: Prng, by: string, software: string, date: Date, offsetSec: number): string {
  const ip = `198.51.100.${r.int(2, 254)}`;
  const when = rfc5322Date(new Date(date.getTime() + offsetSec * 1000));
  return `Received: from relay${r.int(1, 9)}.example.net (relay.example.net [${ip}])\r\n\tby ${by} (${software}) with ESMTPS id ${hex(r, 12)}\r\n\tfor <${MAILBOX_ADDRESS}>; ${when}`;
}

function dkim(r: Prng, domain: string): string {
  const sig = r.bytes(256).toString("base64");
  return [
    `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${domain}; s=s${r.int(1, 3)};`,
    `\th=from:to:subject:date:message-id:mime-version; bh=${r.bytes(32).toString("base64")};`,
    ...wrap(`b=${sig}`, 74).map((l) => `\t${l}`),
  ].join("\r\n");
}

/** Plain text paragraphs, about `size` bytes, lines wrapped at 72. */
function text(r: Prng, size: number): string {
  const lines: string[] = [`Hello ${r.pick(FIRST)},`, ""];
  let length = 0;
  while (length < size) {
    const paragraph = Array.from({ length: r.int(2, 6) }, () => sentence(r)).join(" ");
    for (const l of [...wrap(paragraph, 72), ""]) {
      lines.push(l);
      length += l.length + 2;
    }
  }
  lines.push("Best regards,", r.pick(FIRST), "");
  return lines.join("\r\n");
}

function sentence(r: Prng): string {
  const words = Array.from({ length: r.int(6, 18) }, () => r.pick(WORDS));
  words[0] = words[0][0].toUpperCase() + words[0].slice(1);
  return `${words.join(" ")}${r.pick([".", ".", ".", "?", "!"])}`;
}

function html(r: Prng, size: number): string {
  const paragraphs = text(r, size * 0.8)
    .split("\r\n\r\n")
    .map((p) => `<p>${p.replace(/\r\n/g, " ")}</p>`);
  return wrap(`<html><head><meta charset="utf-8"></head><body>${paragraphs.join("")}</body></html>`, 76).join("\r\n");
}

function alternative(r: Prng, size: number): string {
  const b = `----=_Alt_${hex(r, 16)}`;
  return [
    `Content-Type: multipart/alternative; boundary="${b}"`,
    "",
    `--${b}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 7bit",
    "",
    text(r, size * 0.35),
    `--${b}`,
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: 7bit",
    "",
    html(r, size * 0.65),
    `--${b}--`,
    "",
  ].join("\r\n");
}

function mixed(r: Prng, size: number): string {
  const b = `----=_Mixed_${hex(r, 16)}`;
  const bodySize = Math.min(size / 3, r.int(400, 3000));
  const count = r.chance(0.3) ? 2 : 1;
  const parts = [
    `Content-Type: multipart/mixed; boundary="${b}"`,
    "",
    "This is a multi-part message in MIME format.",
    `--${b}`,
    r.chance(0.5)
      ? `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${text(r, bodySize)}`
      : alternative(r, bodySize),
  ];
  for (let i = 0; i < count; i++) {
    const [name, type] = r.pick(ATTACHMENTS);
    // base64 grows 4/3, plus line ends.
    const raw = Math.max(64, Math.floor(((size - bodySize) / count) * 0.74));
    parts.push(
      `--${b}`,
      `Content-Type: ${type}; name="${name}"`,
      `Content-Disposition: attachment; filename="${name}"`,
      "Content-Transfer-Encoding: base64",
      "",
      ...wrap(r.bytes(raw).toString("base64"), 76),
    );
  }
  parts.push(`--${b}--`, "");
  return parts.join("\r\n");
}

/** Break at spaces to width; a word longer than width (base64) is cut. */
function wrap(s: string, width: number): string[] {
  if (!s.includes(" ")) return s.match(new RegExp(`.{1,${width}}`, "g")) ?? [""];
  const out: string[] = [];
  let line = "";
  for (const w of s.split(" ")) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  out.push(line);
  return out;
}

function hex(r: Prng, n: number): string {
  return r
    .bytes(Math.ceil(n / 2))
    .toString("hex")
    .slice(0, n);
}

function rfc5322Date(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, "0");
  const time = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${time} +0000`;
}
