export const KIND_LABELS: Record<string, { label: string; blurb: string; icon: string }> = {
  imap: {
    label: "IMAP server",
    blurb: "Any IMAP mail server: New, Read, Deleted and Filed all sync both ways.",
    icon: "server",
  },
  pop3: {
    label: "POP3 mailbox",
    blurb: "A POP3 maildrop: Postern keeps folders and read state for it.",
    icon: "download",
  },
  graph: { label: "Microsoft 365", blurb: "Exchange Online, through Microsoft Graph.", icon: "cloud" },
  ews: { label: "Exchange Server", blurb: "On-premises Exchange, through EWS.", icon: "building" },
  hosted: { label: "Postern-hosted", blurb: "No remote system: Postern keeps the mail itself.", icon: "database" },
};
