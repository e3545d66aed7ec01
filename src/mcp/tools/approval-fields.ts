import { hasInvisible } from '../../core/text/printable.js';
import { z } from 'zod';
import { approvalStateSchema } from '../../core/run/decide.js';

/** The two inputs every tool that may need approval takes. */
export const approvalInput = {
  approvalId: z
    .string()
    .regex(/^apr_[A-Za-z0-9_-]{12}$/, 'an approval id looks like apr_ and 12 letters or digits')
    .optional()
    .describe(
      'When retrying after an approval_required answer: the approval id it gave. Same command and hosts; the approval runs once.',
    ),
  justification: z
    .string()
    .max(1000)
    .refine((t) => !hasInvisible(t), 'must be plain text, without control or invisible characters')
    .optional()
    .describe('Why this is needed, shown to the person who decides an approval.'),
};

/** Where a call that needed approval stands (absent when nothing needed approval). */
export const approvalOutput = approvalStateSchema.optional();
