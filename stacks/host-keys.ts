import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { waitFor } from '../lib/poll.ts';

/**
 * Host keys pinned from the VM itself: GCP's guest agent publishes the SSH host keys it finds under
 * the guest attributes namespace `hostkeys/` (key: the key type, value: the base64 key) once the
 * instance's metadata says `enable-guest-attributes=TRUE`; the program reads them through the Compute
 * API (credentials, not the network path an attacker could sit on) and writes a known_hosts file the
 * stack owns, which every SSH use checks with StrictHostKeyChecking=yes.
 */
export const hostKeysNamespace = 'hostkeys/';
export const guestAttributesMetadata = { 'enable-guest-attributes': 'TRUE' } as const;

export interface HostKey {
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
  type: string;
  /** Base64, as in a known_hosts line. */
  key: string;
}

const keyType = /^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521))$/;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The host keys among an instance's guest attributes; anything else (other namespaces, junk) is ignored. */
export function hostKeysFrom(values: Array<{ namespace: string; key: string; value: string }>): HostKey[] {
  return values
    .filter(
      (v) => `${v.namespace}/` === hostKeysNamespace && keyType.test(v.key) && base64.test(v.value.trim()),
    )
    .map((v) => ({ type: v.key, key: v.value.trim() }))
    .sort((a, b) => a.type.localeCompare(b.type));
}

/**
 * The one key given to @pulumi/command's connection (`hostKey`, a single key). ECDSA first: Go's SSH
 * client (the command provider's) offers ECDSA host key algorithms before Ed25519, so the key the server
 * shows is the ECDSA one unless the provider narrows the algorithms to the pinned key's type.
 */
export function connectionHostKey(keys: HostKey[]): string {
  const order = [
    'ecdsa-sha2-nistp256',
    'ssh-ed25519',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'ssh-rsa',
  ];
  const chosen = [...keys].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type))[0];
  if (!chosen) throw new Error('no host key to pin');
  return `${chosen.type} ${chosen.key}`;
}

/** The known_hosts lines of one host: every key it published, for its static address. */
export function knownHostsLines(address: string, keys: HostKey[]): string[] {
  return keys.map((k) => `${address} ${k.type} ${k.key}`);
}

/** How long the guest agent may take to publish the keys after the instance exists (it boots first). */
export const hostKeysDeadline = { timeoutMs: 10 * 60_000, intervalMs: 10_000, attemptTimeoutMs: 30_000 };

/**
 * Reads the instance's host keys, polling until the guest agent has published them: right after
 * creation the namespace is empty (the VM is still booting). Fails after the deadline with one line.
 */
export async function readHostKeys(
  read: () => Promise<Array<{ namespace: string; key: string; value: string }>>,
  what: string,
  deadline = hostKeysDeadline,
): Promise<HostKey[]> {
  return waitFor(
    async (why) => {
      // One API call that hangs must not use up the whole deadline.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${deadline.attemptTimeoutMs / 1000} s`)),
          deadline.attemptTimeoutMs,
        );
      });
      const keys = hostKeysFrom(await Promise.race([read(), late]).finally(() => clearTimeout(timer)));
      if (keys.length > 0) return keys;
      why('no key under guest attributes hostkeys/ yet');
      return undefined;
    },
    { ...deadline, what: `${what}'s SSH host keys (guest attributes hostkeys/)` },
  );
}

/** Where the stack's known_hosts lives, as ssh reads it (`~` expanded by ssh itself). */
export function knownHostsFile(stack: string): string {
  return `~/.ssh/highload-social-${stack}-known_hosts`;
}

/** The OpenSSH options every SSH use of the stack takes: the stack's file, and nothing else trusted. */
export function strictHostKeyOptions(file: string): string[] {
  return [
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${file}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
  ];
}

/**
 * The stack's known_hosts, rewritten whole (temp file, then rename) each time a host's keys are read in
 * this run: it holds exactly the hosts of this run, so a replaced instance's old key is gone, and it is
 * written on whatever machine runs the program (a CI runner too) before any SSH use of that host.
 */
export class StackKnownHosts {
  private readonly lines = new Map<string, string[]>();

  /** Fixed when the program starts: a write that resolves late still lands where the run began. */
  private readonly dir = join(homedir(), '.ssh');

  constructor(readonly stack: string) {}

  /** Writes the host's lines into the file; resolves to the file's name for ssh. */
  pin(host: string, address: string, keys: HostKey[]): string {
    this.lines.set(host, knownHostsLines(address, keys));
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `highload-social-${this.stack}-known_hosts`);
    const body = [
      `# Managed by the highload-social stack ${this.stack} (stacks/host-keys.ts): host keys read from each VM's guest attributes.`,
      ...[...this.lines.keys()].sort().flatMap((h) => this.lines.get(h)!),
      '',
    ].join('\n');
    writeFileSync(`${path}.tmp`, body, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
    return knownHostsFile(this.stack);
  }
}

export interface PinnedHost {
  /** The key for @pulumi/command's connection. */
  connectionKey: pulumi.Output<string>;
  /** The known_hosts file name, resolved once this host's lines are in it. */
  knownHosts: pulumi.Output<string>;
}

/**
 * Reads the instance's keys (again whenever its id changes: a replaced instance has new keys) and pins
 * them. In a preview of a new or replaced instance the id is unknown, so nothing is read or written.
 */
export function pinHostKeys(args: {
  knownHosts: StackKnownHosts;
  host: string;
  instance: gcp.compute.Instance;
  address: pulumi.Output<string>;
  parent: pulumi.Resource;
}): PinnedHost {
  const { instance } = args;
  const keys = pulumi
    .all([instance.instanceId, instance.name, instance.zone])
    .apply(([, name, zone]) =>
      readHostKeys(
        () =>
          gcp.compute
            .getInstanceGuestAttributes({ name, zone, queryPath: hostKeysNamespace }, { parent: args.parent })
            .then((r) => r.queryValues ?? []),
        name,
      ),
    );
  return {
    connectionKey: keys.apply(connectionHostKey),
    knownHosts: pulumi.all([keys, args.address]).apply(([k, ip]) => args.knownHosts.pin(args.host, ip, k)),
  };
}
