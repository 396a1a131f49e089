using System.CommandLine;
using Clinic.Contracts;
using Clinic.Node;
using Clinic.Web;
using Npgsql;
using Spectre.Console;
using ZamSync;
using ZamSync.Hosting.Control;
using ZamSync.Hosting.Control.Operations;
using ZamSync.Net.Hub;
using ZamSync.Net.Tcp;
using ZamSync.PostgreSql;
using ZamSync.Sync;

namespace Clinic.Commands;

internal static class ServeCommand
{
    public static Command Create(IAnsiConsole console, TimeProvider clock)
    {
        var dir = Common.Dir("The hub's directory");
        var listen = new Option<string>("--listen") { Description = "Address to listen on", DefaultValueFactory = _ => "0.0.0.0:7000" };
        var ownOnly = new Option<bool>("--own-only") { Description = "Each clinic receives only its own events (tenant isolation)" };
        var relay = new Option<bool>("--relay") { Description = "Store and forward only: fold no state (status shows no patients; the hub records no events of its own)" };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "Keep the hub's events and peers in PostgreSQL (an Npgsql connection string): several hub processes can serve one database at once",
        };
        var schema = new Option<string>("--schema") { Description = "With --postgres: the schema of this hub's tables", DefaultValueFactory = _ => PostgresStoreOptions.DefaultSchema };
        var process = new Option<string>("--process")
        {
            Description = "With --postgres: this process's name; its own data (lock, clock floor) is kept in <dir>/processes/<name>",
            DefaultValueFactory = _ => "main",
        };
        var http = new Option<string?>("--http")
        {
            Description = "Also serve the HTTP API and dashboard on this loopback address (plain HTTP), such as 127.0.0.1:8080",
        };
        var https = new Option<string?>("--https")
        {
            Description = "Also serve the HTTP API and dashboard over TLS with the hub's certificate (client certificates accepted), such as 0.0.0.0:8443",
        };
        var apiTokens = new Option<string?>("--api-tokens")
        {
            Description = "With --http/--https: the API's bearer token file, mode 0600 (default <dir>/api-tokens, created with a coordinator token when missing)",
        };
        var clinicBudget = new Option<long?>("--clinic-max-bytes-per-day")
        {
            Description = "With --http/--https: the clinics' daily byte budget (their node --max-bytes-per-day), drawn on the dashboard against each clinic's bytes: 20MB, 500k",
            CustomParser = Quantities.ParseBytesOption,
        };
        var command = new Command("serve", "Serve as the hub until stopped (Ctrl+C)") { dir, listen, ownOnly, relay, postgres, schema, process, http, https, apiTokens, clinicBudget };
        command.SetAction(async (result, cancellationToken) =>
        {
            var directory = new NodeDirectory(result.GetValue(dir)!);
            // Checked before anything opens, so a mistyped address changes nothing.
            var web = WebEndpointOf(result.GetValue(http), result.GetValue(https));
            if (web is null && (result.GetResult(apiTokens) is not null || result.GetResult(clinicBudget) is not null))
                throw new UsageMistake("--api-tokens and --clinic-max-bytes-per-day are for the HTTP API: give --http or --https too.");
            using var log = new ConsoleLog(console, clock);
            bool asRelay = result.GetValue(relay);
            string? connectionString = result.GetValue(postgres);
            // The pool outlives the engine (disposed after it, in reverse order of these usings).
            await using var dataSource = connectionString is null ? null : PostgresDataSource(connectionString);
            // A relay has no state to read: it forwards what clinics send and does no fold work at all.
            ZamEngine engine = dataSource is not null
                ? await PostgresHubProcess.OpenAsync(directory, result.GetValue(process)!, dataSource, new PostgresStoreOptions { Schema = result.GetValue(schema)! }, asRelay, log, cancellationToken)
                : asRelay ? await directory.OpenRelayAsync(log, cancellationToken) : await directory.OpenAsync(log, cancellationToken);
            await using var _ = engine;
            await using var hub = new ZamHub(engine, new ZamHubOptions
            {
                Listen = result.GetValue(listen)!,
                Transport = new TcpTransportOptions { Tls = directory.LoadTls() },
                AccessPolicy = result.GetValue(ownOnly) ? AccessPolicy.OwnOnly : AccessPolicy.All,
            });
            // One line per session, so an operator watching the hub sees who synced, what it cost, and what failed.
            hub.SessionEnded += status =>
            {
                string last = status.LastFailure is { } failed && failed >= status.LastSuccess.GetValueOrDefault() ? $" (this one failed: {status.LastError})" : "";
                console.MarkupLineInterpolated(
                    $"{DateTimeOffset.UtcNow:HH:mm:ss} node {status.Peer}: {status.Sessions} sessions, {status.Failures} failed, {status.BytesReceived:N0} B in, {status.BytesSent:N0} B out{last}");
            };
            try
            {
                await hub.StartAsync(cancellationToken);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                throw new UserError(NetworkErrors.DescribeListen(ex, result.GetValue(listen)!), ex);
            }
            // While the hub owns the directory, `status` and `submit` reach it through its control endpoint.
            IControlOperation[] operations = engine is ZamEngine<ClinicNetworkState> folding
                ? [new StatusOperation(engine, [new HubStatusSection(hub), new ClinicStatusSection(folding, directory)]), new ClinicSubmitOperation(folding), new BackupOperation(engine), new CompactOperation(engine)]
                : [new StatusOperation(engine, [new HubStatusSection(hub), new RelayStatusSection(directory)]), new BackupOperation(engine), new CompactOperation(engine)];
            // On PostgreSQL several processes share the hub's directory: each answers on the socket of its own data
            // directory, so `status` and `submit` on the hub's directory (which would open its embedded log) reach none.
            string controlPath = dataSource is null
                ? ControlEndpoint.DefaultSocketPath(directory.Path)
                : ControlEndpoint.DefaultSocketPath(PostgresHubProcess.DataDirectory(directory, result.GetValue(process)!));
            await using var control = new ControlServer(controlPath, operations, logger: log.CreateLogger("ZamSync.Control"));
            await control.StartAsync(cancellationToken);
            // The API and dashboard read the engine and hub this process already runs (never a second open).
            await using var webHost = web is null ? null : await StartWebAsync(web, engine, hub, directory, result.GetValue(apiTokens), result.GetValue(ownOnly), result.GetValue(clinicBudget), log, cancellationToken);
            string on = dataSource is null ? "" : $" on PostgreSQL (schema {result.GetValue(schema)}, process {result.GetValue(process)})";
            console.MarkupLineInterpolated($"[green]Hub {engine.NodeId}[/]{(asRelay ? " (relay: no state)" : "")}{on} serving on {hub.LocalEndPoint} with mutual TLS. Ctrl+C stops it.");
            if (webHost is not null)
                console.MarkupLineInterpolated($"Dashboard on [link]{webHost.Dashboard}[/] and the API on {webHost.Address}api/ (sign in with a token from {webHost.TokenFile}).");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            await control.StopAsync(CancellationToken.None);
            await hub.StopAsync(CancellationToken.None);
            console.MarkupLine("Hub stopped; running sessions were allowed to finish.");
            return 0;
        });
        return command;
    }

    private static WebEndpoint? WebEndpointOf(string? http, string? https)
    {
        if (http is not null && https is not null) throw new UsageMistake("--http and --https: give one of them, not both.");
        return http is not null ? WebEndpoint.Parse("--http", http, tls: false)
            : https is not null ? WebEndpoint.Parse("--https", https, tls: true)
            : null;
    }

    private static async Task<HubWebHost> StartWebAsync(WebEndpoint web, ZamEngine engine, ZamHub hub, NodeDirectory directory, string? tokens,
        bool ownOnly, long? clinicBytesPerDay, ConsoleLog log, CancellationToken cancellationToken)
    {
        string tokenFile = Path.GetFullPath(tokens ?? Path.Combine(directory.Path, ApiTokenFile.DefaultName));
        if (tokens is null) ApiTokenFile.EnsureExists(tokenFile, engine.NodeId.Value);
        var settings = new HubWebHost.Settings(web, tokenFile, directory.LoadTls(), ownOnly ? AccessPolicy.OwnOnly : AccessPolicy.All, log)
        {
            ClinicBytesPerDay = clinicBytesPerDay,
        };
        return await HubWebHost.StartAsync(engine, hub, settings, cancellationToken);
    }

    private static NpgsqlDataSource PostgresDataSource(string connectionString)
    {
        try
        {
            return NpgsqlDataSource.Create(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new UserError($"--postgres needs an Npgsql connection string (Host=...;Username=...;Password=...;Database=...): {ex.Message}", ex);
        }
    }
}
