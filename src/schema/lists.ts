// Block and allow lists: files of identifiers (or IP ranges, or email domains) that a rule can test.
import { z } from 'zod';

export const ListField = z.enum(['applicant_id', 'device_id', 'email', 'phone', 'ip', 'email_domain']);
export type ListField = z.infer<typeof ListField>;

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
    if (list.field === 'ip') {
      list.entries.forEach((entry, index) => {
        const parsed = cidr.safeParse(entry);
        const octetsValid =
          parsed.success &&
          entry
            .split('/')[0]!
            .split('.')
            .every((octet) => Number(octet) <= 255);
        if (!octetsValid)
          context.addIssue({ code: 'custom', path: ['entries', index], message: 'expected an IPv4 range a.b.c.d/8, /16, /24 or /32' });
      });
    }
    if (list.field === 'email_domain' && list.hashedEntries.length > 0) {
      context.addIssue({ code: 'custom', path: ['hashedEntries'], message: 'email domains are not identifiers: list them in entries' });
    }
  });
export type ListFile = z.infer<typeof ListFile>;
