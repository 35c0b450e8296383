import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';

interface BucketProps {
  uniformBucketLevelAccess?: boolean;
  publicAccessPrevention?: string;
  labels?: Record<string, string>;
  lifecycleRules?: Array<{ action?: { type?: string } }>;
}

const publicMembers = new Set(['allUsers', 'allAuthenticatedUsers']);

export const bucketsNotPublic: ResourceValidationPolicy = {
  name: 'buckets-not-public',
  description:
    "A bucket (the backups' above all) is never public: uniform bucket-level access (no per-object ACL can open an object), public access prevention enforced, no IAM grant to allUsers or allAuthenticatedUsers; a backups bucket has lifecycle rules that delete what is past retention.",
  enforcementLevel: 'mandatory',
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type === 'gcp:storage/bucket:Bucket') {
      const props = args.props as BucketProps;
      if (props.uniformBucketLevelAccess !== true)
        report(`${args.name}: uniformBucketLevelAccess is not on (object ACLs could make an object public)`);
      if (props.publicAccessPrevention !== 'enforced')
        report(
          `${args.name}: publicAccessPrevention is '${props.publicAccessPrevention ?? 'inherited'}', not 'enforced'`,
        );
      if (
        props.labels?.purpose === 'backups' &&
        !props.lifecycleRules?.some((r) => r.action?.type === 'Delete')
      )
        report(`${args.name}: a backups bucket without a Delete lifecycle rule keeps every copy forever`);
    }
    if (
      args.type === 'gcp:storage/bucketIAMMember:BucketIAMMember' ||
      args.type === 'gcp:storage/bucketIAMBinding:BucketIAMBinding'
    ) {
      const props = args.props as { member?: string; members?: string[] };
      const members = [props.member, ...(props.members ?? [])].filter((m): m is string => !!m);
      for (const member of members.filter((m) => publicMembers.has(m)))
        report(`${args.name}: grants a bucket role to ${member}`);
    }
  },
};
