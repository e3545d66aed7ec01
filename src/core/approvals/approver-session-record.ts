import { z } from 'zod';

/** A signed-in approver's browser session; only the token's hash is stored. */
export const approverSessionSchema = z.object({
  tokenHash: z.string(),
  user: z.string(),
  /** The hash of the API key signed in with: revoking the key ends the session. */
  keyHash: z.string(),
  /** The CSRF token every form of this session carries. */
  csrf: z.string(),
  /** Epoch seconds. */
  expiresAt: z.number(),
});
export type ApproverSession = Readonly<z.infer<typeof approverSessionSchema>>;
