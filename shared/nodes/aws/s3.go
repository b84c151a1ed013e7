package aws

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/nodes"
)

// defaultMaxBytes is the largest object aws.s3_get reads unless told otherwise.
const defaultMaxBytes = 10 << 20

// s3Client builds an S3 client; with a custom endpoint it uses path-style addressing.
func (f *family) s3Client(ctx context.Context, c *nodes.Call) (*s3.Client, error) {
	t, err := f.target(ctx, c)
	if err != nil {
		return nil, err
	}
	return s3.NewFromConfig(t.cfg, func(o *s3.Options) {
		if t.endpoint != nil {
			o.BaseEndpoint = t.endpoint
			o.UsePathStyle = true
		}
	}), nil
}

var (
	s3Bucket = nodes.Port{Name: "bucket", Type: nodes.String, Required: true, Doc: "Bucket name."}
	s3Key    = nodes.Port{Name: "key", Type: nodes.String, Required: true, Doc: "Object key, e.g. `reports/2026/11.csv`."}
)

func (f *family) s3Types() []*nodes.Type {
	return []*nodes.Type{
		{
			ID: "aws.s3_get", Category: category, Name: "S3 get object", Icon: "file-down",
			Doc: "Reads an object from Amazon S3.\n\n" +
				"**Inputs**: `bucket`, `key`, `as` (`text`, `json` or `base64`), `max_bytes` (refuse larger " +
				"objects; default 10 MiB), `version_id`.\n\n" +
				"**Outputs**: `body` (text, parsed JSON or base64 text), `content_type`, `size`, `etag`, " +
				"`last_modified`, `metadata` (the object's x-amz-meta-* user metadata).\n\n" +
				"Example: bucket `reports`, key `daily.json`, as `json` → body `{\"total\": 3}`.",
			Inputs: withCommon(s3Bucket, s3Key,
				nodes.Port{Name: "as", Type: nodes.String, Default: "text", Options: []string{"text", "json", "base64"},
					Doc: "How to return the body."},
				nodes.Port{Name: "max_bytes", Type: nodes.Integer, Min: nodes.Bound(1), Default: float64(defaultMaxBytes), Doc: "Largest object to read."},
				nodes.Port{Name: "version_id", Type: nodes.String, Doc: "A specific object version."}),
			Outputs: []nodes.Port{
				{Name: "body", Type: nodes.Any, Doc: "The object's content."},
				{Name: "content_type", Type: nodes.String},
				{Name: "size", Type: nodes.Integer, Doc: "Size in bytes."},
				{Name: "etag", Type: nodes.String},
				{Name: "last_modified", Type: nodes.String, Doc: "RFC 3339 time of the last change."},
				{Name: "metadata", Type: nodes.Object, Doc: "User metadata."},
			},
			Run: f.s3Get,
		},
		{
			ID: "aws.s3_put", Category: category, Name: "S3 put object", Icon: "file-up",
			Doc: "Writes an object to Amazon S3 (creating or replacing it).\n\n" +
				"**Inputs**: `bucket`, `key`, `body` (a string is written as is — or decoded first when `encoding` " +
				"is `base64`; bytes as they are; other values as JSON), `content_type` (default: " +
				"`application/json` for JSON values, otherwise `text/plain; charset=utf-8` or " +
				"`application/octet-stream`), `metadata` (user metadata, string values).\n\n" +
				"**Outputs**: `etag`, `version_id` (versioned buckets), `size`.\n\n" +
				"Example: key `exports/orders.json`, body `[{\"id\": 1}]`.",
			Inputs: withCommon(s3Bucket, s3Key,
				nodes.Port{Name: "body", Type: nodes.Any, Required: true, Doc: "The content to write."},
				nodes.Port{Name: "encoding", Type: nodes.String, Default: "text", Options: []string{"text", "base64"},
					Doc: "How a string body is given."},
				nodes.Port{Name: "content_type", Type: nodes.String, Doc: "MIME type of the object."},
				nodes.Port{Name: "metadata", Type: nodes.Object, Doc: "User metadata stored with the object."}),
			Outputs: []nodes.Port{
				{Name: "etag", Type: nodes.String},
				{Name: "version_id", Type: nodes.String},
				{Name: "size", Type: nodes.Integer, Doc: "Bytes written."},
			},
			Run: f.s3Put,
		},
		{
			ID: "aws.s3_list", Category: category, Name: "S3 list objects", Icon: "folder-open",
			Doc: "Lists objects in an S3 bucket, one page at a time.\n\n" +
				"**Inputs**: `bucket`, `prefix`, `delimiter` (e.g. `/` to group by folder), `max_keys` (default 1000), " +
				"`continuation_token` (a previous `next_token`).\n\n" +
				"**Outputs**: `objects` (`[{key, size, etag, last_modified}]`), `prefixes` (common prefixes when a " +
				"delimiter is given), `next_token` (empty on the last page), `truncated`.\n\n" +
				"Example: prefix `invoices/2026/`, delimiter `/`.",
			Inputs: withCommon(
				nodes.Port{Name: "bucket", Type: nodes.String, Required: true, Doc: "Bucket name."},
				nodes.Port{Name: "prefix", Type: nodes.String, Doc: "Only keys starting with this."},
				nodes.Port{Name: "delimiter", Type: nodes.String, Doc: "Group keys by this separator."},
				nodes.Port{Name: "max_keys", Type: nodes.Integer, Min: nodes.Bound(1), Max: nodes.Bound(1000), Default: 1000.0, Doc: "Most keys per page (1–1000)."},
				nodes.Port{Name: "continuation_token", Type: nodes.String, Doc: "Continue a listing."}),
			Outputs: []nodes.Port{
				{Name: "objects", Type: nodes.List, Doc: "The objects on this page."},
				{Name: "prefixes", Type: nodes.List, Doc: "Common prefixes."},
				{Name: "next_token", Type: nodes.String, Doc: "Token for the next page, or empty."},
				{Name: "truncated", Type: nodes.Boolean, Doc: "Whether more pages follow."},
			},
			Run: f.s3List,
		},
		{
			ID: "aws.s3_delete", Category: category, Name: "S3 delete object", Icon: "file-x",
			Doc: "Deletes an object from S3. Deleting a key that does not exist succeeds (S3 does not tell).\n\n" +
				"**Inputs**: `bucket`, `key`, `version_id`.\n\n" +
				"**Outputs**: `version_id` and `delete_marker` (versioned buckets).\n\n" +
				"Example: bucket `tmp`, key `upload-123.bin`.",
			Inputs: withCommon(s3Bucket, s3Key,
				nodes.Port{Name: "version_id", Type: nodes.String, Doc: "Delete this version permanently."}),
			Outputs: []nodes.Port{
				{Name: "version_id", Type: nodes.String},
				{Name: "delete_marker", Type: nodes.Boolean, Doc: "Whether a delete marker was created or removed."},
			},
			Run: f.s3Delete,
		},
		{
			ID: "aws.s3_presign", Category: category, Name: "S3 presigned URL", Icon: "link",
			Doc: "Makes a presigned URL that lets anyone holding it download (GET) or upload (PUT) one object " +
				"until it expires, signed with the node's credentials. No request is sent. Signed as a role (`role_arn`), " +
				"it works only while the role's session does (15 minutes; `expires_at` says when).\n\n" +
				"**Inputs**: `bucket`, `key`, `method` (`GET` or `PUT`), `expires_seconds` (1–604800, default 900), " +
				"`content_type` (PUT: the type the upload must send).\n\n" +
				"**Outputs**: `url`, `method`, `expires_at` (RFC 3339), `headers` (headers the client must send).\n\n" +
				"Example: method `PUT`, key `uploads/avatar.png`, expires_seconds 300.",
			Inputs: withCommon(s3Bucket, s3Key,
				nodes.Port{Name: "method", Type: nodes.String, Default: "GET", Options: []string{"GET", "PUT"}, Doc: "Download or upload."},
				nodes.Port{Name: "expires_seconds", Type: nodes.Integer, Min: nodes.Bound(1), Max: nodes.Bound(604800), Default: 900.0, Doc: "How long the URL works, in seconds (at most 604800, 7 days)."},
				nodes.Port{Name: "content_type", Type: nodes.String, Doc: "PUT only: the Content-Type the upload must use."}),
			Outputs: []nodes.Port{
				{Name: "url", Type: nodes.String, Doc: "The presigned URL."},
				{Name: "method", Type: nodes.String},
				{Name: "expires_at", Type: nodes.String},
				{Name: "headers", Type: nodes.Object, Doc: "Signed headers the client must send."},
			},
			Run: f.s3Presign,
		},
	}
}

