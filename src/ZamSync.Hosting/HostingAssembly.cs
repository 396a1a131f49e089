// ZamSync.Hosting: the node service (Node/), the replicator (Replication/) and the local control endpoint
// (Control/), apart from the runtime: a library user who embeds an engine needs none of Microsoft.Extensions.Hosting.
