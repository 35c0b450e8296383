import { stringify } from 'yaml';

/**
 * cloud-init user-data for every host: the deploy user with the configured keys and Docker from Ubuntu's
 * own archive. The user joins the docker group after the package created it (a group made earlier
 * trips docker.io's postinst).
 */
export function renderCloudInit(sshUser: string, sshPublicKeys: string[]): string {
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
    package_update: true,
    packages: ['docker.io'],
    runcmd: [
      ['usermod', '-aG', 'docker', sshUser],
      ['systemctl', 'enable', '--now', 'docker'],
    ],
  };
  return `#cloud-config\n${stringify(config)}`;
}
