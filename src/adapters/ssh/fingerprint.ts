import { createHash } from 'node:crypto';

/** `SHA256:<base64 without padding>` of a raw SSH public key blob, as `ssh-keygen -lf` prints it. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}
