// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AWSTrust, Project } from '../api/types';
import { GeneralScreen } from './GeneralScreen';
import { fakeApi } from './testkit';

afterEach(cleanup);

const EXTERNAL = 'polysynergy-T1-P1';
const PRINCIPAL = 'arn:aws:iam::111122223333:root';
// as shared/awstrust.TrustPolicy writes it
const POLICY = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"AWS": "${PRINCIPAL}"},
    "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"sts:ExternalId": "${EXTERNAL}"}}
  }]
}`;

const proj = (trust: AWSTrust | undefined, over: Partial<Project> = {}): Project => ({
  id: 'P1',
  tenant: 'T1',
  name: 'Shop',
  slug: 'shop',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  allow_private_network: false,
  ...(trust ? { aws_trust: trust } : {}),
  ...over,
});
const stages = { status: 200, body: [] };

async function section() {
  const region = await screen.findByRole('region', { name: 'AWS access' });
  return within(region);
}

describe('AWS access in the General settings', () => {
  it('on the platform shows the principal, the external ID and the trust policy, each copied as is', async () => {
    const writeText = vi.fn(async (_: string) => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { api } = fakeApi({ 'GET ': { status: 200, body: proj({ principal_arn: PRINCIPAL, external_id: EXTERNAL, trust_policy: POLICY }) }, 'GET /stages': stages });
    render(<GeneralScreen api={api} project="P1" role="viewer" />);
    const aws = await section();
    expect(aws.getByText(/act as an IAM role in your AWS account/).textContent).toContain('role_arn');
    expect(aws.getByLabelText('Principal to trust').textContent).toBe(PRINCIPAL);
    expect(aws.getByLabelText('External ID').textContent).toBe(EXTERNAL);
    const policy = aws.getByLabelText('Trust policy of the role');
    expect(policy.tagName).toBe('PRE');
    expect(policy.textContent).toBe(POLICY);
    expect(JSON.parse(policy.textContent ?? '')).toMatchObject({ Statement: [{ Principal: { AWS: PRINCIPAL }, Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL } } }] });
    // read-only: nothing to type into
    expect(aws.queryAllByRole('textbox')).toEqual([]);
    expect(aws.queryByRole('note')).toBeNull(); // no local-cloud note
    expect(aws.getByText(/docs\/deploy\.md/)).toBeTruthy();

    fireEvent.click(aws.getByRole('button', { name: 'Copy principal' }));
    fireEvent.click(aws.getByRole('button', { name: 'Copy external ID' }));
    fireEvent.click(aws.getByRole('button', { name: 'Copy trust policy' }));
    expect(writeText.mock.calls.map((c) => c[0])).toEqual([PRINCIPAL, EXTERNAL, POLICY]);
    expect((await aws.findAllByText('Copied.')).length).toBe(3);
  });

  it('in the local cloud says the machine’s own credentials are used and still shows the external ID', async () => {
    const writeText = vi.fn(async (_: string) => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { api } = fakeApi({ 'GET ': { status: 200, body: proj({ external_id: EXTERNAL }) }, 'GET /stages': stages });
    render(<GeneralScreen api={api} project="P1" role="editor" />);
    const aws = await section();
    expect(aws.getByRole('note').textContent).toMatch(/this machine’s own AWS credentials|this machine's own AWS credentials/);
    expect(aws.getByLabelText('External ID').textContent).toBe(EXTERNAL);
    expect(aws.queryByLabelText('Principal to trust')).toBeNull();
    expect(aws.queryByLabelText('Trust policy of the role')).toBeNull();
    expect(aws.queryByRole('button', { name: 'Copy principal' })).toBeNull();
    expect(aws.queryByRole('button', { name: 'Copy trust policy' })).toBeNull();
    fireEvent.click(aws.getByRole('button', { name: 'Copy external ID' }));
    expect(writeText).toHaveBeenCalledWith(EXTERNAL);
  });

  it('keeps showing it after a rename (PATCH does not answer aws_trust)', async () => {
    const { api } = fakeApi({
      'GET ': { status: 200, body: proj({ external_id: EXTERNAL }) },
      'GET /stages': stages,
      'PATCH ': { status: 200, body: proj(undefined, { name: 'Shop 2' }) },
    });
    render(<GeneralScreen api={api} project="P1" role="editor" />);
    await section();
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Shop 2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    expect(await screen.findByText('Renamed.')).toBeTruthy();
    expect((await section()).getByLabelText('External ID').textContent).toBe(EXTERNAL);
  });

  it('shows nothing when the API answers no aws_trust', async () => {
    const { api } = fakeApi({ 'GET ': { status: 200, body: proj(undefined) }, 'GET /stages': stages });
    render(<GeneralScreen api={api} project="P1" role="editor" />);
    await screen.findByLabelText('Name');
    expect(screen.queryByRole('region', { name: 'AWS access' })).toBeNull();
  });
});
