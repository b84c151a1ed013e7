// Package api is PolySynergy's REST API: a net/http handler (huma v2 over
// http.ServeMux) serving /api/v1/…, run in Lambda by functions/api through
// aws-lambda-go-api-proxy's HTTP API v2 adapter and in the local cloud and
// tests as a plain handler.
//
// # Conventions
//
//   - JSON in and out; the OpenAPI 3.1 document is at /api/v1/openapi.json.
//     Routes lists every endpoint as Go data for the CDK stack.
//   - Every error is an RFC 9457 problem (application/problem+json) with
//     type, title, status, detail, instance (the request) and, for bad
//     input, errors[] naming each failing field ({location, message,
//     value}); a stale draft revision adds current_revision.
//   - Tenants, members, flows, projects, routes, schedules, stages, variables,
//     secrets and API keys answer GET and their writes with a strong ETag (in a
//     list, each member, stage, variable, secret and API key carries it as
//     etag); their PATCH, PUT and DELETE honour If-Match (412 with current_etag, checked in the write's DynamoDB
//     condition): etag.go.
//   - Every response carries X-Request-Id (a valid incoming one is echoed,
//     otherwise a new ULID).
//   - Lists take limit (1–200, default 50) and cursor, and answer
//     {items, next_cursor}.
//   - Bodies are capped (64 KiB; 6 MiB for flow documents and bundles, and a document itself at MaxDocument):
//     413. Unknown JSON fields and wrong types are 422 naming the field.
//     Malformed ids in the path are 404. DynamoDB throttling or failure is
//     503 with Retry-After.
//
// # Who may do what
//
// The caller is read from the API Gateway JWT authorizer claims in the
// request context (Lambda) or, for the local cloud and tests, from a
// bearer JWT checked by an Authenticator. Each operation has a Scope
// (public, user, tenant) and, for tenant operations, one auth.Action; the
// middleware does the operation's one permission lookup (the caller's
// membership of the tenant in the path) and answers 401 anonymous, 404 to
// non-members (existence does not leak) and 403 to roles below the action.
// Reads overlap that lookup with their own store reads, but nothing is
// written to the response before it passes.
//
// # Beyond the store
//
// The API reaches DynamoDB only through the store's methods.
// Renaming a stage is a copy (values, re-sealed secrets, published
// versions, production flag) then a delete, undone when the copy fails.
package api
