using Clinic.Contracts;
using Npgsql;
using ZamSync;
using ZamSync.PostgreSql;

namespace Clinic.Node;

/// <summary>
/// One hub process on PostgreSQL (<c>serve --postgres</c>): the hub's events and peer knowledge live in the database,
/// shared by every process of the hub, so several can serve at once (behind a load balancer, docs/operations.md). Each
/// process still needs a data directory of its own for the engine's lock, clock floor and quarantine log:
/// <c>processes/&lt;name&gt;</c> inside the hub's directory.
/// </summary>
internal static class PostgresHubProcess
{
    /// <summary>The engine's directory of process <paramref name="process"/> of the hub in <paramref name="hub"/>.</summary>
    public static string DataDirectory(NodeDirectory hub, string process)
    {
        if (process.Length == 0 || process.Length > 64 || process.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new UserError($"'{process}' is not a process name: letters, digits, '-' and '_', at most 64.");
        return Path.Combine(hub.Path, "processes", process);
    }

    /// <summary>Opens the hub's engine on <paramref name="dataSource"/>: folding the clinics' state, or as a relay.</summary>
    public static async Task<ZamEngine> OpenAsync(NodeDirectory hub, string process, NpgsqlDataSource dataSource, PostgresStoreOptions store, bool relay,
        Microsoft.Extensions.Logging.ILoggerFactory log, CancellationToken cancellationToken)
    {
        var config = hub.Config;
        if (config.Kind != NodeKind.Hub) throw new UserError($"'{hub.Path}' is a clinic: only a hub serves on PostgreSQL.");
        string directory = DataDirectory(hub, process);
        Directory.CreateDirectory(directory);
        var options = NodeDirectory.EngineOptions.UsePostgres(dataSource, store) with { LoggerFactory = log };
        try
        {
            if (!relay) return await ZamEngine<ClinicNetworkState>.OpenAsync(directory, new NodeId(config.NodeId), options, cancellationToken);
            var contract = NodeDirectory.NetworkContract;
            return await ZamEngine.OpenRelayAsync(directory, new NodeId(config.NodeId),
                options with { ContractFingerprint = contract.Fingerprint, ContractSchema = contract.Schema }, cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            throw new UserError($"PostgreSQL refused the hub: {ex.Message}", ex);
        }
    }
}
