using System.Globalization;
using Npgsql;

namespace ZamSync.PostgreSql;

/// <summary>
/// Creates ZamSync's tables in a schema, idempotently: every hub process runs it at start, several at once, and each
/// finds the schema either missing (and creates all of it) or complete. docs/postgresql.md describes every table.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The layout this code writes; a database stamped with a later one was written by a newer ZamSync.</summary>
    public const int Version = 1;

    public static async Task EnsureCreatedAsync(NpgsqlDataSource dataSource, PostgresStoreOptions options, CancellationToken cancellationToken)
    {
        string s = options.QuotedSchema;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // CREATE ... IF NOT EXISTS is not safe against a concurrent creator (both pass the check, one fails on the
        // catalog's unique index), so the processes of one schema take turns; the lock ends with the transaction.
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@key))", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", "zamsync.schema:" + options.ValidSchema());
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var ddl = new NpgsqlCommand(Ddl(s), connection, transaction))
            await ddl.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        await using (var version = new NpgsqlCommand($"SELECT value FROM {s}.meta WHERE key = 'schema_version'", connection, transaction))
        {
            if (await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string found)
            {
                int stamped = int.Parse(found, CultureInfo.InvariantCulture);
                if (stamped > Version)
                    throw new ZamException($"The schema '{options.Schema}' was written by a newer ZamSync (layout {stamped}; this version knows {Version}). Upgrade this process, or point it at another schema.");
            }
            else
            {
                await using var stamp = new NpgsqlCommand($"INSERT INTO {s}.meta (key, value) VALUES ('schema_version', @v)", connection, transaction);
                stamp.Parameters.AddWithValue("v", Version.ToString(CultureInfo.InvariantCulture));
                await stamp.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    // Unsigned 64-bit values (origins, peers, sequences) are bigints with the top bit flipped (SqlUInt64): order
    // survives, so a sequence range is an index range and GREATEST keeps the larger one. Sequence 0 ("none") is the
    // smallest bigint. Stamps and 32-bit values are stored as they are.
    private static string Ddl(string s) => $"""
        CREATE SCHEMA IF NOT EXISTS {s};

        CREATE TABLE IF NOT EXISTS {s}.meta (
            key   text PRIMARY KEY,
            value text NOT NULL
        );

        CREATE TABLE IF NOT EXISTS {s}.events (
            origin       bigint  NOT NULL,
            seq          bigint  NOT NULL,
            hlc_physical bigint  NOT NULL,
            hlc_logical  bigint  NOT NULL,
            event_type   bigint  NOT NULL,
            quarantined  boolean NOT NULL,
            payload      bytea   NOT NULL,
            PRIMARY KEY (origin, seq)
        );
        CREATE INDEX IF NOT EXISTS events_fold_order ON {s}.events (hlc_physical, hlc_logical, origin, seq);

        CREATE TABLE IF NOT EXISTS {s}.origins (
            origin        bigint PRIMARY KEY,
            held          bigint NOT NULL,
            floor         bigint NOT NULL,
            high_physical bigint NOT NULL,
            high_logical  bigint NOT NULL,
            CHECK (floor <= held)
        );
        -- The bytes of the origin's rows (payload plus fixed columns), kept with the rows: the store's Length, which the
        -- table's file size is not (it shrinks only at VACUUM FULL).
        ALTER TABLE {s}.origins ADD COLUMN IF NOT EXISTS bytes bigint NOT NULL DEFAULT 0;

        CREATE TABLE IF NOT EXISTS {s}.base (
            id               int PRIMARY KEY CHECK (id = 1),
            horizon_physical bigint,
            horizon_logical  bigint,
            horizon_origin   bigint,
            horizon_seq      bigint,
            clock_physical   bigint NOT NULL,
            clock_logical    bigint NOT NULL,
            snapshot         bytea  NOT NULL
        );

        CREATE TABLE IF NOT EXISTS {s}.checkpoint (
            id                int PRIMARY KEY CHECK (id = 1),
            event_count       bigint NOT NULL,
            frontier_physical bigint,
            frontier_logical  bigint,
            frontier_origin   bigint,
            frontier_seq      bigint,
            fingerprint       text   NOT NULL,
            state             bytea  NOT NULL,
            origins           bigint[] NOT NULL,
            floors            bigint[] NOT NULL,
            held              bigint[] NOT NULL
        );

        CREATE TABLE IF NOT EXISTS {s}.peers (
            peer                 bigint PRIMARY KEY,
            contract_fingerprint text
        );

        CREATE TABLE IF NOT EXISTS {s}.peer_holds (
            peer   bigint NOT NULL REFERENCES {s}.peers (peer) ON DELETE CASCADE,
            origin bigint NOT NULL,
            seq    bigint NOT NULL,
            PRIMARY KEY (peer, origin)
        );

        CREATE OR REPLACE FUNCTION {s}.u64(stored bigint) RETURNS numeric
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
            AS 'SELECT stored::numeric + 9223372036854775808';
        CREATE OR REPLACE FUNCTION {s}.from_u64(value numeric) RETURNS bigint
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
            AS 'SELECT (value - 9223372036854775808)::bigint';
        """;
}
