import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { StackSettings } from './config.ts';

export interface ImageRegistry {
  /** `<region>-docker.pkg.dev/<project>/images`: where the image workflow pushes the app image. */
  repository: pulumi.Output<string>;
  /**
   * How the Docker provider logs in to pull from it. The provider pulls with the credentials of whoever
   * runs `pulumi up` (not the host's): a short-lived access token of the GCP credentials the program
   * already uses, fetched on every run, a secret in state. They need Artifact Registry reader here.
   */
  auth: { address: string; username: string; password: pulumi.Output<string> };
}

/**
 * The stack's own Artifact Registry repository (Docker format, in the stack's region), after its API.
 * The image workflow (.github/workflows/image.yml) pushes the app image here and records its digest in
 * Pulumi.<stack>.yaml; prod accepts digests only (policy `images-by-digest`).
 */
export function createImageRegistry(
  stack: string,
  settings: StackSettings,
  apis: pulumi.Resource[],
): ImageRegistry {
  const host = `${settings.region}-docker.pkg.dev`;
  const repository = new gcp.artifactregistry.Repository(
    `${stack}-images`,
    {
      repositoryId: 'images',
      location: settings.region,
      format: 'DOCKER',
      description: `highload-social ${stack}: the app image, pushed by the image workflow`,
      // A digest recorded in the stack config must stay pullable: no tag moves an image away.
      dockerConfig: { immutableTags: true },
    },
    { dependsOn: apis },
  );
  const token = gcp.organizations.getClientConfigOutput().accessToken;
  return {
    repository: pulumi.interpolate`${host}/${repository.project}/${repository.repositoryId}`,
    auth: { address: host, username: 'oauth2accesstoken', password: pulumi.secret(token) },
  };
}
