// The General settings' "AWS access": what a role in the user's AWS account must trust for the
// project's AWS nodes to act as it (their role_arn input), from GET project's aws_trust — the
// external ID the platform sends for this project, the principal to trust and the trust policy
// to paste, each with a copy button. The local cloud has no platform account (no principal):
// nodes use the machine's own AWS credentials there, and the external ID is still shown, since
// runs of the project send it. See docs/deploy.md, "Acting as a role in your account".

import type { AWSTrust } from '../api/types';
import { CopyButton } from './ApiKeysScreen';
import './awsAccess.css';

/** Where the docs explain role_arn, the external ID and the trust policy. */
export const AWS_DOCS = 'docs/deploy.md, “Acting as a role in your account (role_arn)”';

function Value({ id, label, value, what }: { id: string; label: string; value: string; what: string }) {
  return (
    <div className="ps-m-aws-value">
      <span className="ps-m-aws-label" id={`${id}-label`}>
        {label}
      </span>
      <code className="ps-mono" aria-labelledby={`${id}-label`} data-testid={id}>
        {value}
      </code>
      <span className="ps-m-aws-copy">
        <CopyButton text={value} what={what} />
      </span>
    </div>
  );
}

/** The AWS access section; nothing without aws_trust (an API that does not answer it). */
export function AwsAccess({ trust }: { trust: AWSTrust | undefined }) {
  if (!trust) return null;
  const platform = !!trust.principal_arn;
  return (
    <section className="ps-m-form ps-m-column ps-m-aws" aria-labelledby="aws-access-title" data-testid="aws-access">
      <h2 id="aws-access-title">AWS access</h2>
      <p className="ps-hint" id="aws-access-help">
        AWS nodes (DynamoDB, SQS, SNS, S3, Lambda, …) can act as an IAM role in your AWS account: set a node&apos;s <span className="ps-mono">role_arn</span> input to the
        role&apos;s ARN and it assumes the role with this project&apos;s external ID, which flows cannot change. The role&apos;s trust policy requires that ID, so the role serves this
        project only; give its permissions only what the project&apos;s flows need.
      </p>
      {platform ? null : (
        <p className="ps-m-note" role="note" data-testid="aws-access-local">
          This is the local cloud, with no platform AWS account: AWS nodes here use this machine&apos;s own AWS credentials (environment, profile or SSO), and with a{' '}
          <span className="ps-mono">role_arn</span> those credentials assume the role, sending the external ID below. A deployed platform also shows the principal to
          trust and the trust policy to paste.
        </p>
      )}
      {platform ? <Value id="aws-principal" label="Principal to trust" value={trust.principal_arn!} what="principal" /> : null}
      <Value id="aws-external-id" label="External ID" value={trust.external_id} what="external ID" />
      {trust.trust_policy ? (
        <div className="ps-m-aws-policy">
          <span className="ps-m-aws-label" id="aws-trust-policy-label">
            Trust policy of the role
          </span>
          <pre className="ps-mono" tabIndex={0} aria-labelledby="aws-trust-policy-label" data-testid="aws-trust-policy">
            {trust.trust_policy}
          </pre>
          <span className="ps-m-aws-copy">
            <CopyButton text={trust.trust_policy} what="trust policy" />
          </span>
        </div>
      ) : null}
      <p className="ps-hint">More in the deployment guide: {AWS_DOCS}.</p>
    </section>
  );
}
