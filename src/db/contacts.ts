// Lookups of contacts by address all go through one index, contacts_domain_email_idx, keyed (email domain,
// email): it serves the exact address (suppress, forget, inbox threading) and a colleague's reply (any address
// at a contact's domain). SQLite uses an index on an expression only where the query names that same
// expression, so a lookup by exact address names both columns: `WHERE ${CONTACT_EMAIL_IS}`, bound with
// `...contactEmailKey(email)`. (test/integration/contacts-index.test.ts checks the plan, and that no query in
// src/ looks contacts up by `email = ?` alone, which would now read the whole table.)

/** The email domain as the index computes it: the text after the first '@' (all of it when there is none). */
export const EMAIL_DOMAIN_SQL = `substr(email, instr(email, '@') + 1)`;

/** A condition on the (unaliased) `contacts` table: exactly this address. Bind `...contactEmailKey(email)`. */
export const CONTACT_EMAIL_IS = `${EMAIL_DOMAIN_SQL} = ? AND email = ?`;

/** The two values CONTACT_EMAIL_IS binds: the address's domain, computed as EMAIL_DOMAIN_SQL does, and the address. */
export function contactEmailKey(email: string): [string, string] {
  return [email.slice(email.indexOf('@') + 1), email];
}
