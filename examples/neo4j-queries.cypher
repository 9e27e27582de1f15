// graphscope: saved queries for Neo4j Browser, over a graph written by `graphscope neo4j push`.
//
// Every query takes its inputs as parameters: set them first in Browser, e.g.
//   :param key => 'AKIAIOSFODNN7EXAMPLE'
//   :param bucket => 'arn:aws:s3:::examplecorp-training-data'
//   :param role => 'arn:aws:iam::777788889999:role/ml-deployer'
//   :param principal => 'arn:aws:iam::444455556666:user/ci-runner'
//   :param account => '777788889999'
// Labels: GsNode on every node, one label per node kind (User, Role, S3Bucket, AccessKey, ...)
// and one per component (UsersComponent, PrivateDataComponent, AiMlApplicationComponent,
// ComputingInfrastructureComponent, OrganizationComponent). Relationship types are the schema's
// (graphscope/schema.py). Properties holding nested values are JSON text, listed in n._json.
// Potential access (which policy allows what) is the policy engine's answer, not a stored
// edge: ask `graphscope who-can --backend neo4j ...`; these queries show the structure around it.
// The identity hops the engine walks (assume, pass-role, AI applications and taken-over compute
// acting with their role) are stored: CAN_ASSUME / CAN_PASS_ROLE_TO / CAN_ACCESS relationships
// with `identity` (who it makes you), `limit`, `granted_by`, and the full steps (step_src,
// step_edge, step_dst, step_by); `graphscope path --backend neo4j` searches them in Cypher.
// A hop's long lists (a `limit` of hundreds of actions) are stored once, in a GsList node: the
// property then holds that node's id and is named in the hop's `_lists`; the last query shows
// how to read one back.

// name: sessions derived from a key
// Every credential the key obtained, directly or through sessions it created, with the role.
MATCH p = (k:AccessKey {id: $key})-[:ISSUED_SESSION*1..8]->(s:GsNode)
WHERE s:AccessKey OR s:ServiceCredential
RETURN p;

// name: what a key and its sessions did
// Aggregated calls per credential, action and resource (counts are absolute, refreshed per push).
MATCH (k:GsNode {id: $key})-[:ISSUED_SESSION*0..8]->(c:GsNode)-[r:PERFORMED]->(res:GsNode)
WHERE c:AccessKey OR c:ServiceCredential OR c.id = $key
RETURN DISTINCT c.id AS credential, r.key AS action, res.id AS resource, r.count AS calls,
       r.error_count AS errors, r.first_seen AS first_seen, r.last_seen AS last_seen
ORDER BY first_seen, credential, action;

// name: who touched this bucket (observed)
// Calls on the bucket itself or on objects under it, by credential.
MATCH (c:GsNode)-[r:PERFORMED]->(res:GsNode)
WHERE res.id = $bucket OR res.id STARTS WITH $bucket + '/'
RETURN c.id AS credential, c.principal_arn AS principal, r.key AS action, res.id AS resource,
       r.count AS calls, r.error_count AS errors, r.last_seen AS last_seen
ORDER BY last_seen DESC;

// name: what sits in front of this bucket
// Knowledge bases, agents and models that read it or were trained on it, and their roles.
MATCH (b:S3Bucket {id: $bucket})<-[:STORED_IN|TRAINED_ON|STORES_ARTIFACTS]-(x:GsNode)
OPTIONAL MATCH p = (x)<-[:READS_DATA_SOURCE|USES_KNOWLEDGE_BASE*0..3]-(app:GsNode)
OPTIONAL MATCH (app)-[:RUNS_AS]->(role:Role)
RETURN x.id AS via, x.kind AS via_kind, app.id AS application, role.id AS runs_as;

// name: who can become this role
// Trust-policy principals, and (after a push with identity hops) every path of assume,
// pass-role and runs-as hops that ends at the role.
MATCH (r:Role {id: $role})
OPTIONAL MATCH (r)-[t:TRUSTS]->(trusted:GsNode)
OPTIONAL MATCH p = (x:GsNode)-[:CAN_ASSUME|CAN_PASS_ROLE_TO|RUNS_AS*1..4]->(r)
RETURN r.id AS role, collect(DISTINCT trusted.id) AS trust_policy_names,
       collect(DISTINCT [n IN nodes(p) | n.id]) AS identity_paths;

// name: compute and AI applications acting as this role
MATCH (x:GsNode)-[:RUNS_AS]->(r:Role {id: $role})
RETURN x.id AS resource, x.kind AS kind, x.account AS account;

// name: model invocations (LLMjacking check)
// Who called which model, how often, and the tokens the invocation logs saw.
MATCH (c:GsNode)-[r:INVOKED]->(m:GsNode)
RETURN c.id AS caller, m.id AS model, r.key AS source, r.count AS calls,
       r.input_tokens AS input_tokens, r.output_tokens AS output_tokens, r.last_seen AS last_seen
ORDER BY calls DESC;

// name: a principal's keys and policies
MATCH (p:GsNode {id: $principal})
OPTIONAL MATCH (p)-[:HAS_ACCESS_KEY]->(k:GsNode)
OPTIONAL MATCH (p)-[:MEMBER_OF*0..1]->(holder:GsNode)-[:ATTACHED_POLICY]->(pol:GsNode)
OPTIONAL MATCH (p)-[:PERMISSIONS_BOUNDARY]->(boundary:GsNode)
RETURN p.id AS principal, collect(DISTINCT k.id) AS keys, collect(DISTINCT pol.id) AS policies,
       collect(DISTINCT boundary.id) AS boundary;

// name: service control policies over an account
// The account's place in the organisation, and the SCPs/RCPs attached at each level.
MATCH (a:Account {id: $account})
MATCH p = (a)-[:MEMBER_OF*0..6]->(level:GsNode)
OPTIONAL MATCH (pol:GsNode)-[:POLICY_APPLIES_TO]->(level)
RETURN level.id AS level, level.kind AS kind, length(p) AS depth,
       collect(DISTINCT pol.id) AS policies
ORDER BY depth;

// name: known only from the logs
// Resources and principals the logs name that no inventory input described.
MATCH (n:GsNode)
WHERE n._observed
RETURN n.kind AS kind, n.id AS id
ORDER BY kind, id;

// name: identities a principal can become
// Every identity hop out of the principal, in the order the reach engine takes them: the entry
// relationship, who it makes you, what that identity may then do for you (empty: anything, and
// the walk goes on from it), and each step with the statement behind it.
MATCH (p:GsNode {id: $principal})-[h]->(entry:GsNode)
WHERE h.identity IS NOT NULL AND h.move >= 0
RETURN type(h) AS hop, entry.id AS entry, h.identity AS becomes,
       coalesce(head(COLLECT { MATCH (l:GsList {id: h.limit}) RETURN l.items }), h.limit) AS limit,
       h.conditional AS conditional,
       [i IN range(0, size(h.step_dst) - 1) |
        [h.step_src[i], h.step_edge[i], h.step_dst[i], h.step_by[i]]] AS steps
ORDER BY h.move;