func s3Location(c *nodes.Call, withKey bool) (bucket, key string, err error) {
	if bucket, err = required(c, "bucket"); err != nil {
		return "", "", err
	}
	if strings.Contains(bucket, "/") {
		return "", "", nodes.Errorf("bucket", "a bucket name has no '/', got %q", bucket)
	}
	if withKey {
		// keys may have meaningful spaces; only refuse empty ones
		if key = c.Str("key"); key == "" {
			return "", "", nodes.Errorf("key", "required")
		}
	}
	return bucket, key, nil
}

func (f *family) s3Get(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	bucket, key, err := s3Location(c, true)
	if err != nil {
		return nil, err
	}
	as := strings.ToLower(strings.TrimSpace(c.Str("as")))
	if as == "" {
		as = "text"
	}
	if as != "text" && as != "json" && as != "base64" {
		return nil, nodes.Errorf("as", "must be text, json or base64, got %q", as)
	}
	limit, err := c.IntOr("max_bytes", defaultMaxBytes)
	if err != nil {
		return nil, err
	}
	cl, err := f.s3Client(ctx, c)
	if err != nil {
		return nil, err
	}
	out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, VersionId: optStr(c, "version_id")})
	if err != nil {
		return nil, fmt.Errorf("s3 get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	if out.ContentLength != nil && *out.ContentLength > int64(limit) {
		return nil, nodes.Errorf("max_bytes", "object s3://%s/%s has %d bytes, more than %d", bucket, key, *out.ContentLength, limit)
	}
	data, err := io.ReadAll(io.LimitReader(out.Body, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("s3 get s3://%s/%s: read body: %w", bucket, key, err)
	}
	if len(data) > limit {
		return nil, nodes.Errorf("max_bytes", "object s3://%s/%s is larger than %d bytes", bucket, key, limit)
	}
	var body any
	switch as {
	case "text":
		if !utf8.Valid(data) {
			return nil, nodes.Errorf("as", "object s3://%s/%s is not UTF-8 text; read it as base64", bucket, key)
		}
		body = string(data)
	case "json":
		v, err := jsonvalue.Unmarshal(data)
		if err != nil {
			return nil, nodes.Errorf("as", "object s3://%s/%s is not JSON: %v", bucket, key, err)
		}
		body = v
	case "base64":
		body = base64.StdEncoding.EncodeToString(data)
	}
	meta := map[string]any{}
	for k, v := range out.Metadata {
		meta[k] = v
	}
	modified := ""
	if out.LastModified != nil {
		modified = out.LastModified.UTC().Format(time.RFC3339)
	}
	return nodes.Out{"body": body, "content_type": sdkaws.ToString(out.ContentType), "size": float64(len(data)),
		"etag": sdkaws.ToString(out.ETag), "last_modified": modified, "metadata": meta}, nil
}

// putBody converts the body input to bytes and a default content type.
func putBody(c *nodes.Call) ([]byte, string, error) {
	v := c.Get("body")
	enc := strings.ToLower(strings.TrimSpace(c.Str("encoding")))
	if enc != "" && enc != "text" && enc != "base64" {
		return nil, "", nodes.Errorf("encoding", "must be text or base64, got %q", enc)
	}
	switch x := v.(type) {
	case nil:
		return nil, "", nodes.Errorf("body", "required")
	case []byte:
		return x, "application/octet-stream", nil
	case string:
		if enc == "base64" {
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, "", nodes.Errorf("body", "not valid base64: %v", err)
			}
			return b, "application/octet-stream", nil
		}
		return []byte(x), "text/plain; charset=utf-8", nil
	}
	b, err := json.Marshal(nodes.Normalize(v))
	if err != nil {
		return nil, "", nodes.Errorf("body", "cannot encode as JSON: %v", err)
	}
	return b, "application/json", nil
}

