using Microsoft.Data.Sqlite;

namespace ZamSync.Bench.Harness;

/// <summary>
/// The SQLite peer the benchmarks compare with: a table of the same rows the log holds (origin, sequence, clock,
/// type, 100-byte payload), keyed <c>(origin, seq)</c> without a rowid, in WAL mode with <c>synchronous=FULL</c>
/// (every commit fsyncs the WAL, as every durable submit fsyncs the log). Connections are not pooled, so
/// opening one really opens the file.
/// </summary>
internal sealed class SqlitePeer : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _origin, _seq, _hlc, _payload;

    private SqlitePeer(SqliteConnection connection)
    {
        _connection = connection;
        _insert = connection.CreateCommand();
        _insert.CommandText = "INSERT INTO events (origin, seq, hlc, type, payload) VALUES ($origin, $seq, $hlc, 1, $payload)";
        _origin = _insert.Parameters.Add("$origin", SqliteType.Integer);
        _seq = _insert.Parameters.Add("$seq", SqliteType.Integer);
        _hlc = _insert.Parameters.Add("$hlc", SqliteType.Integer);
        _payload = _insert.Parameters.Add("$payload", SqliteType.Blob);
        _insert.Prepare();
    }

    public static string ConnectionString(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> in WAL mode with synchronous=FULL.</summary>
    public static SqlitePeer Open(string path)
    {
        var connection = new SqliteConnection(ConnectionString(path));
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL");
        Execute(connection, "PRAGMA synchronous=FULL");
        Execute(connection,
            "CREATE TABLE IF NOT EXISTS events (origin INTEGER NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL, " +
            "type INTEGER NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (origin, seq)) WITHOUT ROWID");
        return new SqlitePeer(connection);
    }

    /// <summary>One event in its own transaction (autocommit): durable when this returns.</summary>
    public void Insert(long origin, long seq, byte[] payload)
    {
        _origin.Value = origin;
        _seq.Value = seq;
        _hlc.Value = seq;
        _payload.Value = payload;
        _insert.ExecuteNonQuery();
    }

    /// <summary>Events 1..<paramref name="count"/> of <paramref name="origin"/> in one transaction (building a fixture).</summary>
    public void Fill(long origin, long count, byte[] payload)
    {
        using var transaction = _connection.BeginTransaction();
        _insert.Transaction = transaction;
        for (long seq = 1; seq <= count; seq++) Insert(origin, seq, payload);
        transaction.Commit();
        _insert.Transaction = null;
        Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE)");
    }

    /// <summary>
    /// Opens the database afresh and answers "origin O after n" once, reading every row's payload, as serving a
    /// peer does. Returns the rows read.
    /// </summary>
    public static int OpenAndAnswer(string path, long origin, long after)
    {
        using var connection = new SqliteConnection(ConnectionString(path));
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT seq, payload FROM events WHERE origin = $origin AND seq > $after ORDER BY seq";
        query.Parameters.AddWithValue("$origin", origin);
        query.Parameters.AddWithValue("$after", after);
        using var reader = query.ExecuteReader();
        int rows = 0;
        long touched = 0;
        while (reader.Read())
        {
            var payload = (byte[])reader[1];
            touched += payload[^1] + payload.Length;
            rows++;
        }
        return touched > 0 ? rows : 0;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _insert.Dispose();
        _connection.Dispose();
    }
}
