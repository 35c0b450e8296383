import { stringify } from 'yaml';

/** Where Docker keeps named volumes: a data host mounts its data disk here, so every volume lives on it. */
export const dockerVolumesDir = '/var/lib/docker/volumes';
/** The device name the instance gives its data disk; GCP exposes it as /dev/disk/by-id/google-<name>. */
export const dataDiskDevice = 'data';

/**
 * Docker's settings: container logs rotated (the default json-file log grows without bound) and
 * live-restore, so an upgrade of docker.io restarts the daemon without restarting the containers.
 */
export const dockerDaemonConfig = {
  'log-driver': 'json-file',
  'log-opts': { 'max-size': '50m', 'max-file': '5' },
  'live-restore': true,
};

/**
 * Mounts the data disk where Docker keeps its volumes, on every boot, before Docker starts. Formats it only
 * when it carries no filesystem at all (blkid exit status 2), so a disk moved to a new instance keeps its
 * data. lost+found goes: Docker would list it as a volume. The variables exist for its test, which runs it
 * on a loop device; cloud-init sets none of them.
 */
export const mountDataDisk = `set -eu
dev=\${DATA_DISK:-/dev/disk/by-id/google-${dataDiskDevice}}
target=\${DATA_DISK_TARGET:-${dockerVolumesDir}}
fstab=\${FSTAB:-/etc/fstab}
waited=0
until [ -b "$dev" ]; do
  [ "$waited" -lt "\${DATA_DISK_WAIT_SECONDS:-120}" ] || { echo "data disk $dev not attached after $waited s" >&2; exit 1; }
  sleep 1; waited=$((waited + 1))
done
if blkid "$dev" >/dev/null; then fresh=no; else
  status=$?
  [ "$status" -eq 2 ] || { echo "blkid $dev failed ($status): not formatting" >&2; exit 1; }
  mkfs.ext4 -q -L docker-volumes "$dev"; fresh=yes
fi
mkdir -p "$target"
grep -q " $target " "$fstab" || echo "$dev $target ext4 defaults,nofail,discard 0 2" >> "$fstab"
mountpoint -q "$target" || mount -T "$fstab" "$target"
[ "$fresh" = no ] || rmdir "$target/lost+found"
`;

/** Docker refuses to start while the volumes directory is not a mounted disk: never volumes on the boot disk. */
const dockerNeedsDataDisk = `[Unit]\nRequiresMountsFor=${dockerVolumesDir}\n`;

export interface CloudInitOptions {
  sshUser: string;
  sshPublicKeys: string[];
  /** The host keeps data: mount its data disk under Docker's volumes before Docker starts. */
  dataDisk: boolean;
}

/**
 * cloud-init user-data for every host: the deploy user with the configured keys and Docker from Ubuntu's
 * own archive, configured before its first start. The user joins the docker group after the package
 * created it (a group made earlier trips docker.io's postinst).
 */
export function renderCloudInit({ sshUser, sshPublicKeys, dataDisk }: CloudInitOptions): string {
  const writeFiles = [
    {
      path: '/etc/docker/daemon.json',
      permissions: '0644',
      content: `${JSON.stringify(dockerDaemonConfig)}\n`,
    },
  ];
  if (dataDisk) {
    writeFiles.push({
      path: '/etc/systemd/system/docker.service.d/data-disk.conf',
      permissions: '0644',
      content: dockerNeedsDataDisk,
    });
  }
  const config = {
    users: [
      'default',
      {
        name: sshUser,
        shell: '/bin/bash',
        lock_passwd: true,
        ssh_authorized_keys: sshPublicKeys,
      },
    ],
    write_files: writeFiles,
    // bootcmd runs on every boot, first of all (before write_files), before packages and Docker start.
    ...(dataDisk ? { bootcmd: [mountDataDisk] } : {}),
    package_update: true,
    packages: ['docker.io'],
    runcmd: [
      ['usermod', '-aG', 'docker', sshUser],
      ['systemctl', 'enable', '--now', 'docker'],
    ],
  };
  return `#cloud-config\n${stringify(config)}`;
}