func (f *family) s3Put(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	bucket, key, err := s3Location(c, true)
	if err != nil {
		return nil, err
	}
	data, ctype, err := putBody(c)
	if err != nil {
		return nil, err
	}
	if s := strings.TrimSpace(c.Str("content_type")); s != "" {
		ctype = s
	}
	var meta map[string]string
	m, err := optionalMap(c, "metadata")
	if err != nil {
		return nil, err
	}
	for k, v := range m {
		if meta == nil {
			meta = map[string]string{}
		}
		if _, ok := v.(map[string]any); ok {
			return nil, nodes.Errorf("metadata", "%q must be text, got an object", k)
		}
		meta[k] = nodes.ToString(v)
	}
	cl, err := f.s3Client(ctx, c)
	if err != nil {
		return nil, err
	}
	out, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data),
		ContentLength: sdkaws.Int64(int64(len(data))), ContentType: &ctype, Metadata: meta})
	if err != nil {
		return nil, fmt.Errorf("s3 put s3://%s/%s: %w", bucket, key, err)
	}
	return nodes.Out{"etag": sdkaws.ToString(out.ETag), "version_id": sdkaws.ToString(out.VersionId), "size": float64(len(data))}, nil
}

func (f *family) s3List(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	bucket, _, err := s3Location(c, false)
	if err != nil {
		return nil, err
	}
	maxKeys, err := c.IntOr("max_keys", 1000)
	if err != nil {
		return nil, err
	}
	cl, err := f.s3Client(ctx, c)
	if err != nil {
		return nil, err
	}
	out, err := cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: optStr(c, "prefix"),
		Delimiter: optStr(c, "delimiter"), MaxKeys: sdkaws.Int32(int32(maxKeys)), ContinuationToken: optStr(c, "continuation_token")})
	if err != nil {
		return nil, fmt.Errorf("s3 list s3://%s: %w", bucket, err)
	}
	objects := make([]any, 0, len(out.Contents))
	for _, o := range out.Contents {
		modified := ""
		if o.LastModified != nil {
			modified = o.LastModified.UTC().Format(time.RFC3339)
		}
		objects = append(objects, map[string]any{"key": sdkaws.ToString(o.Key), "size": float64(sdkaws.ToInt64(o.Size)),
			"etag": sdkaws.ToString(o.ETag), "last_modified": modified})
	}
	prefixes := make([]any, 0, len(out.CommonPrefixes))
	for _, p := range out.CommonPrefixes {
		prefixes = append(prefixes, sdkaws.ToString(p.Prefix))
	}
	return nodes.Out{"objects": objects, "prefixes": prefixes, "next_token": sdkaws.ToString(out.NextContinuationToken),
		"truncated": sdkaws.ToBool(out.IsTruncated)}, nil
}

