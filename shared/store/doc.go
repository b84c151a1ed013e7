// Package store is PolySynergy's DynamoDB single-table store: the table's
// schema (used by the CDK stack and the local cloud alike) and typed
// repositories for every entity, used by the REST API, the trigger router,
// the runner and the WebSocket function.
//
// # Key layout
//
// One table with string keys PK and SK, two sparse global secondary indexes
// (GSI1PK/GSI1SK, GSI2PK/GSI2SK, projection ALL) and the TTL attribute
// expires_at (epoch seconds). <t> tenant, <p> project, <f> flow, <r> run
// (all ULIDs), <n> a zero-padded number. Every item under a tenant has a
// partition key starting with "T#<t>", so a handler that forgets an
// authorisation check still cannot reach another tenant's items; the only
// items outside tenants are the deployment-wide lookups and per-user items
// at the bottom of the table.
//
//	entity            PK                      SK                    GSI1PK / GSI1SK                     GSI2PK / GSI2SK
//	tenant            T#<t>                   TENANT
//	member            T#<t>                   MEMBER#<sub>          USER#<sub> / T#<t>
//	invitation        T#<t>                   INVITE#<email>        INVITE#<email> / T#<t>
//	project           T#<t>#P#<p>             PROJECT               T#<t>#PROJECTS#<state> / <name>#<p>
//	stage             T#<t>#P#<p>             STAGE#<name>
//	route table       T#<t>#P#<p>             ROUTES#<stage>
//	flow (metadata)   T#<t>#P#<p>             FLOW#<f>
//	flow name claim   T#<t>#P#<p>             FLOWNAME#<folded name>
//	route revision    T#<t>#P#<p>             ROUTEREV
//	secret value      T#<t>#P#<p>             SECRET#<key>#<stage>
//	env value         T#<t>#P#<p>             ENV#<key>#<stage>
//	api key           T#<t>#P#<p>             APIKEY#<id>
//	draft             T#<t>#P#<p>#F#<f>       DRAFT
//	version           T#<t>#P#<p>#F#<f>       V#<n:10>
//	route             T#<t>#P#<p>#F#<f>       ROUTE
//	schedule          T#<t>#P#<p>#F#<f>       SCHEDULE                                                  SCHEDULES / T#<t>#P#<p>#F#<f> (when published)
//	stage binding     T#<t>#P#<p>#F#<f>       BIND#<stage>          T#<t>#P#<p>#BIND#<stage> / <f>
//	subscription      T#<t>#P#<p>#F#<f>       SUB#<conn>            CONN#<conn> / SUB#<t>#<p>#<f>
//	run               T#<t>#P#<p>#R#<r>       RUN                   T#<t>#P#<p>#F#<f>#RUNS / <r>
//	node result       T#<t>#P#<p>#R#<r>       NODE#<order:8>
//	run state         T#<t>#P#<p>#R#<r>       STATE
//	slug lookup       SLUG#<slug>             SLUG
//	api key lookup    APIKEY#<hash>           APIKEY
//	user profile      USER#<sub>              PROFILE
//	e-mail lookup     EMAIL#<email>           EMAIL
//	connection        CONN#<conn>             CONN
//
// Access patterns: a project's small items (stages, route tables, flow
// metadata, secrets, variables, keys) are one partition; each flow's heavy
// items (draft, versions, bindings, subscriptions) another; each run with
// its node results and pause state a third, so listing flows never reads
// documents and deleting a run is one partition. A run recorded in one go
// when it ends (the router's) keeps small results (≤ 8 KB encoded) on its
// own item, so it is one write and one item; its item also names its node
// result orders ("node_orders"), so retention deletes it without reading
// its partition first. Run lists project those results away. Lists that cross
// partitions use GSI1: a user's tenants, an e-mail's invitations, a
// tenant's projects by state and name, a stage's bindings, a connection's
// subscriptions and a flow's runs newest first. GSI2 lists published
// schedules across the deployment (for the local scheduler).
//
// # Guarantees
//
// Multi-item changes are single TransactWriteItems calls (all or nothing):
// create tenant (+ admin), create project (+ slug lookup + mock stage),
// change slug (delete old lookup + put new), trash/restore (+ lookup flag),
// create flow (+ draft + route/schedule + name claim), rename flow (+ release
// the old name claim + claim the new one), delete flow (hide + release its
// name claim), publish (+ new version + binding + stage count + route table
// or schedule), unpublish, production stage switch, API key (+ hash lookup),
// accepting an invitation (delete it + membership). Drafts
// use optimistic concurrency on their revision; route tables and schedules
// are replaced conditionally on a counter, retried on fresh reads. Deleting
// a flow or project first hides it in one transaction, then removes its
// items in batches; a repeated call finishes an interrupted delete.
//
// JSON blobs (documents, results, state, route tables) larger than
// CompressAbove are gzip-compressed; a blob too large even then is
// ErrTooLarge.
//
// Flow names are unique within a project, compared trimmed and case-folded
// (FoldName): a flow's claim item holds its folded name, and since flows
// written before claims existed have none, creating or renaming a flow also
// looks through the project's flows. A taken name is a *NameTakenError
// (ErrNameTaken) naming the flow that has it. Flows are not trashed one by
// one; a project in the trash keeps its flows and their claims, so restoring
// it never meets a name taken meanwhile.
//
// Errors wrap ErrNotFound, ErrExists, ErrSlugTaken, ErrNameTaken,
// *ConflictError, *ValidationError (ErrInvalid) or ErrUnavailable (throttling,
// 5xx and network failures from DynamoDB) with what was being done.
//
// Not relied upon from the embedded test server (minidyn): REMOVE in update
// expressions, empty lists and maps (left out of items), TTL.
package store
