// Which mail folders hold junk mail: the rule `inbox sync` applies to IMAP folders and `inbox import` to Maildir++
// subfolders, in one place. Pure (no I/O), so the file reader and its worker thread load no IMAP client for it.

const JUNK_NAMES = /^(junk|spam|junk e-?mail|bulk mail|\[gmail\]\/spam|inbox[./](junk|spam)|spam-?verdacht|courrier ind[ée]sirable|correo no deseado|posta indesiderata|ongewenste e-?mail|lixo eletr[oô]nico)$/i;

/**
 * A folder name that means junk mail (Junk, Spam, Junk E-mail, INBOX.Spam, Spamverdacht, ...): the rule
 * `inbox sync` uses for IMAP folders and `inbox import` for Maildir++ subfolders (`.Spam` → "Spam").
 */
export function isJunkFolderName(name: string): boolean {
  return JUNK_NAMES.test(name.trim());
}