func (f *family) s3Delete(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	bucket, key, err := s3Location(c, true)
	if err != nil {
		return nil, err
	}
	cl, err := f.s3Client(ctx, c)
	if err != nil {
		return nil, err
	}
	out, err := cl.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key, VersionId: optStr(c, "version_id")})
	if err != nil {
		var nsb *s3types.NoSuchBucket
		if errors.As(err, &nsb) {
			return nil, fmt.Errorf("s3 delete s3://%s/%s: bucket does not exist: %w", bucket, key, err)
		}
		return nil, fmt.Errorf("s3 delete s3://%s/%s: %w", bucket, key, err)
	}
	return nodes.Out{"version_id": sdkaws.ToString(out.VersionId), "delete_marker": sdkaws.ToBool(out.DeleteMarker)}, nil
}

func (f *family) s3Presign(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	bucket, key, err := s3Location(c, true)
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(strings.TrimSpace(c.Str("method")))
	if method == "" {
		method = "GET"
	}
	if method != "GET" && method != "PUT" {
		return nil, nodes.Errorf("method", "must be GET or PUT, got %q", method)
	}
	secs, err := c.IntOr("expires_seconds", 900)
	if err != nil {
		return nil, err
	}
	ctype := optStr(c, "content_type")
	if ctype != nil && method != "PUT" {
		return nil, nodes.Errorf("content_type", "only a PUT URL takes a content type")
	}
	cl, err := f.s3Client(ctx, c)
	if err != nil {
		return nil, err
	}
	expires := time.Duration(secs) * time.Second
	pc := s3.NewPresignClient(cl, s3.WithPresignExpires(expires))
	start := time.Now()
	expiresAt := start.Add(expires)
	// A URL signed with temporary credentials (an assumed role_arn) stops working when they
	// expire, whatever it says: report that time instead.
	if creds, err := cl.Options().Credentials.Retrieve(ctx); err == nil && creds.CanExpire && creds.Expires.Before(expiresAt) {
		expiresAt = creds.Expires
		c.Warn("the URL works until %s only, when the temporary credentials that sign it expire (a role_arn session "+
			"lasts 15 minutes; sign with an access key for longer)", expiresAt.UTC().Format(time.RFC3339))
	}
	var url string
	var signed map[string][]string
	if method == "GET" {
		req, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
		if err != nil {
			return nil, fmt.Errorf("s3 presign GET s3://%s/%s: %w", bucket, key, err)
		}
		url, signed = req.URL, req.SignedHeader
	} else {
		req, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, ContentType: ctype})
		if err != nil {
			return nil, fmt.Errorf("s3 presign PUT s3://%s/%s: %w", bucket, key, err)
		}
		url, signed = req.URL, req.SignedHeader
	}
	headers := map[string]any{}
	for k, v := range signed {
		if strings.EqualFold(k, "host") {
			continue // the client sends Host itself
		}
		headers[k] = strings.Join(v, ",")
	}
	return nodes.Out{"url": url, "method": method, "expires_at": expiresAt.UTC().Format(time.RFC3339), "headers": headers}, nil
}
