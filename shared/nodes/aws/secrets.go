package aws

import (
	"context"
	"encoding/base64"
	"fmt"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/nodes"
)

func (f *family) secretsTypes() []*nodes.Type {
	return []*nodes.Type{{
		ID: "aws.secrets_get", Category: category, Name: "Secrets Manager get secret", Icon: "key-round",
		Doc: "Reads a secret's value from AWS Secrets Manager, so credentials kept there can be used by name or ARN.\n\n" +
			"**Inputs**: `secret_id` (name or ARN), `version_stage` (default `AWSCURRENT`), `version_id`.\n\n" +
			"**Outputs**: `value` (the secret text, typed *secret* so connected ports treat it as one), `json` " +
			"(the value parsed when it is a JSON object, e.g. `{\"username\": …, \"password\": …}`; otherwise null), " +
			"`name`, `arn`, `version_id`. Binary secrets come out base64-encoded in `value`.\n\n" +
			"Note: the value passes through the flow like any output; prefer connecting it straight to the port " +
			"that needs it, and avoid logging it.\n\n" +
			"Example: secret_id `prod/db` → json `{\"username\": \"app\", \"password\": \"…\"}`.",
		Inputs: withCommon(
			nodes.Port{Name: "secret_id", Type: nodes.String, Required: true, Doc: "Secret name or ARN."},
			nodes.Port{Name: "version_stage", Type: nodes.String, Default: "AWSCURRENT", Doc: "Staging label to read."},
			nodes.Port{Name: "version_id", Type: nodes.String, Doc: "A specific version id (optional). With a version id, the default stage is not sent."},
		),
		Outputs: []nodes.Port{
			{Name: "value", Type: nodes.Secret, Doc: "The secret's text."},
			{Name: "json", Type: nodes.Object, Doc: "The value parsed as a JSON object, or null."},
			{Name: "name", Type: nodes.String, Doc: "The secret's name."},
			{Name: "arn", Type: nodes.String, Doc: "The secret's ARN."},
			{Name: "version_id", Type: nodes.String, Doc: "The version read."},
		},
		Run: f.secretsGet,
	}}
}

func (f *family) secretsGet(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	id, err := required(c, "secret_id")
	if err != nil {
		return nil, err
	}
	t, err := f.target(ctx, c)
	if err != nil {
		return nil, err
	}
	in := &secretsmanager.GetSecretValueInput{SecretId: &id, VersionStage: optStr(c, "version_stage"), VersionId: optStr(c, "version_id")}
	if in.VersionId != nil && sdkaws.ToString(in.VersionStage) == "AWSCURRENT" {
		in.VersionStage = nil // the default stage would contradict an older version id
	}
	cl := secretsmanager.NewFromConfig(t.cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = t.endpoint })
	out, err := cl.GetSecretValue(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("secrets manager get secret %s: %w", id, err)
	}
	value := sdkaws.ToString(out.SecretString)
	if out.SecretString == nil && out.SecretBinary != nil {
		value = base64.StdEncoding.EncodeToString(out.SecretBinary)
	}
	var parsed any
	if out.SecretString != nil {
		if m, err := jsonvalue.UnmarshalMap([]byte(value)); err == nil {
			parsed = m
		}
	}
	return nodes.Out{"value": value, "json": parsed, "name": sdkaws.ToString(out.Name),
		"arn": sdkaws.ToString(out.ARN), "version_id": sdkaws.ToString(out.VersionId)}, nil
}
