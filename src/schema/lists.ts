// Block and allow lists: files of identifiers (or IP ranges, or email domains) that a rule can test.
import { z } from 'zod';

/**
 * The data model's identifier field a list matches, or `email_domain`: the domain of its email field. An
 * IPv4 field's list holds ranges; the data model is checked when the lists load (src/features/lists.ts).
 */
export const ListField = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a field of the data model, or email_domain');
export type ListField = z.infer<typeof ListField>;

/** An IPv4 range a.b.c.d/8, /16, /24 or /32, each octet at most 255. */
export function isIpv4Range(entry: string): boolean {
  return (
    cidr.safeParse(entry).success &&
    entry
      .split('/')[0]!
      .split('.')
      .every((octet) => Number(octet) <= 255)
  );
}

const cidr = z.string().regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(8|16|24|32)$/, 'an IPv4 range a.b.c.d/8, /16, /24 or /32');

export const ListFile = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9_]{1,62}$/, 'snake_case, 2-63 characters'),
    kind: z.enum(['block', 'allow']),
    field: ListField,
    description: z.string().min(1),
    /** Raw values, hashed with the configured salt at load (ip: CIDR ranges; email_domain: kept as is). */
    entries: z.array(z.string().min(1).max(254)).default([]),
    /** Values already hashed with the configured salt (32 hex characters), for lists shared without raw ids. */
    hashedEntries: z.array(z.string().regex(/^[0-9a-f]{32}$/)).default([]),
  })
  .superRefine((list, context) => {
    if (list.field === 'email_domain' && list.hashedEntries.length > 0) {
      context.addIssue({ code: 'custom', path: ['hashedEntries'], message: 'email domains are not identifiers: list them in entries' });
    }
  });
export type ListFile = z.infer<typeof ListFile>;
